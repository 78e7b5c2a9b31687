package io.spillway.router.limits;

/**
 * What the gateway, or anything else that reaches the endpoint picker's gRPC port, can make the router hold: ext_proc
 * streams open at once (each may buffer a request body up to {@code spillway.router.maxBodyBytes}), streams on one
 * HTTP/2 connection (its {@code MAX_CONCURRENT_STREAMS}: Envoy opens another connection beyond it), how long a
 * connection without streams stays open, and the keepalive pings that find a dead gateway. Each is a
 * {@code spillway.router.extProc*} setting ({@code RouterContext}); a stream over the cap is answered
 * {@code RESOURCE_EXHAUSTED} and counted ({@code spillway_router_extproc_streams_refused_total}).
 *
 * @param maxStreams                 ext_proc streams open at once, over all connections
 * @param maxStreamsPerConnection    streams one connection may have open at once
 * @param maxConnectionIdleMs        a connection with no stream this long is closed (GOAWAY)
 * @param keepAliveTimeMs            a connection silent this long is pinged
 * @param keepAliveTimeoutMs         and closed when the ping is not answered within this
 */
public record ExtProcLimits(int maxStreams, int maxStreamsPerConnection, long maxConnectionIdleMs,
                            long keepAliveTimeMs, long keepAliveTimeoutMs) {
    /** The defaults, which {@code RouterContext}'s {@code EXT_PROC_*_DEFAULT} constants name. */
    public static final ExtProcLimits DEFAULTS = new ExtProcLimits(4096, 1024, 300_000, 60_000, 20_000);

    public ExtProcLimits {
        if (maxStreams < 1 || maxStreamsPerConnection < 1 || maxConnectionIdleMs < 1 || keepAliveTimeMs < 1
            || keepAliveTimeoutMs < 1) {
            throw new IllegalArgumentException("ext_proc limits must be >= 1: maxStreams " + maxStreams
                + ", maxStreamsPerConnection " + maxStreamsPerConnection + ", maxConnectionIdleMs "
                + maxConnectionIdleMs + ", keepAliveTimeMs " + keepAliveTimeMs + ", keepAliveTimeoutMs "
                + keepAliveTimeoutMs);
        }
    }
}
