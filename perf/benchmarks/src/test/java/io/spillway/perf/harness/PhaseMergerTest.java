package io.spillway.perf.harness;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.HdrHistogram.Histogram;
import org.junit.jupiter.api.Test;

class PhaseMergerTest {
    private static final int BLOCK = 64 * 1024;
    private static final PhaseSpec SPEC = new PhaseSpec("get", BLOCK, 1, 2, 1.0, 16, WritePattern.FRESH,
        Duration.ofSeconds(1), Duration.ofSeconds(10));

    /** A slice whose gets took {@code latencies} (ns), with counters derived from {@code seed}. */
    private static PhaseSlice slice(long[] latencies, int seed, LatencyRecorder everything) {
        LatencyRecorder mine = new LatencyRecorder();
        for (long l : latencies) {
            mine.record(l);
            everything.record(l);
        }
        mine.sampleInterval();
        OpResult get = new OpResult(latencies.length, 10L * seed, 10L * seed * BLOCK, seed, 0, seed % 2, 2.0 + seed,
            mine.summary());
        OpResult put = new OpResult(seed, seed, (long) seed * BLOCK, 0, seed + 1, 0, 2.0 + seed, LatencySummary.EMPTY);
        PhaseResult r = new PhaseResult("tcp", SPEC, 2.0 + seed, get, put, seed * 3L, seed == 2 ? "boom" : null);
        Histogram putNanos = LatencyRecorder.newHistogram();
        return new PhaseSlice(r, mine.total(), putNanos);
    }

    @Test
    void sumsAreExactAndPercentilesAreThoseOfTheUnion() {
        Random random = new Random(42);
        LatencyRecorder everything = new LatencyRecorder();
        PhaseMerger merger = new PhaseMerger("tcp", SPEC);
        List<LatencySummary> perSlice = new ArrayList<>();
        for (int seed = 1; seed <= 4; seed++) {
            // slices with very different distributions: averaging their percentiles would be wrong
            long[] latencies = new long[1000 * seed];
            for (int i = 0; i < latencies.length; i++) {
                latencies[i] = 1_000L * seed * seed + (long) (random.nextDouble() * 1_000_000 * seed);
            }
            PhaseSlice s = slice(latencies, seed, everything);
            perSlice.add(s.result().get().latency());
            merger.add(s);
        }
        everything.sampleInterval();
        PhaseResult m = merger.result();

        assertEquals(4, merger.slices());
        assertEquals(SPEC, m.spec());
        assertEquals(3 + 4 + 5 + 6, m.seconds(), 1e-9);
        assertEquals(1000 + 2000 + 3000 + 4000, m.get().requests());
        assertEquals(10 * (1 + 2 + 3 + 4), m.get().blocks());
        assertEquals(10L * (1 + 2 + 3 + 4) * BLOCK, m.get().bytes());
        assertEquals(1 + 2 + 3 + 4, m.get().misses());
        assertEquals(2, m.get().verifyFailures());
        assertEquals(1 + 2 + 3 + 4, m.put().requests());
        assertEquals(2 + 3 + 4 + 5, m.put().refused());
        assertEquals(3 * (1 + 2 + 3 + 4), m.errors());
        assertEquals("boom", m.firstError());
        assertEquals(m.seconds(), m.get().seconds(), 1e-9);
        assertEquals(10L * 10 * BLOCK / 18.0 / 1e9, m.get().gigabytesPerSecond(), 1e-12);

        assertEquals(everything.summary(), m.get().latency(), "merged percentiles = one histogram of everything");
        assertEquals(LatencySummary.EMPTY, m.put().latency());
        double averagedP99 = perSlice.stream().mapToDouble(LatencySummary::p99Micros).average().orElseThrow();
        assertNotEquals(m.get().latency().p99Micros(), averagedP99, 1.0, "the test must tell merging from averaging");
    }
}
