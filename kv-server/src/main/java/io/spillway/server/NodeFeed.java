package io.spillway.server;

import io.spillway.event.NodeLoad;
import io.spillway.key.BlockKey;
import io.spillway.server.events.EventFeed;
import io.spillway.server.events.FeedTap;
import io.spillway.server.events.HoldingView;
import io.spillway.tier.TierKind;
import io.spillway.tier.cpu.CpuTier;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.function.IntFunction;

/**
 * What a node's event feed reads from the node: whether a tier holds a key (for each changed key it publishes) and,
 * for each heartbeat, its identity and load — requests per second since the last heartbeat, requests in flight,
 * the demotion and tier-executor queues, and each tier's fill.
 */
final class NodeFeed implements HoldingView, IntFunction<NodeLoad> {
    private final TierChain tiers;
    private final ServerMetrics metrics;
    private final DrainGate inFlight;
    private final ThreadPoolExecutor tierExecutor;
    private final String nodeId;
    private final String controlHost;
    private final int controlPort;
    private final int heartbeatIntervalMillis;
    private long lastRequests;
    private long lastNanos = System.nanoTime();

    NodeFeed(TierChain tiers, ServerMetrics metrics, DrainGate inFlight, ThreadPoolExecutor tierExecutor,
             String nodeId, String controlHost, int controlPort, int heartbeatIntervalMillis) {
        this.tiers = tiers;
        this.metrics = metrics;
        this.inFlight = inFlight;
        this.tierExecutor = tierExecutor;
        this.nodeId = nodeId;
        this.controlHost = controlHost;
        this.controlPort = controlPort;
        this.heartbeatIntervalMillis = heartbeatIntervalMillis;
    }

    /** Starts {@code feed} publishing this node. */
    void start(EventFeed feed, FeedTap tap) {
        feed.start(nodeId, this, this, tap);
    }

    @Override
    public boolean holds(TierKind tier, long hi, long lo) {
        for (TierChain.Stage s : tiers.stages()) {
            if (s.tier().kind() == tier) {
                return s.tier().contains(new BlockKey(hi, lo));
            }
        }
        return false;
    }

    /** Called on the publisher's thread only, once per heartbeat. */
    @Override
    public NodeLoad apply(int pendingEventKeys) {
        long now = System.nanoTime();
        long requests = metrics.requests();
        long elapsed = Math.max(1, now - lastNanos);
        long perSecond = (requests - lastRequests) * 1_000_000_000L / elapsed;
        lastRequests = requests;
        lastNanos = now;
        List<NodeLoad.TierLoad> loads = new ArrayList<>(2);
        for (TierChain.Stage s : tiers.stages()) {
            loads.add(new NodeLoad.TierLoad(s.tier().kind(), s.tier().counters().bytes.get(),
                s.tier().counters().blocks.get(), s.capacityBytes()));
        }
        int demotions = tiers.cpu() instanceof CpuTier c ? c.pendingDemotions() : 0;
        return new NodeLoad(nodeId, controlHost, controlPort, heartbeatIntervalMillis, perSecond, inFlight.running(),
            demotions, tierExecutor.getQueue().size(), pendingEventKeys, loads);
    }
}
