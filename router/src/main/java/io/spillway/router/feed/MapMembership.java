package io.spillway.router.feed;

import io.grpc.ChannelCredentials;
import io.grpc.InsecureChannelCredentials;
import io.grpc.ManagedChannel;
import io.grpc.netty.shaded.io.grpc.netty.NettyChannelBuilder;
import io.spillway.cluster.NodeInfo;
import io.spillway.cluster.PartitionMap;
import io.spillway.cluster.PartitionMaps;
import io.spillway.control.v1.ControlGrpc;
import io.spillway.control.v1.PartitionMapRequest;
import io.spillway.event.feed.FeedMembership;
import java.lang.System.Logger;
import java.lang.System.Logger.Level;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The feed's membership from the cluster's partition map (docs/security.md): the router fetches the map from the
 * nodes' control planes ({@code spillway.router.clusterSeeds}) every {@code refresh} and, at most once a second, when
 * a heartbeat names a node the map does not list (a node that has just joined). A node is a member when the newest
 * map lists it; its snapshots are fetched at the control address the map gives.
 */
public final class MapMembership implements FeedMembership, AutoCloseable {
    private static final Logger LOG = System.getLogger(MapMembership.class.getName());
    private static final long MISS_REFRESH_INTERVAL_NANOS = TimeUnit.SECONDS.toNanos(1);
    private static final long CALL_DEADLINE_MILLIS = 2_000;

    private final List<ManagedChannel> channels = new ArrayList<>();
    private final List<String> seeds;
    private final ScheduledExecutorService timer;
    private final AtomicBoolean refreshing = new AtomicBoolean();
    private final AtomicLong lastMissRefresh = new AtomicLong(System.nanoTime() - MISS_REFRESH_INTERVAL_NANOS);
    private final AtomicLong fetches = new AtomicLong();
    private final AtomicLong failures = new AtomicLong();
    private volatile PartitionMap map;

    /** Fetches from {@code seeds} ({@code host:controlPort}) now and every {@code refresh} after, in plaintext. */
    public MapMembership(List<String> seeds, Duration refresh) {
        this(seeds, refresh, InsecureChannelCredentials.create());
    }

    /**
     * As {@link #MapMembership(List, Duration)}, with {@code credentials} (the router's feed TLS, for nodes that run
     * mutual TLS).
     */
    public MapMembership(List<String> seeds, Duration refresh, ChannelCredentials credentials) {
        if (seeds.isEmpty()) {
            throw new IllegalArgumentException("a map membership needs at least one seed");
        }
        this.seeds = List.copyOf(seeds);
        for (String seed : this.seeds) {
            channels.add(NettyChannelBuilder.forTarget(seed, credentials).build());
        }
        timer = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread t = new Thread(r, "spillway-feed-membership");
            t.setDaemon(true);
            return t;
        });
        timer.execute(this::refresh);
        timer.scheduleWithFixedDelay(this::refresh, refresh.toMillis(), refresh.toMillis(), TimeUnit.MILLISECONDS);
    }

    @Override
    public InetSocketAddress controlAddress(String nodeId) {
        PartitionMap m = map;
        NodeInfo node = m == null ? null : m.node(nodeId);
        if (node == null) {
            long now = System.nanoTime();
            long last = lastMissRefresh.get();
            if (now - last >= MISS_REFRESH_INTERVAL_NANOS && lastMissRefresh.compareAndSet(last, now)) {
                timer.execute(this::refresh);
            }
            return null;
        }
        return InetSocketAddress.createUnresolved(node.host(), node.controlPort());
    }

    /** The newest map fetched, or null before the first. */
    public PartitionMap map() {
        return map;
    }

    /** Maps fetched, and fetches that no seed answered. */
    public long fetches() { return fetches.get(); }
    public long failures() { return failures.get(); }

    /** Asks each seed in turn for its map and keeps the newest seen; one fetch at a time. */
    void refresh() {
        if (!refreshing.compareAndSet(false, true)) {
            return;
        }
        try {
            for (int i = 0; i < channels.size(); i++) {
                try {
                    PartitionMap fetched = PartitionMaps.fromProto(ControlGrpc.newBlockingStub(channels.get(i))
                        .withDeadlineAfter(CALL_DEADLINE_MILLIS, TimeUnit.MILLISECONDS)
                        .partitionMap(PartitionMapRequest.getDefaultInstance()));
                    PartitionMap held = map;
                    if (held == null || fetched.topologyVersion() >= held.topologyVersion()) {
                        map = fetched;
                    }
                    fetches.incrementAndGet();
                    return;
                } catch (RuntimeException e) {
                    String seed = seeds.get(i);
                    LOG.log(Level.DEBUG, () -> "partition map from " + seed + ": " + e);
                }
            }
            failures.incrementAndGet();
            LOG.log(Level.WARNING, () -> "no seed of " + seeds + " answered with a partition map: the feed keeps the "
                + "map it has" + (map == null ? " (none yet: no node's feed is admitted)" : ""));
        } finally {
            refreshing.set(false);
        }
    }

    @Override
    public void close() {
        timer.shutdownNow();
        channels.forEach(ManagedChannel::shutdownNow);
    }
}
