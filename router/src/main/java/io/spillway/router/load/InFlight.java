package io.spillway.router.load;

import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;

/** Requests this router sent to each pod that have not finished: counted up on dispatch, down on completion. */
public final class InFlight {
    private final Map<String, AtomicInteger> counts = new ConcurrentHashMap<>();

    public void started(String address) {
        counts.computeIfAbsent(address, a -> new AtomicInteger()).incrementAndGet();
    }

    public void finished(String address) {
        AtomicInteger c = counts.get(address);
        if (c != null) {
            c.updateAndGet(v -> Math.max(0, v - 1));
        }
    }

    public int of(String address) {
        AtomicInteger c = counts.get(address);
        return c == null ? 0 : c.get();
    }
}
