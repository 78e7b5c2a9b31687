package io.spillway.listener;

import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.LongAdder;

/**
 * One listener's connection figures: open now, the most open at once, and every refusal and timeout by name
 * (the node exports them as {@code spillway_listener_refused_total{listener, reason}} and
 * {@code spillway_listener_timeouts_total{listener, reason}}, the router with the {@code spillway_router_} prefix).
 * Thread-safe.
 */
public final class ListenerCounters {
    /** Why a connection was closed at accept. */
    public enum Refusal {
        /** The listener had {@code maxConnections} open. */
        NODE_LIMIT,
        /** The peer address had {@code maxConnectionsPerPeer} open. */
        PEER_LIMIT
    }

    /** Why an open connection was closed by the node. */
    public enum Timeout {
        /** Nothing read, written or waiting for {@code idleTimeoutMs}. */
        IDLE,
        /** A request started and did not arrive whole within {@code requestReadTimeoutMs}. */
        REQUEST_READ
    }

    private final String listener;
    private final AtomicInteger active = new AtomicInteger();
    private final AtomicInteger peak = new AtomicInteger();
    private final LongAdder[] refused = {new LongAdder(), new LongAdder()};
    private final LongAdder[] timeouts = {new LongAdder(), new LongAdder()};

    public ListenerCounters(String listener) {
        this.listener = listener;
    }

    public String listener() {
        return listener;
    }

    void opened() {
        int now = active.incrementAndGet();
        peak.accumulateAndGet(now, Math::max);
    }

    void closed() {
        active.decrementAndGet();
    }

    void countRefused(Refusal why) {
        refused[why.ordinal()].increment();
    }

    void countTimeout(Timeout why) {
        timeouts[why.ordinal()].increment();
    }

    /** Connections admitted and still open. */
    public int active() {
        return active.get();
    }

    /** The most connections admitted and open at once since start. */
    public int peak() {
        return peak.get();
    }

    public long refused(Refusal why) {
        return refused[why.ordinal()].sum();
    }

    public long timeouts(Timeout why) {
        return timeouts[why.ordinal()].sum();
    }
}
