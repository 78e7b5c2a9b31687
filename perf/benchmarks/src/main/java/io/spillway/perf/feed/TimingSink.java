package io.spillway.perf.feed;

import io.spillway.event.EventMessage;
import io.spillway.event.NodeLoad;
import io.spillway.event.feed.FeedSink;
import io.spillway.router.feed.IndexFeedSink;
import io.spillway.tier.TierKind;
import org.HdrHistogram.Histogram;
import org.agrona.DirectBuffer;

/**
 * An {@link IndexFeedSink} that times, for each stored key the bench put, the delay from just before the put to just
 * after the key is in the index. Keys are numbered: key {@code i} has {@code lo = i} and {@code stampedNanos[i]} holds
 * the {@code System.nanoTime()} before its put (0: not stamped, or outside the measured window).
 */
final class TimingSink implements FeedSink {
    private final IndexFeedSink index;
    private final long[] stampedNanos;
    private final Histogram lag = new Histogram(60_000_000_000L, 3);
    private long late;

    TimingSink(IndexFeedSink index, long[] stampedNanos) {
        this.index = index;
        this.stampedNanos = stampedNanos;
    }

    @Override
    public void reset(String nodeId) {
        index.reset(nodeId);
    }

    @Override
    public void stored(String nodeId, TierKind tier, DirectBuffer keys, int offset, int count) {
        index.stored(nodeId, tier, keys, offset, count);
        long now = System.nanoTime();
        synchronized (lag) {
            for (int i = 0; i < count; i++) {
                long lo = EventMessage.keyLo(keys, offset + i * EventMessage.KEY_LENGTH);
                if (lo >= 0 && lo < stampedNanos.length && stampedNanos[(int) lo] != 0) {
                    lag.recordValue(Math.max(0, now - stampedNanos[(int) lo]));
                    stampedNanos[(int) lo] = 0;
                } else {
                    late++;
                }
            }
        }
    }

    @Override
    public void removed(String nodeId, TierKind tier, DirectBuffer keys, int offset, int count) {
        index.removed(nodeId, tier, keys, offset, count);
    }

    @Override
    public void moved(String nodeId, TierKind from, TierKind to, DirectBuffer keys, int offset, int count) {
        index.moved(nodeId, from, to, keys, offset, count);
    }

    @Override
    public void cleared(String nodeId, TierKind tier) {
        index.cleared(nodeId, tier);
    }

    @Override
    public void load(NodeLoad load) {
        index.load(load);
    }

    /** A copy of the lags recorded so far, in nanoseconds. */
    Histogram lag() {
        synchronized (lag) {
            return lag.copy();
        }
    }

    /** Stored keys that were not stamped (warm-up keys, or a key stored twice). */
    long unstamped() {
        synchronized (lag) {
            return late;
        }
    }
}
