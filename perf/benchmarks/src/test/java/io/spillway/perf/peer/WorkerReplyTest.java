package io.spillway.perf.peer;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.spillway.perf.harness.PhaseSlice;
import io.spillway.perf.harness.PhaseSpec;
import io.spillway.perf.harness.WritePattern;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;

class WorkerReplyTest {
    private static final int BLOCK = 2 << 20;
    private static final PhaseSpec GET = new PhaseSpec("get", BLOCK, 1, 4, 1.0, 256, WritePattern.FRESH,
        Duration.ofMillis(100), Duration.ofSeconds(2));

    @Test
    void readsCountersLatenciesAndSecondsIntoTheHarnessesSlice() {
        PhaseSlice s = WorkerReply.parse("mooncake", GET, List.of(
            "get 4 4 " + 4L * BLOCK + " 1 0 0", "put 0 0 0 0 0 0", "errors 0",
            "lat-get 1000000 2000000 3000000 4000000", "lat-put ", "seconds 2.000000"));
        assertEquals("mooncake", s.result().target());
        assertEquals(4, s.result().get().requests());
        assertEquals(4L * BLOCK, s.result().get().bytes());
        assertEquals(1, s.result().get().misses());
        assertEquals(4L * BLOCK / 2.0 / 1e9, s.result().get().gigabytesPerSecond(), 1e-9);
        assertEquals(4, s.getNanos().getTotalCount());
        assertEquals(0, s.putNanos().getTotalCount());
        assertEquals(4_000_000, s.getNanos().getMaxValue(), 4_000_000 * 1e-3);
        assertEquals(0, s.result().errors());
        assertNull(s.result().firstError());
        assertTrue(s.result().clean());
    }

    @Test
    void carriesTheWorkersErrorsAndVerifyFailuresSoTheRunIsNotClean() {
        PhaseSlice s = WorkerReply.parse("mooncake", GET, List.of("get 3 2 " + 2L * BLOCK + " 0 0 1",
            "put 0 0 0 0 0 0", "errors 2", "first-error verify: block 7: holds block 8", "lat-get 5 6 7",
            "lat-put", "seconds 2"));
        assertEquals(1, s.result().get().verifyFailures());
        assertEquals(2, s.result().errors());
        assertEquals("verify: block 7: holds block 8", s.result().firstError());
        assertTrue(!s.result().clean());
    }

    @Test
    void rejectsAnAnswerItCannotReadWithTheLineQuoted() {
        String lacks = assertThrows(IllegalArgumentException.class, () -> WorkerReply.parse("mooncake", GET,
            List.of("get 1 1 1 0 0 0", "put 0 0 0 0 0 0", "errors 0"))).getMessage();
        assertTrue(lacks.contains("lacks 'seconds'"), lacks);
        String words = assertThrows(IllegalArgumentException.class, () -> WorkerReply.parse("mooncake", GET,
            List.of("get 1 1 x 0 0 0"))).getMessage();
        assertTrue(words.contains("'get 1 1 x 0 0 0'"), words);
        String few = assertThrows(IllegalArgumentException.class, () -> WorkerReply.parse("mooncake", GET,
            List.of("put 1 1 1"))).getMessage();
        assertTrue(few.contains("6 counters"), few);
        String negative = assertThrows(IllegalArgumentException.class, () -> WorkerReply.parse("mooncake", GET,
            List.of("errors -1"))).getMessage();
        assertTrue(negative.contains(">= 0"), negative);
        String unknown = assertThrows(IllegalArgumentException.class, () -> WorkerReply.parse("mooncake", GET,
            List.of("Traceback (most recent call last):"))).getMessage();
        assertTrue(unknown.contains("unknown line"), unknown);
        String seconds = assertThrows(IllegalArgumentException.class, () -> WorkerReply.parse("mooncake", GET,
            List.of("seconds NaN"))).getMessage();
        assertTrue(seconds.contains("seconds >= 0"), seconds);
    }
}
