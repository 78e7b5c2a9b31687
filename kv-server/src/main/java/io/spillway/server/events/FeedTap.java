package io.spillway.server.events;

import io.spillway.tier.TierKind;

/**
 * Sees what the feed publishes, batch by batch, on the publisher's thread: the vLLM-format out-publisher is one. A
 * move is told as a removal from one tier and a store in the other. Must not block.
 */
public interface FeedTap {
    void stored(TierKind tier, long[] his, long[] los, int count);

    void removed(TierKind tier, long[] his, long[] los, int count);

    /** Every block of {@code tier} is gone (the node is leaving). */
    void cleared(TierKind tier);

    /** A duty cycle of the tap's own (its sockets), on the publisher's thread; returns the work done. */
    default int doWork() {
        return 0;
    }

    /** The feed is stopping: release what the tap holds, on the publisher's thread. */
    default void close() {
    }
}
