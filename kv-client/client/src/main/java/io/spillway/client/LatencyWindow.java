package io.spillway.client;

import java.util.Arrays;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicLongArray;

/**
 * The last {@link #SAMPLES} latencies of one kind of request to one member, and their p99 as of the last
 * {@link #refresh()}. {@link #record} is the hot path: one counter increment and one opaque array store, no
 * allocation, no lock; concurrent recorders may overwrite each other's slot, which only loses a sample. The p99 is
 * recomputed off the hot path (the client's scheduler thread calls {@link #refresh()} every probe interval) by
 * copying and sorting the ring into a scratch array owned by that thread, and published through a volatile read by
 * every request that needs a delay.
 */
final class LatencyWindow {
    static final int SAMPLES = 128;
    /** Fewer samples than this give no p99 yet ({@link #p99Nanos()} is -1). */
    static final int MIN_SAMPLES = 16;
    private final AtomicLongArray ring = new AtomicLongArray(SAMPLES);
    private final AtomicLong recorded = new AtomicLong();
    private final long[] scratch = new long[SAMPLES];
    private volatile long p99Nanos = -1;

    void record(long nanos) {
        long i = recorded.getAndIncrement();
        ring.setOpaque((int) (i & (SAMPLES - 1)), nanos);
    }

    /** Recomputes the p99 from the ring; one thread at a time (the client's scheduler). */
    synchronized void refresh() {
        int n = (int) Math.min(recorded.get(), SAMPLES);
        if (n < MIN_SAMPLES) {
            p99Nanos = -1;
            return;
        }
        for (int i = 0; i < n; i++) {
            scratch[i] = ring.getOpaque(i);
        }
        Arrays.sort(scratch, 0, n);
        p99Nanos = scratch[(int) Math.ceil(0.99 * n) - 1];
    }

    /** The p99 of the recent samples as of the last refresh, or -1 while there are too few. */
    long p99Nanos() {
        return p99Nanos;
    }
}
