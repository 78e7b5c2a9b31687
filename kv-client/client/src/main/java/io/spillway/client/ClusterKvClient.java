package io.spillway.client;

import io.netty.channel.EventLoopGroup;
import io.spillway.cluster.NodeInfo;
import io.spillway.cluster.PartitionMap;
import io.spillway.key.BlockKey;
import io.spillway.key.Namespace;
import io.spillway.protocol.ErrorCode;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executors;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;

/**
 * A {@link KvClient} for a Spillway cluster (docs/cluster-client.md). It fetches the partition map from a seed's
 * control plane and sends every block straight to its owners: a put fans out to all r owners of each block (r =
 * the namespace's replication) and succeeds for a block once every owner stored it, retrying refused or failed
 * blocks against a refreshed map until {@code retryDeadlineMs}; a get asks the primary first and falls back
 * through the backups, copying a block that earlier owners missed back to them (read repair). The map is refreshed
 * when a reply carries a newer topology version, on {@code NOT_OWNER}, on connection failures and every
 * {@code mapRefreshIntervalMs}; concurrent refreshes share one fetch.
 *
 * <pre>{@code
 * try (ClusterKvClient client = KvClient.connectCluster(ClientContext.builder().seeds("10.0.0.1:7601").build())) {
 *     BlockKey ns = client.registerNamespace(namespace, 2).join();
 *     client.put(ns, keys, blocks).join();
 * }
 * }</pre>
 */
public final class ClusterKvClient implements KvClient {
    private final ClientContext context;
    private final EventLoopGroup group;
    private final ScheduledExecutorService scheduler;
    private final ClusterCounters counters = new ClusterCounters();
    private final ClusterMembers members;
    private final Semaphore repairPermits;
    private final ScheduledFuture<?> periodicRefresh;
    private final ScheduledFuture<?> healthCheck;
    private final Set<ClusterPut> retrying = ConcurrentHashMap.newKeySet();

    private ClusterKvClient(ClientContext context) {
        this.context = context;
        this.group = NettyKvClient.newGroup(context);
        this.scheduler = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread t = new Thread(r, "spillway-cluster-client");
            t.setDaemon(true);
            return t;
        });
        this.members = new ClusterMembers(context, group, scheduler, counters);
        this.repairPermits = new Semaphore(context.readRepairConcurrency());
        long every = context.mapRefreshInterval().toMillis();
        this.periodicRefresh = every == 0 ? null : scheduler.scheduleWithFixedDelay(() -> members.refresh(null),
            every, every, TimeUnit.MILLISECONDS);
        long probe = context.suspectProbeInterval().toNanos();
        this.healthCheck = scheduler.scheduleWithFixedDelay(members::checkHealth, probe, probe, TimeUnit.NANOSECONDS);
    }

    /**
     * Fetches the partition map from the first seed that answers and returns a ready client.
     *
     * @throws IllegalArgumentException when {@code context} lists no seeds
     * @throws KvClientException        ({@code CONNECTION_LOST}) when no seed answered
     */
    public static ClusterKvClient connect(ClientContext context) {
        if (context.seeds().isEmpty()) {
            throw new IllegalArgumentException(ClientContext.SEEDS_PROP
                + " must list at least one control-plane address host:port to connect to a cluster, got none");
        }
        ClusterKvClient client = new ClusterKvClient(context);
        try {
            client.members.refresh(null).get(context.requestTimeout().toMillis() * (context.seeds().size() + 1),
                TimeUnit.MILLISECONDS);
        } catch (Exception e) {
            client.close();
            Throwable cause = ClusterMembers.unwrap(e);
            if (e instanceof InterruptedException) {
                Thread.currentThread().interrupt();
            }
            throw new KvClientException(ErrorCode.CONNECTION_LOST, "cannot fetch the partition map from seeds "
                + context.seeds() + ": " + cause.getMessage(), cause);
        }
        return client;
    }

    @Override
    public CompletableFuture<BlockKey> registerNamespace(Namespace namespace) {
        return registerNamespace(namespace, 0);
    }

    /**
     * Registers the namespace with {@code replication} copies of each block (0: the cluster's default) through any
     * member's control plane, then refreshes the map so that puts know the factor.
     */
    @Override
    public CompletableFuture<BlockKey> registerNamespace(Namespace namespace, int replication) {
        if (replication < 0) {
            throw new IllegalArgumentException("replication must be >= 0 (0 = the cluster's default), got "
                + replication);
        }
        return members.onAnyControl(null, c -> c.registerNamespace(namespace, replication))
            .thenCompose(id -> members.refresh(null).handle((m, e) -> m)
                .thenCompose(m -> knows(m, id, replication) ? CompletableFuture.completedFuture(m)
                    : members.refresh(null).handle((again, e) -> again)) // the first may have started before
                .thenApply(m -> id));
    }

    private static boolean knows(PartitionMap map, BlockKey id, int replication) {
        return map == null || replication == 0 || Integer.valueOf(replication)
            .equals(map.replicationByNamespace().get(id));
    }

    @Override
    public CompletableFuture<PutResult> put(BlockKey namespace, BlockKey[] keys, ByteBuffer[] blocks) {
        KvClientException bad = NettyKvClient.checkPut(context, keys, blocks);
        if (bad != null) {
            return CompletableFuture.failedFuture(bad);
        }
        return new ClusterPut(this, namespace, keys, blocks).start();
    }

    @Override
    public CompletableFuture<GetResult> get(BlockKey namespace, BlockKey[] keys, ByteBuffer[] destinations) {
        NettyKvClient.checkGet(context, keys, destinations);
        return new ClusterGet(this, namespace, keys, destinations).start();
    }

    @Override
    public CompletableFuture<PrefixLookup> lookupPrefix(BlockKey namespace, BlockKey[] keys) {
        NettyKvClient.checkBatch(context, keys, null, null);
        return new ClusterLookup(this, namespace, keys).start();
    }

    /** A round trip to every member of the map; fails naming the members that did not answer. */
    @Override
    public CompletableFuture<Void> ping() {
        List<NodeInfo> nodes = members.map().nodes();
        List<String> failed = new ArrayList<>();
        List<CompletableFuture<Void>> all = new ArrayList<>();
        for (NodeInfo node : nodes) {
            CompletableFuture<Void> one;
            try {
                one = members.client(node).ping();
            } catch (RuntimeException e) {
                one = CompletableFuture.failedFuture(e);
            }
            all.add(one.exceptionally(e -> {
                members.onFailure(node, ClusterMembers.unwrap(e));
                synchronized (failed) {
                    failed.add(node.id() + " (" + ClusterMembers.unwrap(e).getMessage() + ")");
                }
                return null;
            }));
        }
        return CompletableFuture.allOf(all.toArray(new CompletableFuture[0])).thenApply(v -> {
            synchronized (failed) {
                if (!failed.isEmpty()) {
                    throw new KvClientException(ErrorCode.CONNECTION_LOST, failed.size() + " of " + nodes.size()
                        + " members did not answer a ping: " + failed);
                }
            }
            return null;
        });
    }

    /** The newest partition map this client holds. */
    public PartitionMap partitionMap() {
        return members.map();
    }

    /** Fetches the partition map now (shares a fetch already running); completes with the map held afterwards. */
    public CompletableFuture<PartitionMap> refreshPartitionMap() {
        return members.refresh(null);
    }

    public ClusterCounters counters() {
        return counters;
    }

    /** Ids of the members this client now suspects of being slow (docs/cluster-client.md, "Slow and hung nodes"). */
    public Set<String> suspectMembers() {
        return members.suspects();
    }

    public ClientContext context() {
        return context;
    }

    ClusterMembers members() {
        return members;
    }

    /** Runs {@code put}'s next round after {@code delayNanos}; a put waiting when the client closes is aborted. */
    void scheduleRetry(ClusterPut put, long delayNanos) {
        retrying.add(put);
        try {
            scheduler.schedule(() -> {
                retrying.remove(put);
                put.nextRound();
            }, delayNanos, TimeUnit.NANOSECONDS);
        } catch (RejectedExecutionException closed) {
            retrying.remove(put);
            put.abort();
        }
    }

    boolean readRepairEnabled() {
        return context.readRepairConcurrency() > 0;
    }

    /** Best effort: puts {@code blocks} to {@code node}, unless too many repairs are already in flight. */
    void repair(NodeInfo node, BlockKey namespace, BlockKey[] keys, ByteBuffer[] blocks) {
        if (!repairPermits.tryAcquire()) {
            counters.repairsDropped.add(keys.length);
            return;
        }
        CompletableFuture<PutResult> sent;
        try {
            counters.attempts.increment();
            sent = members.client(node).put(namespace, keys, blocks, PutRequest.crcsOf(blocks));
        } catch (RuntimeException e) {
            sent = CompletableFuture.failedFuture(e);
        }
        sent.whenComplete((r, e) -> {
            repairPermits.release();
            if (r != null) {
                counters.repairs.add(r.count(ErrorCode.OK));
            }
        });
    }

    @Override
    public void close() {
        if (periodicRefresh != null) {
            periodicRefresh.cancel(false);
        }
        healthCheck.cancel(false);
        members.close();
        scheduler.shutdownNow();
        for (ClusterPut put : retrying) {
            put.abort(); // waiting for their backoff: the pools are closed, no request reads their buffers now
        }
        group.shutdownGracefully(0, 1, TimeUnit.SECONDS).awaitUninterruptibly(5, TimeUnit.SECONDS);
    }

    @Override
    public String toString() {
        PartitionMap m = members.map();
        return "ClusterKvClient{map v" + (m == null ? "-" : m.topologyVersion()) + ", " + counters + "}";
    }
}
