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
}
