package io.spillway.event.feed;

import io.spillway.event.EventMessage;
import io.spillway.event.NodeLoad;
import io.spillway.key.BlockKey;
import io.spillway.tier.TierKind;
import java.util.EnumMap;
import java.util.HashSet;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import org.agrona.DirectBuffer;

/**
 * A {@link FeedSink} that keeps each node's block set per tier in plain collections: for tools that watch a feed and
 * for tests that compare it with the truth (the router keeps the feed in its primitive-keyed index instead).
 * Thread-safe.
 */
public final class FeedModel implements FeedSink {
    private final Map<String, Map<TierKind, Set<BlockKey>>> nodes = new TreeMap<>();
    private final Map<String, NodeLoad> loads = new TreeMap<>();
    private int resets;

    @Override
    public synchronized void reset(String nodeId) {
        resets++;
        nodes.remove(nodeId);
    }

    /** How many times a node was reset (a session ended or a snapshot loaded). */
    public synchronized int resets() {
        return resets;
    }

    /** Each node's last heartbeat. */
    public synchronized Map<String, NodeLoad> loads() {
        return Map.copyOf(loads);
    }

    /** The nodes known now, in order. */
    public synchronized Set<String> nodes() {
        return Set.copyOf(nodes.keySet());
    }

    @Override
    public synchronized void stored(String nodeId, TierKind tier, DirectBuffer keys, int offset, int count) {
        Set<BlockKey> set = tier(nodeId, tier);
        for (int i = 0; i < count; i++) {
            set.add(key(keys, offset, i));
        }
    }

    @Override
    public synchronized void removed(String nodeId, TierKind tier, DirectBuffer keys, int offset, int count) {
        Set<BlockKey> set = tier(nodeId, tier);
        for (int i = 0; i < count; i++) {
            set.remove(key(keys, offset, i));
        }
    }

    @Override
    public synchronized void moved(String nodeId, TierKind from, TierKind to, DirectBuffer keys, int offset,
                                   int count) {
        for (int i = 0; i < count; i++) {
            tier(nodeId, from).remove(key(keys, offset, i));
            tier(nodeId, to).add(key(keys, offset, i));
        }
    }

    @Override
    public synchronized void cleared(String nodeId, TierKind tier) {
        tier(nodeId, tier).clear();
    }

    @Override
    public synchronized void load(NodeLoad load) {
        loads.put(load.nodeId(), load);
    }

    /** The node's keys of one tier, a copy (empty when unknown). */
    public synchronized Set<BlockKey> keys(String nodeId, TierKind tier) {
        Map<TierKind, Set<BlockKey>> n = nodes.get(nodeId);
        return n == null ? Set.of() : Set.copyOf(n.getOrDefault(tier, Set.of()));
    }

    public synchronized boolean knows(String nodeId) {
        return nodes.containsKey(nodeId);
    }

    private Set<BlockKey> tier(String nodeId, TierKind tier) {
        return nodes.computeIfAbsent(nodeId, n -> new EnumMap<>(TierKind.class))
            .computeIfAbsent(tier, t -> new HashSet<>());
    }

    private static BlockKey key(DirectBuffer keys, int offset, int i) {
        int at = offset + i * EventMessage.KEY_LENGTH;
        return new BlockKey(EventMessage.keyHi(keys, at), EventMessage.keyLo(keys, at));
    }
}
