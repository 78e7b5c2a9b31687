package io.spillway.router.load;

import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Requests this router sent to each pod: those not finished (counted up on dispatch, down on completion), and all it
 * ever sent, which a load scrape stamps on its reading so that a decision can tell what the reading has not seen.
 */
public final class InFlight {
    private static final class Counts {
        final AtomicInteger open = new AtomicInteger();
        final AtomicLong sent = new AtomicLong();
    }

    private final Map<String, Counts> counts = new ConcurrentHashMap<>();

    public void started(String address) {
        Counts c = counts.computeIfAbsent(address, a -> new Counts());
        c.sent.incrementAndGet();
        c.open.incrementAndGet();
    }

    public void finished(String address) {
        Counts c = counts.get(address);
        if (c != null) {
            c.open.updateAndGet(v -> Math.max(0, v - 1));
        }
    }

    /** Requests sent to the pod and not finished. */
    public int of(String address) {
        Counts c = counts.get(address);
        return c == null ? 0 : c.open.get();
    }

    /** Requests ever sent to the pod. */
    public long sent(String address) {
        Counts c = counts.get(address);
        return c == null ? 0 : c.sent.get();
    }
}
