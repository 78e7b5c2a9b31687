package io.spillway.server;

import io.spillway.protocol.ProtocolLimits;
import java.util.concurrent.Executor;

/**
 * What every data-plane connection shares: the tiers, the namespaces, the metrics, the executor for work that
 * can block on NVMe, the protocol limits and the node's drain state.
 */
record NodeServices(ServerContext context, TierChain tiers, NamespaceRegistry namespaces, ServerMetrics metrics,
                    Executor tierExecutor, ProtocolLimits limits, InFlight inFlight) {
}
