package io.spillway.event.feed;

import java.util.concurrent.atomic.AtomicLongArray;

/**
 * Counts of delays in power-of-two buckets of microseconds (bucket {@code b} holds delays below {@code 2^b} us, the
 * last one everything longer): cheap enough to record on every applied message, read from any thread.
 */
public final class LagHistogram {
    public static final int BUCKETS = 32;

    private final AtomicLongArray counts = new AtomicLongArray(BUCKETS);

    /** Records one delay in nanoseconds; a negative one (clocks apart) counts as 0. */
    public void record(long nanos) {
        long micros = Math.max(0, nanos / 1_000);
        int bucket = micros == 0 ? 0 : Math.min(BUCKETS - 1, 64 - Long.numberOfLeadingZeros(micros));
        counts.incrementAndGet(bucket);
    }

    public long count() {
        long n = 0;
        for (int b = 0; b < BUCKETS; b++) {
            n += counts.get(b);
        }
        return n;
    }

    /** The upper bound in microseconds of the bucket holding the {@code percentile}th delay, 0 when empty. */
    public long percentileMicrosAtMost(double percentile) {
        long total = count();
        if (total == 0) {
            return 0;
        }
        long rank = (long) Math.ceil(total * percentile / 100.0);
        long seen = 0;
        for (int b = 0; b < BUCKETS; b++) {
            seen += counts.get(b);
            if (seen >= rank) {
                return 1L << b;
            }
        }
        return Long.MAX_VALUE;
    }
}
