package io.spillway.perf.cluster;

import io.spillway.perf.report.JsonWriter;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/**
 * {@code bin/spillway bench failover}: the SIGKILL acceptance of issue 3 on real processes (see
 * {@link FailoverScenario}); prints each acceptance point with its figure and exits 1 when one fails.
 */
@Command(name = "failover", mixinStandardHelpOptions = true, sortOptions = false,
    description = {"N nodes, replication r, verifying mixed load, SIGKILL of one node, restart and rejoin.",
        "Reports wrong bytes, lost blocks, get success around the kill, recovery time against two nodes."})
public final class FailoverCommand implements Callable<Integer> {
    @Mixin
    ClusterLoadOptions load;
    @Option(names = "--nodes", defaultValue = "3", description = "cluster size (default: ${DEFAULT-VALUE})")
    int nodes;
    @Option(names = "--replication", defaultValue = "2", description = "copies per block (default: ${DEFAULT-VALUE})")
    int replication;
    @Option(names = "--baseline-seconds", defaultValue = "15",
        description = "two-node baseline (default: ${DEFAULT-VALUE})")
    int baselineSeconds;
    @Option(names = "--warmup-seconds", defaultValue = "20",
        description = "warm-up, not measured: the JIT of four fresh JVMs (default: ${DEFAULT-VALUE})")
    int warmupSeconds;
    @Option(names = "--before-seconds", defaultValue = "30",
        description = "load before the kill (default: ${DEFAULT-VALUE})")
    int beforeSeconds;
    @Option(names = "--after-seconds", defaultValue = "30",
        description = "load after the kill (default: ${DEFAULT-VALUE})")
    int afterSeconds;
    @Option(names = "--failure-detection-ms", defaultValue = "3000",
        description = "Ignite failure detection timeout (default: ${DEFAULT-VALUE})")
    long failureDetectionMillis;
    @Option(names = "--history", description = "write the kill run's operation history to this file, for "
        + "bench check-history (docs/reliability.md)")
    Path history;
    @Option(names = "--history-ops-per-worker", defaultValue = "1000000",
        description = "history entries preallocated per load thread, 46 bytes each (default: ${DEFAULT-VALUE})")
    int historyOpsPerWorker;

    @Override
    public Integer call() throws IOException, InterruptedException {
        FailoverSettings settings = new FailoverSettings(nodes, replication, load.blockBytes(), load.batch,
            load.putShare, load.threads, baselineSeconds, warmupSeconds, beforeSeconds, afterSeconds,
            load.cpuCapacity, failureDetectionMillis, load.seed, load.nodeSettings);
        return load.run("spillway-failover-", dir -> scenario(settings, dir).run(),
            FailoverReport::passed, FailoverCommand::print, FailoverCommand::toJson);
    }

    private FailoverScenario scenario(FailoverSettings settings, Path dir) {
        FailoverScenario scenario = new FailoverScenario(settings, dir, System.err);
        return history == null ? scenario : scenario.recordHistory(history.toAbsolutePath(), historyOpsPerWorker);
    }

    static void print(FailoverReport r, PrintStream out) {
        FailoverSettings s = r.settings();
        out.printf("failover: %d nodes, replication %d, %d x %d KiB blocks per request, %d threads, %.0f%% puts%n",
            s.nodes(), s.replication(), s.batch(), s.blockBytes() >> 10, s.threads(), 100 * s.putShare());
        out.printf("  two nodes %.0f blocks/s; %d nodes before the kill %.0f blocks/s; after recovery %.0f blocks/s"
            + " (%.2f x two nodes)%n", r.twoNodeBlocksPerSec(), s.nodes(), r.beforeKillBlocksPerSec(),
            r.afterRecoveryBlocksPerSec(), r.afterRecoveryRatio());
        out.printf("  kill at %.1f s, detected at %.1f s, >= 90%% of two nodes at %.1f s%n", r.killAt(),
            r.detectedAt(), r.recoveredAt());
        StringBuilder line = new StringBuilder("  blocks/s per second:");
        for (double v : r.perSecond()) {
            line.append(' ').append(Math.round(v));
        }
        out.println(line);
        for (String v : r.verdicts()) {
            out.println("  " + v);
        }
        if (!r.wrongExamples().isEmpty()) {
            out.println("  wrong blocks: " + r.wrongExamples());
        }
    }

    static String toJson(FailoverReport r) {
        FailoverSettings s = r.settings();
        JsonWriter w = new JsonWriter().beginObject()
            .field("nodes", s.nodes()).field("replication", s.replication()).field("block_bytes", s.blockBytes())
            .field("batch", s.batch()).field("threads", s.threads()).field("put_share", s.putShare())
            .field("two_node_blocks_per_s", r.twoNodeBlocksPerSec())
            .field("before_kill_blocks_per_s", r.beforeKillBlocksPerSec())
            .field("after_recovery_blocks_per_s", r.afterRecoveryBlocksPerSec())
            .field("after_recovery_ratio", r.afterRecoveryRatio())
            .field("kill_at_s", r.killAt()).field("detected_at_s", r.detectedAt())
            .field("recovered_at_s", r.recoveredAt()).field("recovery_s", r.recoverySeconds())
            .field("gets_ok_around_kill", r.getsOkAroundKill()).field("gets_failed_around_kill", r.getsFailedAroundKill())
            .field("get_success_around_kill", r.getSuccessAroundKill())
            .field("puts_failed_around_kill", r.putsFailedAroundKill())
            .field("wrong_blocks", r.wrongBlocks()).field("acked_blocks", r.ackedBlocks())
            .field("readable_after_kill", r.verifyAfterKill()[0]).field("readable_after_rejoin", r.verifyAfterRejoin()[0])
            .field("rejoin_s", r.rejoinSeconds()).field("passed", r.passed());
        w.name("per_second").beginArray();
        for (double v : r.perSecond()) {
            w.value(v);
        }
        return w.endArray().endObject().toJson();
    }
}
