package io.spillway.client;

import java.util.concurrent.atomic.AtomicInteger;

/**
 * How one member has been answering this client: its recent get and put latencies ({@link LatencyWindow}), the
 * hedge delay and quick put timeout derived from them, and whether it is suspect. A member becomes suspect after
 * {@code suspectAfterSlowReplies} slow answers in a row (a get abandoned at its hedge delay, a put past its quick
 * timeout); an answer within the delay resets the streak. A suspect member is asked last by gets and left out of
 * puts (a stand-in takes its copy) until a ping answers within the hedge cap ({@link #clear()}).
 */
final class NodeHealth {
    final LatencyWindow gets = new LatencyWindow();
    final LatencyWindow puts = new LatencyWindow();
    private final AtomicInteger slowInARow = new AtomicInteger();
    private volatile boolean suspect;

    boolean suspect() {
        return suspect;
    }

    /** The wait before a get to this member is abandoned for another owner: its get p99, clamped; the cap until known. */
    long hedgeDelayNanos(ClientContext c) {
        return clamp(gets.p99Nanos(), c.hedgeDelayFloor().toNanos(), c.hedgeDelayCap().toNanos());
    }

    /**
     * The quick timeout of a put to this member: twice its put p99, clamped; 0 (the plain request timeout) until
     * enough puts were seen, so that a client's first puts, which open connections, are not judged slow.
     */
    long slowPutTimeoutNanos(ClientContext c) {
        long p99 = puts.p99Nanos();
        return p99 < 0 ? 0 : clamp(2 * p99, c.slowPutFloor().toNanos(), c.slowPutCap().toNanos());
    }

    private static long clamp(long v, long floor, long cap) {
        return v < 0 ? cap : Math.max(floor, Math.min(cap, v));
    }

    /** An answer in time: the slow streak starts again. */
    void answered() {
        if (slowInARow.get() != 0) {
            slowInARow.set(0);
        }
    }

    /** A slow answer; true when it made the member suspect (it was not before). */
    boolean slow(int suspectAfter) {
        if (slowInARow.incrementAndGet() < suspectAfter || suspect) {
            return false;
        }
        synchronized (this) {
            if (suspect) {
                return false;
            }
            suspect = true;
            return true;
        }
    }

    /** The member answered fast again; true when it was suspect. */
    synchronized boolean clear() {
        slowInARow.set(0);
        if (!suspect) {
            return false;
        }
        suspect = false;
        return true;
    }
}
