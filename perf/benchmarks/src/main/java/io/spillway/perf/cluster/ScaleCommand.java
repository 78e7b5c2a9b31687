package io.spillway.perf.cluster;

import io.spillway.perf.report.JsonWriter;
import java.io.IOException;
import java.io.PrintStream;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/**
 * {@code bin/spillway bench scale}: aggregate throughput of local clusters of several sizes under the same
 * verifying mixed load, as ratios to the smallest size measured in the same run, with the cores each side used
 * (see {@link ScaleScenario}). Exits 1 when a wrong byte was read or an acknowledged block was lost.
 */
@Command(name = "scale", mixinStandardHelpOptions = true, sortOptions = false,
    description = {"Aggregate throughput of 1, 2, 3 ... real nodes under one verifying mixed load, interleaved.",
        "Prints blocks/s and GB/s per size, the ratio to the first size, and the cores client and nodes used."})
public final class ScaleCommand implements Callable<Integer> {
    @Mixin
    ClusterLoadOptions load;
    @Option(names = "--nodes", split = ",", defaultValue = "1,2,3",
        description = "cluster sizes, the first is the baseline (default: ${DEFAULT-VALUE})")
    List<Integer> nodes;
    @Option(names = "--replication", defaultValue = "1",
        description = "copies per block, capped at each size (default: ${DEFAULT-VALUE})")
    int replication;
    @Option(names = "--warmup-seconds", defaultValue = "10",
        description = "warm-up per cluster, not measured (default: ${DEFAULT-VALUE})")
    int warmupSeconds;
    @Option(names = "--seconds", defaultValue = "10",
        description = "one measured window (default: ${DEFAULT-VALUE})")
    int seconds;
    @Option(names = "--rounds", defaultValue = "3",
        description = "measured windows per cluster, interleaved (default: ${DEFAULT-VALUE})")
    int rounds;

    @Override
    public Integer call() throws IOException, InterruptedException {
        ScaleSettings settings = new ScaleSettings(nodes, replication, load.blockBytes(), load.batch, load.putShare,
            load.threads, warmupSeconds, seconds, rounds, load.cpuCapacity, load.seed, load.nodeSettings);
        return load.run("spillway-scale-", dir -> new ScaleScenario(settings, dir, System.err).run(),
            ScaleReport::passed, ScaleCommand::print, ScaleCommand::toJson);
    }

    static void print(ScaleReport r, PrintStream out) {
        ScaleSettings s = r.settings();
        out.printf("scale: %d x %d KiB blocks per request, %.0f%% puts, %d client threads, %d x %d s per size,"
                + " %d cores on this machine%n", s.batch(), s.blockBytes() >> 10, 100 * s.putShare(), s.threads(),
            s.rounds(), s.seconds(), Runtime.getRuntime().availableProcessors());
        out.printf("%5s %3s %10s %21s %7s %8s %12s %11s %9s %8s%n", "nodes", "r", "blocks/s", "min-max per round",
            "GB/s", "x first", "client cores", "node cores", "machine", "failed");
        for (ScaleReport.Size z : r.sizes()) {
            out.printf("%5d %3d %10.0f %10.0f-%-10.0f %7.2f %8.2f %12.2f %11.2f %8.0f%% %8d%n", z.nodes(),
                z.replication(), z.meanBlocksPerSec(), z.minBlocksPerSec(), z.maxBlocksPerSec(),
                z.meanBytesPerSec() / 1e9, r.ratio(z), z.meanClientCores(), z.meanNodeCores(),
                100 * z.meanMachineBusy(), z.failed());
        }
        for (ScaleReport.Size z : r.sizes()) {
            out.printf("  %d node(s): %d acknowledged blocks; at the end %d hits, %d misses, %d failed, %d wrong%n",
                z.nodes(), z.acked(), z.verify()[0], z.verify()[1], z.verify()[2], z.wrong());
        }
        for (String p : r.problems()) {
            out.println("  FAIL " + p);
        }
    }

    static String toJson(ScaleReport r) {
        ScaleSettings s = r.settings();
        JsonWriter w = new JsonWriter().beginObject().field("block_bytes", s.blockBytes()).field("batch", s.batch())
            .field("threads", s.threads()).field("put_share", s.putShare()).field("seconds", s.seconds())
            .field("rounds", s.rounds()).field("cpus", Runtime.getRuntime().availableProcessors())
            .field("passed", r.passed());
        w.name("sizes").beginArray();
        for (ScaleReport.Size z : r.sizes()) {
            w.beginObject().field("nodes", z.nodes()).field("replication", z.replication())
                .field("blocks_per_s", z.meanBlocksPerSec()).field("bytes_per_s", z.meanBytesPerSec())
                .field("ratio_to_first", r.ratio(z)).field("client_cores", z.meanClientCores())
                .field("node_cores", z.meanNodeCores()).field("machine_busy", z.meanMachineBusy())
                .field("failed", z.failed()).field("wrong", z.wrong()).field("acked", z.acked())
                .field("readable_at_end", z.verify()[0]);
            w.name("rounds_blocks_per_s").beginArray();
            for (ScaleReport.Window win : z.windows()) {
                w.value(win.blocksPerSec());
            }
            w.endArray().endObject();
        }
        return w.endArray().endObject().toJson();
    }
}
