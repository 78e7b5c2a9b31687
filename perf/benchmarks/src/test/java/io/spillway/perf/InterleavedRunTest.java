package io.spillway.perf;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import io.spillway.perf.harness.PhaseSpec;
import io.spillway.perf.harness.WritePattern;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class InterleavedRunTest {
    private static final PhaseSpec GET = new PhaseSpec("get", 64 * 1024, 1, 2, 1.0, 16, WritePattern.FRESH,
        Duration.ofSeconds(3), Duration.ofSeconds(10));

    @Test
    void orderAlternatesBetweenRounds() {
        List<String> abc = List.of("a", "b", "c");
        assertEquals(abc, InterleavedRun.order(abc, 0));
        assertEquals(List.of("c", "b", "a"), InterleavedRun.order(abc, 1));
        assertEquals(abc, InterleavedRun.order(abc, 2));
        assertEquals(List.of("c", "b", "a"), InterleavedRun.order(abc, 3));
        assertEquals(abc, List.of("a", "b", "c"), "the input is not reordered in place");
    }

    @Test
    void firstSliceWarmsUpFullyLaterSlicesBriefly() {
        InterleavedRun run = new InterleavedRun(Map.of(), 5);
        PhaseSpec first = run.sliceSpec(GET, 0);
        PhaseSpec later = run.sliceSpec(GET, 3);
        assertEquals(Duration.ofSeconds(2), first.duration());
        assertEquals(Duration.ofSeconds(3), first.warmup());
        assertEquals(InterleavedRun.REWARM, later.warmup());
        assertEquals(Duration.ofSeconds(2), later.duration());
        assertEquals("get 4/5", later.name());
        assertEquals(Duration.ZERO, run.sliceSpec(GET.timed(Duration.ZERO, GET.duration()), 2).warmup());
        assertEquals("get", new InterleavedRun(Map.of(), 1).sliceSpec(GET, 0).name());
    }

    @Test
    void roundsBelowOneOrSlicesOfNoTimeAreRefused() {
        assertThrows(IllegalArgumentException.class, () -> InterleavedRun.check(List.of(GET), 0));
        PhaseSpec tiny = GET.timed(Duration.ZERO, Duration.ofNanos(3));
        assertThrows(IllegalArgumentException.class, () -> InterleavedRun.check(List.of(tiny), 5));
    }
}
