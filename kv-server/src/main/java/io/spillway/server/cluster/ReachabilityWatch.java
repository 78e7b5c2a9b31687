package io.spillway.server.cluster;

import io.spillway.cluster.NodeInfo;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import java.util.function.Supplier;

/**
 * A second, faster opinion on who can still be reached, beside Ignite's failure detection: every
 * {@code intervalMs} it probes each peer ({@link PeerProbe}: a TCP connect to its HTTP port, answered by the peer's
 * kernel even while its JVM pauses) and hands the peers that no probe has reached for {@code suspectAfterMs} to
 * {@code onSuspects}. On its own thread, so that probes of unreachable peers never hold up map updates.
 *
 * <p>The membership uses it to stop serving as soon as the peers it can still reach are no longer a majority: a
 * cut-off member's Ignite takes a failure-detection timeout and more to notice that it is alone.
 */
final class ReachabilityWatch implements AutoCloseable {
    private final Supplier<List<NodeInfo>> peers;
    private final long suspectAfterNanos;
    private final int probeTimeoutMs;
    private final Consumer<Set<String>> onSuspects;
    private final Map<String, Long> lastReached = new ConcurrentHashMap<>();
    private final ScheduledExecutorService probes = Executors.newSingleThreadScheduledExecutor(r -> {
        Thread t = new Thread(r, "spillway-peer-probe");
        t.setDaemon(true);
        return t;
    });

    ReachabilityWatch(Supplier<List<NodeInfo>> peers, long suspectAfterMs, int probeTimeoutMs,
                      Consumer<Set<String>> onSuspects) {
        this.peers = peers;
        this.suspectAfterNanos = TimeUnit.MILLISECONDS.toNanos(suspectAfterMs);
        this.probeTimeoutMs = probeTimeoutMs;
        this.onSuspects = onSuspects;
    }

    ReachabilityWatch start(long intervalMs) {
        probes.scheduleWithFixedDelay(this::round, intervalMs, intervalMs, TimeUnit.MILLISECONDS);
        return this;
    }

    /** One round: probes every peer, then reports those unreached for too long (when there are any). */
    void round() {
        List<NodeInfo> now = peers.get();
        Set<String> ids = new HashSet<>();
        Set<String> suspects = new HashSet<>();
        for (NodeInfo p : now) {
            ids.add(p.id());
            long t = System.nanoTime();
            if (PeerProbe.reachable(p, probeTimeoutMs)) {
                lastReached.put(p.id(), t);
            } else if (t - lastReached.computeIfAbsent(p.id(), id -> t) >= suspectAfterNanos) {
                suspects.add(p.id());
            }
        }
        lastReached.keySet().retainAll(ids);
        if (!suspects.isEmpty()) {
            onSuspects.accept(suspects);
        }
    }

    @Override
    public void close() {
        probes.shutdownNow();
    }
}
