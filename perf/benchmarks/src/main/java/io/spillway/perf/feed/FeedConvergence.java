package io.spillway.perf.feed;

import io.aeron.driver.status.SystemCounterDescriptor;
import io.spillway.client.KvClient;
import io.spillway.event.aeron.FeedMedia;
import io.spillway.event.feed.FeedSubscriber;
import io.spillway.event.feed.FeedSubscriberContext;
import io.spillway.key.BlockKey;
import io.spillway.key.Namespace;
import io.spillway.perf.cluster.LocalCluster;
import io.spillway.placement.index.BlockLocationIndex;
import io.spillway.router.feed.ClusterFeed;
import java.io.PrintStream;
import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.SplittableRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The feed's convergence check (docs/events.md): a cluster of real node JVMs under random puts that overflow both
 * tiers (so blocks are demoted and evicted), nodes killed with SIGKILL and stopped with SIGTERM and started again, and
 * loss injected on the UDP path at both ends (Aeron's loss generators: the nodes' drivers drop outgoing data frames,
 * the subscribers' drivers incoming ones). Two subscribers follow it: A from the start and restarted mid-run with an
 * empty index, B started late. After the load stops, each index must equal the union of what the nodes' tiers hold.
 */
public final class FeedConvergence {
    static final Namespace NAMESPACE = Namespace.builder().modelId("bench/feed").layers(2).kvHeads(2).headDim(64)
        .build();

    /**
     * @param seconds    how long the load runs; restarts happen at fixed fractions of it
     * @param keys       the key space puts draw from (a put of a key held is a no-op; an evicted one comes back)
     * @param sendLoss   fraction of data frames each node's driver drops when sending
     * @param receiveLoss fraction of data frames each subscriber's driver drops when receiving
     */
    public record Settings(int nodes, int seconds, int replication, String cpuCapacity, String nvmeCapacity,
                           int blockBytes, int keys, double sendLoss, double receiveLoss, long seed,
                           int convergeTimeoutSeconds) {
        public static Settings defaults() {
            return new Settings(3, 36, 2, "8m", "32m", 16 << 10, 6000, 0.05, 0.05, 42, 60);
        }
    }

    /** One subscriber's end state. */
    public record Follower(String name, FeedTruth.Diff diff, long snapshots, long gaps, long invalid, long naksSent,
                           long indexSize) {
    }

    public record Report(Settings settings, long puts, long putFailures, long convergeMillis, List<Follower> followers,
                         List<String> timeline) {
        public boolean converged() {
            return followers.stream().allMatch(f -> f.diff().equal());
        }
    }

    private final Settings s;
    private final Path dir;
    private final PrintStream log;
    private final List<String> timeline = new ArrayList<>();
    private long start = System.nanoTime();

    public FeedConvergence(Settings settings, Path dir, PrintStream log) {
        this.s = settings;
        this.dir = dir;
        this.log = log;
    }

    public Report run() throws Exception {
        List<String> nodeSettings = List.of("spillway.cluster.replication=" + s.replication(),
            "spillway.events.lossRate=" + s.sendLoss(), "spillway.events.lossSeed=" + s.seed(),
            "spillway.cluster.failureDetectionTimeoutMs=3000", "spillway.server.maxBlockBytes=256k");
        try (LocalCluster cluster = LocalCluster.start(dir.resolve("cluster"), s.nodes(), s.cpuCapacity(),
            s.nvmeCapacity(), nodeSettings)) {
            cluster.awaitAllMembers();
            note("cluster of " + s.nodes() + " up");
            ClusterFeed a = follow(cluster, "a", 1);
            ClusterFeed b = null;
            AtomicLong puts = new AtomicLong();
            AtomicLong failures = new AtomicLong();
            AtomicBoolean stop = new AtomicBoolean();
            List<BlockKey> keys = new ArrayList<>(s.keys());
            for (int i = 0; i < s.keys(); i++) {
                keys.add(new BlockKey(0xFEED_0000_0000_0000L | s.seed(), i));
            }
            try (KvClient client = cluster.connect()) {
                BlockKey ns = client.registerNamespace(NAMESPACE, s.replication()).get(30, TimeUnit.SECONDS);
                start = System.nanoTime(); // the timeline counts from the start of the load
                note("load starts");
                List<Thread> workers = new ArrayList<>();
                for (int t = 0; t < 2; t++) {
                    long seed = s.seed() * 31 + t;
                    Thread w = new Thread(() -> load(client, ns, keys, seed, stop, puts, failures), "feed-load-" + t);
                    w.setDaemon(true);
                    w.start();
                    workers.add(w);
                }
                int n = s.nodes();
                at(0.15, () -> note("late subscriber b starts"));
                b = follow(cluster, "b", 2);
                at(0.30, () -> {
                    note("SIGKILL " + LocalCluster.name(1 % n));
                    cluster.kill(1 % n);
                });
                at(0.42, () -> {
                    note("restart " + LocalCluster.name(1 % n));
                    cluster.startNode(1 % n);
                });
                at(0.55, () -> note("subscriber a restarts with an empty index"));
                a.close();
                a.index().close();
                a = follow(cluster, "a", 3);
                at(0.65, () -> {
                    note("SIGTERM " + LocalCluster.name(2 % n));
                    cluster.stop(2 % n);
                });
                at(0.75, () -> {
                    note("restart " + LocalCluster.name(2 % n));
                    cluster.startNode(2 % n);
                });
                at(1.0, () -> note("load stops after " + puts.get() + " put batches"));
                stop.set(true);
                for (Thread w : workers) {
                    w.join(30_000);
                }
                List<FeedTruth.Node> nodes = new ArrayList<>();
                for (int i = 0; i < n; i++) {
                    nodes.add(new FeedTruth.Node(LocalCluster.name(i), cluster.node(i).dataPort()));
                }
                long quiet = System.nanoTime();
                long deadline = quiet + TimeUnit.SECONDS.toNanos(s.convergeTimeoutSeconds());
                FeedTruth.Diff da;
                FeedTruth.Diff db;
                while (true) {
                    Set<String> truth = FeedTruth.held(nodes, ns, keys);
                    da = FeedTruth.diff(truth, FeedTruth.indexed(a.index()));
                    db = FeedTruth.diff(truth, FeedTruth.indexed(b.index()));
                    if ((da.equal() && db.equal()) || System.nanoTime() > deadline) {
                        break;
                    }
                    log.println("feed: not yet equal: a " + da + "; b " + db);
                    Thread.sleep(1_000);
                }
                long convergeMillis = (System.nanoTime() - quiet) / 1_000_000;
                note((da.equal() && db.equal() ? "converged" : "NOT converged") + " " + convergeMillis
                    + " ms after the load stopped");
                return new Report(s, puts.get(), failures.get(), convergeMillis,
                    List.of(follower("a", da, a), follower("b", db, b)), List.copyOf(timeline));
            } finally {
                stop.set(true);
                a.close();
                a.index().close();
                if (b != null) {
                    b.close();
                    b.index().close();
                }
            }
        }
    }

    private ClusterFeed follow(LocalCluster cluster, String name, int incarnation) {
        FeedSubscriberContext.Builder ctx = FeedSubscriberContext.builder()
            .media(new FeedMedia.Settings(dir.resolve("aeron-" + name + "-" + incarnation).toString(), 100, 0,
                s.receiveLoss(), s.seed() + incarnation));
        for (int i = 0; i < cluster.size(); i++) {
            ctx.node(cluster.eventsAddress(i));
        }
        return ClusterFeed.start(ctx.build(), ClusterFeed.index(4L * s.keys() * s.nodes(), 0));
    }

    private static Follower follower(String name, FeedTruth.Diff diff, ClusterFeed f) {
        FeedSubscriber sub = f.subscriber();
        return new Follower(name, diff, sub.snapshots(), sub.gaps(), sub.invalidMessages(),
            sub.media().systemCounter(SystemCounterDescriptor.NAK_MESSAGES_SENT),
            f.index().size());
    }

    private void load(KvClient client, BlockKey ns, List<BlockKey> keys, long seed, AtomicBoolean stop,
                      AtomicLong puts, AtomicLong failures) {
        SplittableRandom random = new SplittableRandom(seed);
        int batch = 8;
        while (!stop.get()) {
            BlockKey[] k = new BlockKey[batch];
            ByteBuffer[] blocks = new ByteBuffer[batch];
            for (int j = 0; j < batch; j++) {
                k[j] = keys.get(random.nextInt(keys.size()));
                blocks[j] = ByteBuffer.allocateDirect(s.blockBytes());
                blocks[j].putLong(0, k[j].lo()).clear();
            }
            try {
                client.put(ns, k, blocks).get(30, TimeUnit.SECONDS);
                puts.incrementAndGet();
            } catch (Exception e) {
                failures.incrementAndGet(); // a node down or moving: the put may be partial, the feed must still match
            }
        }
    }

    /** Waits until {@code fraction} of the load's duration has passed, then runs {@code step}. */
    private void at(double fraction, Step step) throws Exception {
        long due = start + (long) (fraction * TimeUnit.SECONDS.toNanos(s.seconds()));
        long wait = due - System.nanoTime();
        if (wait > 0) {
            Thread.sleep(wait / 1_000_000, (int) (wait % 1_000_000));
        }
        step.run();
    }

    private void note(String what) {
        String line = String.format("%6.1f s  %s", (System.nanoTime() - start) / 1e9, what);
        timeline.add(line);
        log.println("feed: " + line);
    }

    @FunctionalInterface
    private interface Step {
        void run() throws Exception;
    }
}
