package io.spillway.perf.failover;

import io.grpc.ManagedChannel;
import io.grpc.ManagedChannelBuilder;
import io.spillway.client.ClientContext;
import io.spillway.client.KvClient;
import io.spillway.cluster.PartitionMap;
import io.spillway.cluster.PartitionMaps;
import io.spillway.control.v1.ControlGrpc;
import io.spillway.control.v1.PartitionMapRequest;
import io.spillway.key.BlockKey;
import io.spillway.key.Namespace;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;

/**
 * Issue 3's failover acceptance as one run on real processes: measure what two nodes deliver; start N nodes with
 * replication r; run verifying mixed load; SIGKILL one node; note when the survivors' map drops it (detection) and
 * when throughput is back to 90% of the two-node figure; verify every acknowledged block; restart the killed node,
 * wait until it is a member again and verify again.
 */
final class FailoverScenario {
    static final Namespace NAMESPACE = Namespace.builder().modelId("bench/failover").layers(32).kvHeads(8)
        .headDim(128).build();
    private static final int VICTIM = 1;

    private final FailoverSettings s;
    private final Path runDir;
    private final PrintStream log;

    FailoverScenario(FailoverSettings settings, Path runDir, PrintStream log) {
        this.s = settings;
        this.runDir = runDir;
        this.log = log;
    }

    private List<String> nodeSettings() {
        List<String> all = new java.util.ArrayList<>(List.of("spillway.cluster.replication=" + s.replication(),
            "spillway.cluster.failureDetectionTimeoutMs=" + s.failureDetectionMillis(),
            "spillway.server.ioThreads=1", "spillway.server.maxBlockBytes=" + Math.max(1 << 20, s.blockBytes())));
        all.addAll(s.nodeSettings());
        return all;
    }

    private KvClient connect(LocalCluster cluster) {
        return KvClient.connectCluster(ClientContext.builder().seeds(cluster.controlAddresses())
            .requestTimeout(Duration.ofSeconds(5)).build());
    }

    FailoverReport run() throws IOException, InterruptedException {
        FailoverReport withoutBaseline = failover();
        double twoNodes = baseline();
        log.printf("failover: two nodes deliver %.0f blocks/s%n", twoNodes);
        return withoutBaseline.withBaseline(twoNodes);
    }

    /** The kill run; its report's two-node figure is filled in afterwards (see {@link #baseline()}). */
    private FailoverReport failover() throws IOException, InterruptedException {
        try (LocalCluster cluster = LocalCluster.start(runDir.resolve("cluster"), s.nodes(), s.cpuCapacity(),
            nodeSettings())) {
            awaitMap(cluster.controlAddress(0), m -> m.nodes().size() == s.nodes(), "all members");
            try (KvClient client = connect(cluster)) {
                BlockKey ns = client.registerNamespace(NAMESPACE, s.replication()).join();
                VerifyingLoad load = new VerifyingLoad(client, ns, s.blockBytes(), s.batch(), s.putShare(),
                    s.threads(), s.keysPerWorker(), s.seed());
                int total = s.warmupSeconds() + s.beforeSeconds() + s.afterSeconds() + 2;
                Timeline t = new Timeline(System.nanoTime(), total);
                load.start(t);
                sleepUntil(t, s.warmupSeconds() + s.beforeSeconds());
                double killAt = seconds(t, System.nanoTime());
                log.printf("failover: SIGKILL %s at %.1f s (exit %d)%n", LocalCluster.name(VICTIM), killAt,
                    cluster.kill(VICTIM));
                awaitMap(cluster.controlAddress(0), m -> m.node(LocalCluster.name(VICTIM)) == null, "the failure");
                double detectedAt = seconds(t, System.nanoTime());
                log.printf("failover: survivors dropped it from the map at %.1f s%n", detectedAt);
                sleepUntil(t, s.warmupSeconds() + s.beforeSeconds() + s.afterSeconds());
                load.stop();
                if (client instanceof io.spillway.client.ClusterKvClient cluster3) {
                    log.printf("failover: client %s%n", cluster3.counters());
                }

                int kill = (int) killAt;
                double before = mean(t, s.warmupSeconds(), kill);
                int end = s.warmupSeconds() + s.beforeSeconds() + s.afterSeconds();
                double afterRecovery = mean(t, Math.min(end - 1, (int) Math.ceil(detectedAt) + 10), end);
                int from = Math.max(s.warmupSeconds(), kill - 30);
                int to = Math.min(end, kill + 30);
                long acked = load.ackedBlocks();
                long[] afterKill = load.verifyAll();
                log.printf("failover: verified %d acknowledged blocks: %d hits, %d misses, %d failed, %d wrong%n",
                    acked, afterKill[0], afterKill[1], afterKill[2], afterKill[3]);

                long restart = System.nanoTime();
                cluster.startNode(VICTIM);
                awaitMap(cluster.controlAddress(0), m -> m.node(LocalCluster.name(VICTIM)) != null, "the rejoin");
                double rejoin = (System.nanoTime() - restart) / 1e9;
                long[] afterRejoin = load.verifyAll();
                log.printf("failover: %s rejoined in %.1f s; verified again: %d hits, %d misses, %d failed, %d wrong%n",
                    LocalCluster.name(VICTIM), rejoin, afterRejoin[0], afterRejoin[1], afterRejoin[2], afterRejoin[3]);
                double[] perSecond = new double[end];
                for (int sec = 0; sec < end; sec++) {
                    perSecond[sec] = t.get(sec, Timeline.OPS);
                }
                return new FailoverReport(s, Double.NaN, before, killAt, detectedAt, afterRecovery,
                    t.sum(from, to, Timeline.GETS_OK), t.sum(from, to, Timeline.GETS_FAILED),
                    t.sum(from, to, Timeline.PUTS_FAILED), load.wrongBlocks() + afterKill[3] + afterRejoin[3],
                    load.wrongExamples(), acked, afterKill, afterRejoin, rejoin, perSecond);
            }
        }
    }

    /**
     * Blocks per second that {@code nodes - 1} nodes deliver under the same load (the recovery target). Measured
     * after the kill run, so that the client JVM is as warm as it was during recovery and the target is not
     * understated by JIT warm-up.
     */
    private double baseline() throws IOException, InterruptedException {
        try (LocalCluster two = LocalCluster.start(runDir.resolve("baseline"), s.nodes() - 1, s.cpuCapacity(),
            nodeSettings())) {
            awaitMap(two.controlAddress(0), m -> m.nodes().size() == s.nodes() - 1, "the baseline members");
            try (KvClient client = connect(two)) {
                BlockKey ns = client.registerNamespace(NAMESPACE, s.replication()).join();
                VerifyingLoad load = new VerifyingLoad(client, ns, s.blockBytes(), s.batch(), s.putShare(),
                    s.threads(), s.keysPerWorker(), s.seed() + 1);
                Timeline t = new Timeline(System.nanoTime(), s.warmupSeconds() + s.baselineSeconds() + 2);
                load.start(t);
                sleepUntil(t, s.warmupSeconds() + s.baselineSeconds());
                load.stop();
                if (load.wrongBlocks() != 0) {
                    throw new IllegalStateException("wrong bytes in the baseline: " + load.wrongExamples());
                }
                return mean(t, s.warmupSeconds(), s.warmupSeconds() + s.baselineSeconds());
            }
        }
    }

    private static double mean(Timeline t, int from, int to) {
        return to <= from ? 0 : t.sum(from, to, Timeline.OPS) / (double) (to - from);
    }

    private static double seconds(Timeline t, long nanos) {
        return (nanos - t.startNanos()) / 1e9;
    }

    private static void sleepUntil(Timeline t, int second) throws InterruptedException {
        long until = t.startNanos() + second * 1_000_000_000L;
        long left;
        while ((left = until - System.nanoTime()) > 0) {
            Thread.sleep(Math.max(1, TimeUnit.NANOSECONDS.toMillis(left)));
        }
    }

    /** The partition map as the node at {@code address} serves it. */
    static PartitionMap map(String address) {
        int colon = address.lastIndexOf(':');
        ManagedChannel ch = ManagedChannelBuilder.forAddress(address.substring(0, colon),
            Integer.parseInt(address.substring(colon + 1))).usePlaintext().build();
        try {
            return PartitionMaps.fromProto(ControlGrpc.newBlockingStub(ch).withDeadlineAfter(2, TimeUnit.SECONDS)
                .partitionMap(PartitionMapRequest.getDefaultInstance()));
        } finally {
            ch.shutdownNow();
        }
    }

    private static void awaitMap(String address, Predicate<PartitionMap> done, String what)
        throws InterruptedException {
        long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
        RuntimeException last = null;
        while (System.nanoTime() < deadline) {
            try {
                if (done.test(map(address))) {
                    return;
                }
            } catch (RuntimeException e) {
                last = e;
            }
            Thread.sleep(50);
        }
        throw new IllegalStateException("the map at " + address + " never showed " + what
            + (last == null ? "" : " (last error: " + last + ")"));
    }
}
