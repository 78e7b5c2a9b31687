package io.spillway.perf.failover;

import java.util.concurrent.atomic.AtomicLongArray;

/** Per-second counters of a load run, indexed by whole seconds since the run's start. */
final class Timeline {
    static final int OPS = 0;
    static final int BYTES = 1;
    static final int GETS_OK = 2;
    static final int GETS_FAILED = 3;
    static final int PUTS_OK = 4;
    static final int PUTS_FAILED = 5;
    static final int WRONG = 6;
    private static final int FIELDS = 7;

    private final long startNanos;
    private final int seconds;
    private final AtomicLongArray counts;

    Timeline(long startNanos, int seconds) {
        this.startNanos = startNanos;
        this.seconds = seconds;
        this.counts = new AtomicLongArray(seconds * FIELDS);
    }

    long startNanos() {
        return startNanos;
    }

    int seconds() {
        return seconds;
    }

    /** The second (since start) that {@code nanos} falls in. */
    int second(long nanos) {
        return (int) ((nanos - startNanos) / 1_000_000_000L);
    }

    void add(long nanos, int field, long n) {
        int s = second(nanos);
        if (s >= 0 && s < seconds) {
            counts.addAndGet(s * FIELDS + field, n);
        }
    }

    long get(int second, int field) {
        return counts.get(second * FIELDS + field);
    }

    /** Sum of {@code field} over seconds {@code [from, to)}, clipped to the run. */
    long sum(int from, int to, int field) {
        long n = 0;
        for (int s = Math.max(0, from); s < Math.min(seconds, to); s++) {
            n += get(s, field);
        }
        return n;
    }
}
