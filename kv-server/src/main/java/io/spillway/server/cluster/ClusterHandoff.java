package io.spillway.server.cluster;

import io.spillway.cluster.PartitionMap;
import io.spillway.identity.TlsFiles;
import io.spillway.tier.cpu.ResidentBlock;
import java.lang.System.Logger;
import java.lang.System.Logger.Level;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Supplier;

/**
 * When and how a member hands blocks to new owners (docs/cluster.md, "Topology changes"): on every new map from
 * the {@link ClusterView} a background re-balance (joins fill newcomers, failures re-create lost replicas), one at
 * a time, a newer map cancelling the running one; and, on graceful leave, the leaving node's own hand-off after it
 * has left the cluster, so that the receivers already own the keys.
 */
public final class ClusterHandoff implements AutoCloseable {
    private static final Logger LOG = System.getLogger(ClusterHandoff.class.getName());
    private static final int BATCH_BLOCKS = 32;
    private static final long BATCH_BYTES = 32L << 20;

    private final String self;
    private final BlockHandoff handoff;
    private final ExecutorService background;
    private final AtomicLong generation = new AtomicLong();
    private final boolean rebalance;
    private final long leaveTimeoutMillis;
    private PartitionMap previous;
    private volatile long completedVersion = -1;
    private volatile long completed;

    public ClusterHandoff(String self, Supplier<List<ResidentBlock>> residents, boolean rebalance,
                          long leaveTimeoutMillis) {
        this.self = self;
        this.handoff = new BlockHandoff(residents, BATCH_BLOCKS, BATCH_BYTES, Duration.ofSeconds(10));
        this.rebalance = rebalance;
        this.leaveTimeoutMillis = leaveTimeoutMillis;
        this.background = Executors.newSingleThreadExecutor(r -> {
            Thread t = new Thread(r, "spillway-handoff");
            t.setDaemon(true);
            return t;
        });
    }

    /** Hands blocks to peers over mutual TLS with the node's own files (null: plaintext). */
    public ClusterHandoff peerTls(TlsFiles files) {
        handoff.peerTls(files);
        return this;
    }

    /** Starts following {@code cluster}'s maps. */
    public ClusterHandoff follow(ClusterView cluster) {
        synchronized (this) {
            previous = cluster.currentMap();
        }
        cluster.addListener(this::onMap);
        return this;
    }

    private void onMap(PartitionMap next) {
        PartitionMap before;
        synchronized (this) {
            before = previous;
            previous = next;
        }
        if (!rebalance || before == null || sameOwners(before, next)) {
            return;
        }
        long mine = generation.incrementAndGet();
        HandoffPlan plan = HandoffPlan.rebalancing(self, before, next);
        background.execute(() -> {
            if (generation.get() != mine) {
                return;
            }
            HandoffReport r = handoff.run(plan, System.nanoTime() + TimeUnit.MINUTES.toNanos(5),
                () -> generation.get() != mine);
            if (r.pushedBlocks() + r.failedBlocks() > 0 || r.cancelled()) {
                LOG.log(Level.INFO, () -> "re-balance to map " + next.topologyVersion() + ": " + r);
            }
            if (!r.cancelled()) {
                completedVersion = next.topologyVersion();
                completed++;
            }
        });
    }

    /** The map version of the last join or failure hand-off this node finished (-1: none yet). */
    public long completedVersion() {
        return completedVersion;
    }

    /** Join and failure hand-offs this node finished (not cancelled by a newer map). */
    public long completedCount() {
        return completed;
    }

    /** Maps with the same members and replication: nothing moved (e.g. only the epoch of an unrelated change). */
    private static boolean sameOwners(PartitionMap a, PartitionMap b) {
        return a.nodes().equals(b.nodes()) && a.replicationByNamespace().equals(b.replicationByNamespace())
            && a.defaultReplication() == b.defaultReplication();
    }

    /**
     * The leaving node's hand-off, run after it has left: pushes every CPU-tier block to its owners under
     * {@code withoutSelf} that did not hold it, retrying until their maps no longer list this node.
     */
    public HandoffReport leave(PartitionMap current, PartitionMap withoutSelf) {
        generation.incrementAndGet(); // cancels a running re-balance
        background.shutdownNow();
        long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(leaveTimeoutMillis);
        HandoffReport r = handoff.run(HandoffPlan.leaving(self, current, withoutSelf), deadline, () -> false);
        LOG.log(Level.INFO, () -> "hand-off before exit: " + r);
        return r;
    }

    @Override
    public void close() {
        generation.incrementAndGet();
        background.shutdownNow();
        handoff.close();
    }
}
