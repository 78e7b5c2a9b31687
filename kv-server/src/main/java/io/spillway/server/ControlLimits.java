package io.spillway.server;

/**
 * The gRPC control plane's limits: the largest message it takes, the calls one connection may have open at once
 * (HTTP/2's {@code MAX_CONCURRENT_STREAMS}), how long a connection without calls stays open, and the keepalive
 * pings that find dead peers. A message over the limit is answered {@code RESOURCE_EXHAUSTED} by gRPC itself.
 */
public record ControlLimits(int maxInboundMessageBytes, int maxConcurrentCallsPerConnection,
                            long maxConnectionIdleMs, long keepAliveTimeMs, long keepAliveTimeoutMs) {
}
