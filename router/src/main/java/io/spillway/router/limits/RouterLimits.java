package io.spillway.router.limits;

import io.spillway.listener.ListenerLimits;

/**
 * What a client or a pod can make the router hold: connections and their timeouts on the OpenAI proxy and the HTTP
 * endpoint, requests queued for scheduling, how long an upstream pod may stay silent, and how many prompt blocks the
 * speculative entries keep. Each is a {@code spillway.router.*} setting ({@code RouterContext}).
 *
 * @param proxy              the OpenAI proxy's connection caps and timeouts
 * @param http               the HTTP endpoint's connection caps and timeouts
 * @param proxyMaxQueued     requests waiting for a scheduling thread, at most; more are answered 503
 * @param upstreamReadTimeoutMs a pod that sends nothing for this long is given up (the next pod is tried when it
 *                           has not answered yet; a started answer is cut)
 * @param maxSpeculativeKeys speculative entries (prompt blocks) held at most; the earliest due leave first
 * @param extProc            the endpoint picker's gRPC streams, connections and keepalive
 */
public record RouterLimits(ListenerLimits proxy, ListenerLimits http, int proxyMaxQueued, long upstreamReadTimeoutMs,
                           int maxSpeculativeKeys, ExtProcLimits extProc) {
    public RouterLimits {
        if (proxyMaxQueued < 1 || upstreamReadTimeoutMs < 1 || maxSpeculativeKeys < 1) {
            throw new IllegalArgumentException("router limits must be >= 1: proxyMaxQueued " + proxyMaxQueued
                + ", upstreamReadTimeoutMs " + upstreamReadTimeoutMs + ", maxSpeculativeKeys " + maxSpeculativeKeys);
        }
    }
}
