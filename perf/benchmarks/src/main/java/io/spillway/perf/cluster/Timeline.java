package io.spillway.perf.cluster;

import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLongArray;

/** Per-second counters of a load run, indexed by whole seconds since the run's start. */
public final class Timeline {
    public static final int OPS = 0;
    public static final int BYTES = 1;
    public static final int GETS_OK = 2;
    public static final int GETS_FAILED = 3;
    public static final int PUTS_OK = 4;
    public static final int PUTS_FAILED = 5;
    public static final int WRONG = 6;
    private static final int FIELDS = 7;

    private final long startNanos;
    private final int seconds;
    private final AtomicLongArray counts;

    public Timeline(long startNanos, int seconds) {
        this.startNanos = startNanos;
        this.seconds = seconds;
        this.counts = new AtomicLongArray(seconds * FIELDS);
    }

    public long startNanos() {
        return startNanos;
    }

    int seconds() {
        return seconds;
    }

    /** The second (since start) that {@code nanos} falls in. */
    public int second(long nanos) {
        return (int) ((nanos - startNanos) / 1_000_000_000L);
    }

    public void add(long nanos, int field, long n) {
        int s = second(nanos);
        if (s >= 0 && s < seconds) {
            counts.addAndGet(s * FIELDS + field, n);
        }
    }

    public long get(int second, int field) {
        return counts.get(second * FIELDS + field);
    }

    /** Sum of {@code field} over seconds {@code [from, to)}, clipped to the run. */
    public long sum(int from, int to, int field) {
        long n = 0;
        for (int s = Math.max(0, from); s < Math.min(seconds, to); s++) {
            n += get(s, field);
        }
        return n;
    }

    /** Mean per second of {@code field} over seconds {@code [from, to)}; 0 for an empty range. */
    public double mean(int from, int to, int field) {
        return to <= from ? 0 : sum(from, to, field) / (double) (to - from);
    }

    /** Seconds from the start to {@code nanos}. */
    public double secondsAt(long nanos) {
        return (nanos - startNanos) / 1e9;
    }

    /** Sleeps until {@code second} seconds after the start. */
    public void sleepUntil(int second) throws InterruptedException {
        long until = startNanos + second * 1_000_000_000L;
        long left;
        while ((left = until - System.nanoTime()) > 0) {
            Thread.sleep(Math.max(1, TimeUnit.NANOSECONDS.toMillis(left)));
        }
    }
}
