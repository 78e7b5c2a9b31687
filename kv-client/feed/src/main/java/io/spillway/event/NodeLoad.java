package io.spillway.event;

import io.spillway.tier.TierKind;
import java.util.List;

/**
 * What a heartbeat says about a node (docs/events.md): who it is, where its control plane answers snapshot requests,
 * and its load. Built by the publisher once per heartbeat; read back with {@link NodeStatus#toLoad()}.
 *
 * @param opsPerSecond      data-plane requests per second over the last interval
 * @param inFlightRequests  requests being served now
 * @param demotionQueueDepth blocks evicted from the CPU tier and waiting to be written to NVMe
 * @param tierQueueDepth    requests waiting for the tier executor (reads that go to disk)
 * @param pendingEventKeys  keys whose change the publisher has seen but not yet published
 */
public record NodeLoad(String nodeId, String controlHost, int controlPort, int heartbeatIntervalMillis,
                       long opsPerSecond, int inFlightRequests, int demotionQueueDepth, int tierQueueDepth,
                       int pendingEventKeys, List<TierLoad> tiers) {

    /** One tier's fill. */
    public record TierLoad(TierKind tier, long bytes, long blocks, long capacityBytes) {
    }

    public NodeLoad {
        tiers = List.copyOf(tiers);
        if (tiers.size() > 255) {
            throw new IllegalArgumentException("at most 255 tiers, got " + tiers.size());
        }
        if (controlPort < 0 || controlPort > 65535) {
            throw new IllegalArgumentException("control port " + controlPort + " outside 0..65535");
        }
    }
}
