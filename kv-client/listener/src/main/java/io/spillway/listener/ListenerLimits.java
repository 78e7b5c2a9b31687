package io.spillway.listener;

/**
 * What one listener (the node's data plane or HTTP endpoint, the router's proxy or HTTP endpoint) lets a peer hold: connections open at once, in all and per
 * peer address, and how long a connection may sit idle or take to send one request. Refusals and timeouts are
 * counted by {@link ListenerCounters}.
 *
 * @param listener             the listener's name in metrics and logs ({@code data}, {@code http}, {@code proxy})
 * @param maxConnections       connections open at once, at most
 * @param maxConnectionsPerPeer connections open at once from one peer address, at most
 * @param idleTimeoutMs        a connection with nothing read, written or waiting this long is closed; 0: never
 * @param requestReadTimeoutMs a request must arrive whole within this of its first byte; 0: no limit
 */
public record ListenerLimits(String listener, int maxConnections, int maxConnectionsPerPeer, long idleTimeoutMs,
                             long requestReadTimeoutMs) {
    public ListenerLimits {
        if (maxConnections < 1 || maxConnectionsPerPeer < 1) {
            throw new IllegalArgumentException(listener + ": connection limits must be >= 1, got " + maxConnections
                + " and " + maxConnectionsPerPeer + " per peer");
        }
        if (idleTimeoutMs < 0 || requestReadTimeoutMs < 0) {
            throw new IllegalArgumentException(listener + ": timeouts must be >= 0 ms, got idle " + idleTimeoutMs
                + " and request read " + requestReadTimeoutMs);
        }
    }
}
