package io.spillway.server.events.vllm;

import io.spillway.server.events.FeedTap;
import io.spillway.tier.TierKind;

/**
 * The node's feed, re-published in vLLM's format (docs/events-vllm.md): each batch the Aeron feed publishes becomes
 * {@code BlockStored}/{@code BlockRemoved} events with the tier as {@code medium}. A session starts with
 * {@code AllBlocksCleared}, since a restarted node's CPU tier is empty and a vLLM-format consumer keeps no sessions;
 * a departure ends with it too. Runs on the feed's publisher thread, which also drives the ZMQ sockets.
 */
public final class VllmTap implements FeedTap {
    private final VllmEventPublisher publisher;
    private final int blockSizeTokens;

    /** Takes over {@code publisher} (built on another thread, handed over before the publisher thread starts). */
    public VllmTap(VllmEventPublisher publisher, int blockSizeTokens) {
        this.publisher = publisher;
        this.blockSizeTokens = blockSizeTokens;
        publisher.allBlocksCleared(TierKind.CPU);
    }

    public VllmEventPublisher publisher() {
        return publisher;
    }

    @Override
    public void stored(TierKind tier, long[] his, long[] los, int count) {
        if (count > 0) {
            publisher.blocksStored(tier, his, los, count, blockSizeTokens);
        }
    }

    @Override
    public void removed(TierKind tier, long[] his, long[] los, int count) {
        if (count > 0) {
            publisher.blocksRemoved(tier, his, los, count);
        }
    }

    /** vLLM's event has no medium: only a whole-node clear (a departure) is sent as one. */
    @Override
    public void cleared(TierKind tier) {
        publisher.allBlocksCleared(tier);
    }

    @Override
    public int doWork() {
        return publisher.doWork();
    }

    @Override
    public void close() {
        publisher.flush();
        publisher.close();
    }
}
