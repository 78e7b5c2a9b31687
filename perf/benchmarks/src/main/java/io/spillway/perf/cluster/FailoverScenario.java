package io.spillway.perf.cluster;

import io.spillway.client.ClusterKvClient;
import io.spillway.client.KvClient;
import io.spillway.key.BlockKey;
import io.spillway.key.Namespace;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

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
    private Path historyFile;
    private int historyOpsPerWorker;
    private long detectedNanos = Long.MIN_VALUE;

    FailoverScenario(FailoverSettings settings, Path runDir, PrintStream log) {
        this.s = settings;
        this.runDir = runDir;
        this.log = log;
    }

    /**
     * Records the kill run's history (every operation and both final verifications) into {@code file}, for
     * {@code bench check-history}; {@code opsPerWorker} entries preallocated per load thread.
     */
    FailoverScenario recordHistory(Path file, int opsPerWorker) {
        if (opsPerWorker < 1) {
            throw new IllegalArgumentException("history operations per worker must be >= 1, got " + opsPerWorker);
        }
        this.historyFile = file;
        this.historyOpsPerWorker = opsPerWorker;
        return this;
    }

    private List<String> nodeSettings() {
        List<String> all = new ArrayList<>(List.of("spillway.cluster.replication=" + s.replication(),
            "spillway.cluster.failureDetectionTimeoutMs=" + s.failureDetectionMillis(),
            "spillway.server.ioThreads=1", "spillway.server.maxBlockBytes=" + Math.max(1 << 20, s.blockBytes())));
        all.addAll(s.nodeSettings());
        return all;
    }

    /**
     * When the survivors dropped the killed node from their map, on {@link System#nanoTime()}'s clock (the recorded
     * history's): the end of the fault window for the history checker. {@link Long#MIN_VALUE} before the kill run.
     */
    long detectedNanos() {
        return detectedNanos;
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
            cluster.awaitAllMembers();
            try (KvClient client = cluster.connect()) {
                BlockKey ns = client.registerNamespace(NAMESPACE, s.replication()).join();
                VerifyingLoad load = new VerifyingLoad(client, ns, s.blockBytes(), s.batch(), s.putShare(),
                    s.threads(), s.keysPerWorker(), s.seed());
                if (historyFile != null) {
                    load.recordHistory(historyOpsPerWorker);
                }
                int total = s.warmupSeconds() + s.beforeSeconds() + s.afterSeconds() + 2;
                Timeline t = new Timeline(System.nanoTime(), total);
                load.start(t);
                t.sleepUntil(s.warmupSeconds() + s.beforeSeconds());
                double killAt = t.secondsAt(System.nanoTime());
                log.printf("failover: SIGKILL %s at %.1f s (exit %d)%n", LocalCluster.name(VICTIM), killAt,
                    cluster.kill(VICTIM));
                cluster.awaitMap(0, m -> m.node(LocalCluster.name(VICTIM)) == null, "the failure");
                long detectedNanos = System.nanoTime();
                this.detectedNanos = detectedNanos;
                double detectedAt = t.secondsAt(detectedNanos);
                log.printf("failover: survivors dropped it from the map at %.1f s%n", detectedAt);
                t.sleepUntil(s.warmupSeconds() + s.beforeSeconds() + s.afterSeconds());
                load.stop();
                if (client instanceof ClusterKvClient cluster3) {
                    log.printf("failover: client %s%n", cluster3.counters());
                }

                int kill = (int) killAt;
                double before = t.mean(s.warmupSeconds(), kill, Timeline.OPS);
                int end = s.warmupSeconds() + s.beforeSeconds() + s.afterSeconds();
                double afterRecovery = t.mean(Math.min(end - 1, (int) Math.ceil(detectedAt) + 10), end, Timeline.OPS);
                int from = Math.max(s.warmupSeconds(), kill - 30);
                int to = Math.min(end, kill + 30);
                long acked = load.ackedBlocks();
                long[] afterKill = load.verifyAll();
                log.printf("failover: verified %d acknowledged blocks: %d hits, %d misses, %d failed, %d wrong%n",
                    acked, afterKill[0], afterKill[1], afterKill[2], afterKill[3]);

                long restart = System.nanoTime();
                cluster.startNode(VICTIM);
                cluster.awaitMap(0, m -> m.node(LocalCluster.name(VICTIM)) != null, "the rejoin");
                double rejoin = (System.nanoTime() - restart) / 1e9;
                long[] afterRejoin = load.verifyAll();
                log.printf("failover: %s rejoined in %.1f s; verified again: %d hits, %d misses, %d failed, %d wrong%n",
                    LocalCluster.name(VICTIM), rejoin, afterRejoin[0], afterRejoin[1], afterRejoin[2], afterRejoin[3]);
                if (historyFile != null) {
                    load.history().write(historyFile);
                    log.printf("failover: history in %s; the failure was detected at %d ns: bench check-history %s "
                        + "--fault-end-ns %d%n", historyFile, detectedNanos, historyFile, detectedNanos);
                }
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
            two.awaitAllMembers();
            try (KvClient client = two.connect()) {
                BlockKey ns = client.registerNamespace(NAMESPACE, s.replication()).join();
                VerifyingLoad load = new VerifyingLoad(client, ns, s.blockBytes(), s.batch(), s.putShare(),
                    s.threads(), s.keysPerWorker(), s.seed() + 1);
                Timeline t = new Timeline(System.nanoTime(), s.warmupSeconds() + s.baselineSeconds() + 2);
                load.start(t);
                t.sleepUntil(s.warmupSeconds() + s.baselineSeconds());
                load.stop();
                if (load.wrongBlocks() != 0) {
                    throw new IllegalStateException("wrong bytes in the baseline: " + load.wrongExamples());
                }
                return t.mean(s.warmupSeconds(), s.warmupSeconds() + s.baselineSeconds(), Timeline.OPS);
            }
        }
    }
}
