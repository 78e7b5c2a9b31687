package io.spillway.perf.harness;

import java.util.concurrent.TimeUnit;
import org.HdrHistogram.Histogram;
import org.HdrHistogram.Recorder;

/**
 * Latency of one kind of request, recorded from many threads at once (HdrHistogram's {@link Recorder}: wait-free
 * on the recording side). The progress thread calls {@link #sampleInterval()} once a second; what it samples
 * while measuring is added to the total, what it samples during warm-up is dropped.
 */
public final class LatencyRecorder {
    /** Up to an hour, 3 significant digits. */
    private static final long HIGHEST_NANOS = TimeUnit.HOURS.toNanos(1);

    private final Recorder recorder = new Recorder(HIGHEST_NANOS, 3);
    private final Histogram total = newHistogram();
    private Histogram interval;

    /** An empty histogram with the same range and precision as a recorder's total, to merge totals into. */
    public static Histogram newHistogram() {
        return new Histogram(HIGHEST_NANOS, 3);
    }

    public void record(long nanos) {
        recorder.recordValue(Math.max(1, Math.min(nanos, HIGHEST_NANOS)));
    }

    /**
     * Takes what was recorded since the last call; returns it (valid until the next call) and, when
     * {@code keep}, adds it to the total.
     */
    public synchronized Histogram sampleInterval(boolean keep) {
        interval = recorder.getIntervalHistogram(interval);
        if (keep) {
            total.add(interval);
        }
        return interval;
    }

    public Histogram sampleInterval() {
        return sampleInterval(true);
    }

    /** Everything kept so far. */
    public synchronized Histogram total() {
        return total.copy();
    }

    /** p50/p99/p99.9/max of the kept total, in microseconds. */
    public synchronized LatencySummary summary() {
        return LatencySummary.of(total);
    }
}
