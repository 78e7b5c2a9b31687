package io.spillway.perf.feed;

import io.spillway.perf.RunDir;
import io.spillway.perf.report.JsonWriter;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code bin/spillway bench feed}: the block-location feed's figures (docs/events.md, docs/benchmarks.md) — events
 * into the index over IPC and UDP (beside the same feed into a counting sink), lag from a store to the index at a
 * paced rate, index memory at 10M keys x 2 locations, and an empty subscriber's catch-up from three nodes. With
 * {@code converge}, the end-to-end exactness check on a real cluster with restarts and loss.
 */
@Command(name = "feed", mixinStandardHelpOptions = true, sortOptions = false,
    subcommands = {FeedCommand.Converge.class},
    description = {"Block-location feed: ingest rate (IPC, UDP), store-to-index lag, index memory, catch-up.",
        "'converge' checks exactness on a real cluster with restarts and loss."})
public final class FeedCommand implements Callable<Integer> {
    @Option(names = "--only", split = ",", paramLabel = "PHASES",
        description = "phases to run, of ingest,lag,lag-ipc,memory,catchup (default: ingest,lag,memory,catchup)")
    List<String> only = List.of("ingest", "lag", "memory", "catchup");
    @Option(names = "--seconds", defaultValue = "5", description = "measured seconds per phase (default: ${DEFAULT-VALUE})")
    int seconds;
    @Option(names = "--warmup-seconds", defaultValue = "3",
        description = "warm-up before each measured window (default: ${DEFAULT-VALUE})")
    int warmupSeconds;
    @Option(names = "--rate", defaultValue = "100000",
        description = "keys stored per second in the lag phase (default: ${DEFAULT-VALUE})")
    int rate;
    @Option(names = "--memory-keys", defaultValue = "10000000",
        description = "keys in the memory phase, each at 2 locations (default: ${DEFAULT-VALUE})")
    long memoryKeys;
    @Option(names = "--blocks-per-node", defaultValue = "1000000",
        description = "blocks each of the 3 nodes holds in the catch-up phase (default: ${DEFAULT-VALUE})")
    int blocksPerNode;
    @Option(names = "--json", paramLabel = "FILE", description = "also write the figures as JSON to FILE")
    Path json;

    @Override
    public Integer call() throws Exception {
        JsonWriter j = new JsonWriter().beginObject();
        List<String> lines = new ArrayList<>();
        PrintStream out = System.out;
        try (RunDir dir = RunDir.create("spillway-feed-bench-")) {
            if (only.contains("ingest")) {
                j.name("ingest").beginArray();
                for (IngestBench.Transport t : IngestBench.Transport.values()) {
                    System.err.println("bench feed: ingest over " + t + " ...");
                    IngestBench.Result r = IngestBench.run(t, dir.path(), warmupSeconds, seconds);
                    lines.add(String.format(Locale.ROOT, "ingest %-3s  %,12.0f keys/s into the index; %,12.0f keys/s "
                            + "into a counting sink (x%.2f); index %,d keys; gaps %d, malformed %d", t,
                        r.keysPerSecond(), r.baselineKeysPerSecond(), r.ratio(), r.indexKeys(), r.gaps(), r.invalid()));
                    j.beginObject().field("transport", t.name()).field("keys_per_second", r.keysPerSecond())
                        .field("baseline_keys_per_second", r.baselineKeysPerSecond()).field("ratio", r.ratio())
                        .field("index_keys", r.indexKeys()).field("gaps", r.gaps()).field("malformed", r.invalid())
                        .endObject();
                }
                j.endArray();
            }
            if (only.contains("lag") || only.contains("lag-ipc")) {
                boolean ipc = only.contains("lag-ipc");
                System.err.println("bench feed: lag at " + rate + " keys/s ...");
                LagBench.Result r = LagBench.run(dir.path().resolve("lag"), rate, warmupSeconds, seconds, ipc);
                lines.add(String.format(Locale.ROOT, "lag%s at %,.0f keys/s (%,d keys timed): p50 %.0f us, p90 %.0f us, "
                        + "p99 %.0f us, p99.9 %.0f us, max %.0f us; messages built->applied p50 <= %d us, p99 <= %d us",
                    ipc ? " (IPC)" : " (UDP)", r.keysPerSecond(), r.keys(), r.p50Micros(), r.p90Micros(), r.p99Micros(),
                    r.p999Micros(), r.maxMicros(), r.messageP50Micros(), r.messageP99Micros()));
                j.name("lag").beginObject().field("transport", ipc ? "IPC" : "UDP")
                    .field("keys_per_second", r.keysPerSecond()).field("keys", r.keys())
                    .field("p50_us", r.p50Micros()).field("p90_us", r.p90Micros()).field("p99_us", r.p99Micros())
                    .field("p999_us", r.p999Micros()).field("max_us", r.maxMicros()).endObject();
            }
            if (only.contains("memory")) {
                System.err.println("bench feed: index memory at " + memoryKeys + " keys x 2 ...");
                IndexMemory.Result r = IndexMemory.measureInChild(memoryKeys, 2,
                    List.of("-Xms2g", "-Xmx4g", "-XX:+UseG1GC"), dir.path());
                lines.add(String.format(Locale.ROOT, "memory %,d keys x 2 locations: index arrays %,d bytes (%.1f "
                        + "MiB, %.1f bytes/key), heap growth %,d bytes (%.1f MiB)", r.keys(), r.memoryBytes(),
                    r.memoryBytes() / 1048576.0, r.bytesPerKey(), r.heapGrowth(), r.heapGrowth() / 1048576.0));
                j.name("memory").beginObject().field("keys", r.keys()).field("locations_per_key", 2)
                    .field("index_bytes", r.memoryBytes()).field("heap_growth_bytes", r.heapGrowth())
                    .field("bytes_per_key", r.bytesPerKey()).endObject();
            }
            if (only.contains("catchup")) {
                System.err.println("bench feed: catch-up from 3 nodes x " + blocksPerNode + " blocks ...");
                CatchupBench.Result r = CatchupBench.run(dir.path().resolve("catchup"), 3, blocksPerNode);
                lines.add(String.format(Locale.ROOT, "catch-up %d nodes x %,d blocks: %.2f s to an index of %,d keys "
                    + "(the JVM's first catch-up: %.2f s)", r.nodes(), r.blocksPerNode(), r.seconds(), r.indexKeys(),
                    r.coldSeconds()));
                j.name("catchup").beginObject().field("nodes", r.nodes()).field("blocks_per_node", r.blocksPerNode())
                    .field("seconds", r.seconds()).field("cold_seconds", r.coldSeconds())
                    .field("index_keys", r.indexKeys()).endObject();
            }
        }
        j.endObject();
        lines.forEach(out::println);
        if (json != null) {
            Files.writeString(json, j.toJson(), StandardCharsets.UTF_8);
        }
        return 0;
    }

    /** The convergence report as text. */
    public static String describe(FeedConvergence.Report r) {
        StringBuilder b = new StringBuilder();
        FeedConvergence.Settings s = r.settings();
        b.append(String.format("feed converge: %d nodes, replication %d, cpu %s, nvme %s, %d KiB blocks over %d keys,"
                + " %d s of load, loss %.0f%% sent + %.0f%% received%n", s.nodes(), s.replication(), s.cpuCapacity(),
            s.nvmeCapacity(), s.blockBytes() >> 10, s.keys(), s.seconds(), 100 * s.sendLoss(), 100 * s.receiveLoss()));
        r.timeline().forEach(line -> b.append("  ").append(line).append('\n'));
        b.append(String.format("put batches %d (failed %d); %s %d ms after the load stopped%n", r.puts(),
            r.putFailures(), r.converged() ? "converged" : "NOT converged", r.convergeMillis()));
        for (FeedConvergence.Follower f : r.followers()) {
            b.append(String.format("subscriber %s: %s; index %d keys; snapshots %d, gaps %d, malformed %d, NAKs sent %d%n",
                f.name(), f.diff().equal() ? "equal" : f.diff(), f.indexSize(), f.snapshots(), f.gaps(), f.invalid(),
                f.naksSent()));
        }
        return b.toString();
    }

    @Command(name = "converge", mixinStandardHelpOptions = true, sortOptions = false,
        description = {"A real cluster under random puts, restarts and UDP loss, followed by two subscribers (one",
            "late, one restarted); exits 0 only when both indexes equal the nodes' block sets."})
    static final class Converge implements Callable<Integer> {
        @Option(names = "--seconds", defaultValue = "36", description = "load duration (default: ${DEFAULT-VALUE})")
        int seconds;
        @Option(names = "--loss", defaultValue = "0.05",
            description = "fraction of data frames dropped at each end (default: ${DEFAULT-VALUE})")
        double loss;
        @Option(names = "--seed", defaultValue = "42", description = "random seed (default: ${DEFAULT-VALUE})")
        long seed;

        @Override
        public Integer call() throws Exception {
            FeedConvergence.Settings d = FeedConvergence.Settings.defaults();
            FeedConvergence.Settings s = new FeedConvergence.Settings(d.nodes(), seconds, d.replication(),
                d.cpuCapacity(), d.nvmeCapacity(), d.blockBytes(), d.keys(), loss, loss, seed,
                d.convergeTimeoutSeconds());
            try (RunDir dir = RunDir.create("spillway-feed-")) {
                FeedConvergence.Report r = new FeedConvergence(s, dir.path(), System.err).run();
                System.out.print(describe(r));
                return r.converged() ? 0 : 1;
            }
        }
    }
}
