package io.spillway.perf.harness;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.concurrent.CountDownLatch;
import org.junit.jupiter.api.Test;

class LatencyRecorderTest {
    @Test
    void percentilesOfKeptSamplesInMicroseconds() {
        LatencyRecorder r = new LatencyRecorder();
        for (int i = 1; i <= 1000; i++) {
            r.record(i * 1_000L); // 1 .. 1000 us
        }
        r.sampleInterval();
        LatencySummary s = r.summary();
        assertEquals(1000, s.count());
        assertEquals(500, s.p50Micros(), 1.0);
        assertEquals(990, s.p99Micros(), 1.0);
        assertEquals(999, s.p999Micros(), 1.0);
        assertEquals(1000, s.maxMicros(), 1.0);
        assertEquals(500.5, s.meanMicros(), 1.0);
    }

    @Test
    void warmupSamplesAreDroppedAndNotCounted() {
        LatencyRecorder r = new LatencyRecorder();
        r.record(1_000_000_000L); // a 1 s warm-up outlier
        assertEquals(1, r.sampleInterval(false).getTotalCount());
        r.record(2_000L);
        r.record(4_000L);
        assertEquals(2, r.sampleInterval(true).getTotalCount());
        LatencySummary s = r.summary();
        assertEquals(2, s.count());
        assertTrue(s.maxMicros() < 10, "warm-up outlier leaked into the total: " + s);
    }

    @Test
    void emptySummaryIsZero() {
        assertEquals(LatencySummary.EMPTY, new LatencyRecorder().summary());
    }

    @Test
    void recordsFromManyThreadsWithoutLosingSamples() throws InterruptedException {
        LatencyRecorder r = new LatencyRecorder();
        int threads = 4;
        int perThread = 10_000;
        CountDownLatch done = new CountDownLatch(threads);
        for (int t = 0; t < threads; t++) {
            new Thread(() -> {
                for (int i = 0; i < perThread; i++) {
                    r.record(1_000 + i);
                }
                done.countDown();
            }).start();
        }
        // sample while they record: nothing may be lost between intervals
        long seen = 0;
        while (done.getCount() > 0) {
            seen += r.sampleInterval().getTotalCount();
        }
        done.await();
        seen += r.sampleInterval().getTotalCount();
        assertEquals((long) threads * perThread, seen);
        assertEquals((long) threads * perThread, r.summary().count());
    }
}
