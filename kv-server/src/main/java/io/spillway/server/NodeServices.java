package io.spillway.server;

import io.spillway.cluster.PartitionMap;
import io.spillway.protocol.ProtocolLimits;
import io.spillway.server.cluster.ClusterView;
import java.util.concurrent.Executor;
import java.util.function.Supplier;

/**
 * What every data-plane connection shares: the tiers, the namespaces, the metrics, the executor for work that
 * can block on NVMe, the protocol limits, the node's drain state and its view of the cluster ({@code cluster}
 * gives null until the node knows its own ports, which only matters to a standalone node: it checks nothing).
 */
record NodeServices(ServerContext context, TierChain tiers, NamespaceRegistry namespaces, ServerMetrics metrics,
                    Executor tierExecutor, ProtocolLimits limits, DrainGate inFlight, Supplier<ClusterView> cluster) {

    NodeServices(ServerContext context, TierChain tiers, NamespaceRegistry namespaces, ServerMetrics metrics,
                 Executor tierExecutor, ProtocolLimits limits, DrainGate inFlight) {
        this(context, tiers, namespaces, metrics, tierExecutor, limits, inFlight, () -> null);
    }

    /**
     * The map a request is checked against, or null when nothing is checked (a standalone node): in a cluster,
     * keys this node does not own are answered NOT_OWNER and responses carry the map's version.
     */
    PartitionMap ownershipMap() {
        ClusterView c = cluster.get();
        return c != null && c.clustered() ? c.currentMap() : null;
    }

    /** This node's id in the map (null while still joining: it then owns nothing). */
    String selfId() {
        ClusterView c = cluster.get();
        return c == null || c.self() == null ? null : c.self().id();
    }
}
