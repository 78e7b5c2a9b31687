package io.spillway.router.proxy;

import java.util.concurrent.atomic.LongAdder;

/** The proxy's refusals and give-ups, by name; exported by the router's metrics. Thread-safe. */
public final class ProxyCounters {
    private final LongAdder queueFull = new LongAdder();
    private final LongAdder upstreamTimeouts = new LongAdder();

    void countQueueFull() {
        queueFull.increment();
    }

    void countUpstreamTimeout() {
        upstreamTimeouts.increment();
    }

    /** Requests answered 503 because {@code proxyMaxQueued} requests already waited for scheduling. */
    public long queueFull() {
        return queueFull.sum();
    }

    /** Pods given up after sending nothing for {@code upstreamReadTimeoutMs}. */
    public long upstreamTimeouts() {
        return upstreamTimeouts.sum();
    }
}
