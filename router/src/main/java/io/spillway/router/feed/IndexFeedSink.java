package io.spillway.router.feed;

import io.spillway.event.NodeLoad;
import io.spillway.event.feed.FeedSink;
import io.spillway.placement.index.BlockLocationIndex;
import io.spillway.placement.index.Location;
import io.spillway.placement.index.Medium;
import io.spillway.tier.TierKind;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import org.agrona.DirectBuffer;

/**
 * Applies the Spillway nodes' feeds to a {@link BlockLocationIndex}: a node's CPU tier and NVMe tier are two
 * locations ({@link Location#node}), reset by clearing them (a fresh id each, so a snapshot loads at once while the
 * old entries are purged in the background). Keeps each node's last heartbeat for the router's load figures.
 */
public final class IndexFeedSink implements FeedSink {
    private final BlockLocationIndex index;
    /** Current location id per (node, tier): tier ordinal in the low bits of the array. */
    private final Map<String, int[]> ids = new ConcurrentHashMap<>();
    private final Map<String, NodeLoad> loads = new ConcurrentHashMap<>();

    public IndexFeedSink(BlockLocationIndex index) {
        this.index = index;
    }

    public BlockLocationIndex index() {
        return index;
    }

    /** The last heartbeat heard of each node, by node id (kept after a node leaves: look at its age). */
    public Map<String, NodeLoad> loads() {
        return loads;
    }

    /** The location of a node's tier in the index. */
    public static Location location(String nodeId, TierKind tier) {
        return Location.node(nodeId, tier == TierKind.CPU ? Medium.CPU : Medium.NVME);
    }

    @Override
    public void reset(String nodeId) {
        int[] fresh = new int[TierKind.values().length];
        for (TierKind t : TierKind.values()) {
            fresh[t.ordinal()] = index.clear(location(nodeId, t));
        }
        ids.put(nodeId, fresh);
    }

    @Override
    public void stored(String nodeId, TierKind tier, DirectBuffer keys, int offset, int count) {
        index.addAll(id(nodeId, tier), keys, offset, count);
    }

    @Override
    public void removed(String nodeId, TierKind tier, DirectBuffer keys, int offset, int count) {
        index.removeAll(id(nodeId, tier), keys, offset, count);
    }

    @Override
    public void moved(String nodeId, TierKind from, TierKind to, DirectBuffer keys, int offset, int count) {
        index.moveAll(id(nodeId, from), id(nodeId, to), keys, offset, count);
    }

    @Override
    public void cleared(String nodeId, TierKind tier) {
        int fresh = index.clear(location(nodeId, tier));
        ids.computeIfAbsent(nodeId, this::intern)[tier.ordinal()] = fresh;
    }

    @Override
    public void load(NodeLoad load) {
        loads.put(load.nodeId(), load);
    }

    private int id(String nodeId, TierKind tier) {
        return ids.computeIfAbsent(nodeId, this::intern)[tier.ordinal()];
    }

    private int[] intern(String nodeId) {
        int[] out = new int[TierKind.values().length];
        for (TierKind t : TierKind.values()) {
            out[t.ordinal()] = index.location(location(nodeId, t));
        }
        return out;
    }
}
