package io.spillway.event.feed;

import io.spillway.event.NodeLoad;
import io.spillway.tier.TierKind;
import org.agrona.DirectBuffer;

/**
 * Where a {@link FeedSubscriber} applies what the nodes publish: the router's block-location index, or a test's
 * model. Keys come packed, 16 bytes each ({@code hi} then {@code lo}, big-endian), {@code count} of them from
 * {@code offset}; the buffer is only valid during the call.
 *
 * <p>Calls for one node never overlap and come in the order the node published; calls for different nodes may come
 * from different threads at once (a snapshot loads on a loader thread while the agent applies other nodes' events),
 * so an implementation must be thread-safe across nodes.
 */
public interface FeedSink {
    /**
     * Forget every block of {@code nodeId} in every tier: its session ended (it left, restarted, or fell silent), or a
     * snapshot of it is about to be loaded.
     */
    void reset(String nodeId);

    /** The node's {@code tier} holds these keys. */
    void stored(String nodeId, TierKind tier, DirectBuffer keys, int offset, int count);

    /** The node's {@code tier} no longer holds these keys. */
    void removed(String nodeId, TierKind tier, DirectBuffer keys, int offset, int count);

    /** These keys left the node's {@code from} tier and are held by its {@code to} tier. */
    void moved(String nodeId, TierKind from, TierKind to, DirectBuffer keys, int offset, int count);

    /** Every block of the node's {@code tier} is gone. */
    void cleared(String nodeId, TierKind tier);

    /**
     * A heartbeat's figures, as each arrives (on the subscriber's thread, also while a snapshot of that node loads on
     * another); by default ignored.
     */
    default void load(NodeLoad load) {
    }
}
