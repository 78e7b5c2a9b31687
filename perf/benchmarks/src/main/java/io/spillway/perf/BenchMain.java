package io.spillway.perf;

import io.spillway.perf.bridge.BridgeCommand;
import io.spillway.perf.cluster.FailoverCommand;
import io.spillway.perf.cluster.MapModelCommand;
import io.spillway.perf.cluster.ScaleCommand;
import io.spillway.perf.eval.EngineCommand;
import io.spillway.perf.eval.EvalCommand;
import io.spillway.perf.feed.FeedCommand;
import io.spillway.perf.harness.LoadHarness;
import io.spillway.perf.history.CheckHistoryCommand;
import io.spillway.perf.harness.PhaseResult;
import io.spillway.perf.harness.PhaseSpec;
import io.spillway.perf.harness.ProgressLine;
import io.spillway.perf.report.JsonWriter;
import io.spillway.perf.report.ResultJson;
import io.spillway.perf.report.ResultTable;
import io.spillway.perf.sim.SimCommand;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/**
 * {@code bin/spillway bench}: drives one target (Spillway, Redis or raw loopback TCP) with a read/write mix and
 * prints GB/s, blocks/s, requests/s and latency percentiles. Subcommands: {@code compare} (all three targets in one
 * run), {@code jmh} (microbenchmarks) and {@code sim} (the CPU tier's eviction-policy simulator).
 */
@Command(name = "bench", mixinStandardHelpOptions = true, sortOptions = false,
    subcommands = {CompareCommand.class, JmhCommand.class, SimCommand.class, EvalCommand.class,
        EngineCommand.class, FailoverCommand.class,
        ScaleCommand.class, MapModelCommand.class, FeedCommand.class,
        BridgeCommand.class, CheckHistoryCommand.class},
    description = {"Load generator: one target, a read/write mix, live progress on stderr.",
        "Without --port it starts the target itself (a child process) and stops it afterwards."})
public final class BenchMain implements Callable<Integer> {

    @Option(names = "--target", paramLabel = "spillway|redis|tcp", defaultValue = "spillway",
        description = "What to drive (default: ${DEFAULT-VALUE}).")
    String target;

    @Option(names = "--host", defaultValue = "127.0.0.1", description = "Target host, with --port.")
    String host;

    @Option(names = "--port", paramLabel = "N",
        description = "Port of a running target (Spillway: its data port); without it the bench starts one.")
    Integer port;

    @Option(names = "--control-port", paramLabel = "N", description = "Control port of a running Spillway node.")
    Integer controlPort;

    @Option(names = "--read-ratio", paramLabel = "R", description = "Fraction of requests that are gets, 0..1.")
    Double readRatio;

    @Option(names = "--mix", paramLabel = "R:W", description = "Reads:writes, e.g. 80:20 (default: 50:50).")
    String mix;

    @Option(names = "--batch", paramLabel = "N", defaultValue = "1",
        description = "Blocks per request (default: ${DEFAULT-VALUE}).")
    int batch;

    @Option(names = "--json", paramLabel = "FILE", description = "Also write the results as JSON to FILE.")
    Path json;

    @Mixin
    WorkloadOptions workload;

    @Override
    public Integer call() throws Exception {
        if (TargetLauncher.PEERS.contains(TargetLauncher.checkKind(target))) {
            throw new IllegalArgumentException("--target " + target + " is a peer driven by its own client's worker,"
                + " which runs the compare phases only: use bin/spillway bench compare --targets spillway," + target);
        }
        double ratio = readRatio();
        PhaseSpec spec = new PhaseSpec("mixed", workload.blockBytes(), batch, workload.threads(), ratio,
            workload.blocks, workload.writePattern(), workload.warmup(), workload.duration());
        ProgressLine progress = new ProgressLine(System.err, !workload.noProgress);
        PhaseResult result;
        try (RunDir runDir = RunDir.create("spillway-bench-");
             TargetLauncher.Started started = port == null
                 ? TargetLauncher.start(target, workload, runDir.path())
                 : TargetLauncher.attach(target, host, port, controlPort == null ? port + 1 : controlPort,
                     workload.connections)) {
            try {
                started.target().open(spec.threads());
                LoadHarness harness = new LoadHarness(started.target(), progress);
                if (ratio > 0) {
                    harness.preload(spec.blocks(), spec.blockBytes(), Math.min(spec.batch(), 32), spec.threads());
                }
                result = harness.run(spec);
            } catch (Exception | Error e) {
                runDir.keep();
                throw e;
            }
        }
        ResultTable table = new ResultTable(System.out);
        table.header();
        table.rows(result);
        if (json != null) {
            JsonWriter w = new JsonWriter().beginObject().field("kind", "spillway-bench").field("version", 1);
            w.name("workload");
            ResultJson.workload(w, spec, workload.connections);
            w.name("result");
            ResultJson.phase(w, result, null);
            w.endObject();
            Files.writeString(json, w.toJson() + "\n", StandardCharsets.UTF_8);
            System.out.println("wrote " + json);
        }
        return result.get().verifyFailures() > 0 ? 1 : 0;
    }

    private double readRatio() {
        if (readRatio != null && mix != null) {
            throw new IllegalArgumentException("give --read-ratio or --mix, not both");
        }
        if (readRatio != null) {
            return Mixes.checkRatio(readRatio);
        }
        return mix != null ? Mixes.parseMix(mix) : 0.5;
    }

    public static void main(String[] args) {
        System.exit(newCommandLine().execute(args));
    }

    static CommandLine newCommandLine() {
        return withUsageErrors(new CommandLine(new BenchMain()), "bench");
    }

    /** {@code cl}, answering an {@link IllegalArgumentException} with one line ({@code name: message}) and exit 2. */
    public static CommandLine withUsageErrors(CommandLine cl, String name) {
        cl.setExecutionExceptionHandler((e, cmd, parsed) -> {
            if (e instanceof IllegalArgumentException) {
                cmd.getErr().println(name + ": " + e.getMessage());
                return CommandLine.ExitCode.USAGE;
            }
            throw e;
        });
        return cl;
    }
}
