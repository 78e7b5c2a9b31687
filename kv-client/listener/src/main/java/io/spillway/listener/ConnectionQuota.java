package io.spillway.listener;

import java.net.InetAddress;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * The connection caps of one listener, shared by all its connections (accepted on any event loop): at most
 * {@code maxConnections} open, at most {@code maxConnectionsPerPeer} from one address. {@link #admit} takes a slot
 * or says which cap refused; {@link #release} gives it back. Thread-safe; a peer's entry leaves with its last
 * connection, so the map is bounded by the open connections.
 */
public final class ConnectionQuota {
    private final ListenerLimits limits;
    private final ListenerCounters counters;
    private final AtomicInteger open = new AtomicInteger();
    private final ConcurrentHashMap<InetAddress, AtomicInteger> perPeer = new ConcurrentHashMap<>();

    public ConnectionQuota(ListenerLimits limits, ListenerCounters counters) {
        this.limits = limits;
        this.counters = counters;
    }

    ListenerLimits limits() {
        return limits;
    }

    ListenerCounters counters() {
        return counters;
    }

    /** Takes a slot for a connection from {@code peer}: null when admitted, else the cap that refused (counted). */
    ListenerCounters.Refusal admit(InetAddress peer) {
        if (open.incrementAndGet() > limits.maxConnections()) {
            open.decrementAndGet();
            counters.countRefused(ListenerCounters.Refusal.NODE_LIMIT);
            return ListenerCounters.Refusal.NODE_LIMIT;
        }
        boolean[] admitted = {false};
        perPeer.compute(peer, (k, n) -> {
            AtomicInteger c = n == null ? new AtomicInteger() : n;
            if (c.get() < limits.maxConnectionsPerPeer()) {
                c.incrementAndGet();
                admitted[0] = true;
            }
            return c.get() == 0 ? null : c;
        });
        if (!admitted[0]) {
            open.decrementAndGet();
            counters.countRefused(ListenerCounters.Refusal.PEER_LIMIT);
            return ListenerCounters.Refusal.PEER_LIMIT;
        }
        counters.opened();
        return null;
    }

    /** Gives back the slot of an admitted connection from {@code peer}. */
    void release(InetAddress peer) {
        perPeer.computeIfPresent(peer, (k, c) -> c.decrementAndGet() <= 0 ? null : c);
        open.decrementAndGet();
        counters.closed();
    }

    /** Peers with a connection open (for tests: the map does not outgrow the connections). */
    int peers() {
        return perPeer.size();
    }
}
