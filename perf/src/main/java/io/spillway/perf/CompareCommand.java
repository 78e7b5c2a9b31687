package io.spillway.perf;

import io.spillway.perf.harness.LoadHarness;
import io.spillway.perf.harness.OpResult;
import io.spillway.perf.harness.PhaseResult;
import io.spillway.perf.harness.PhaseSpec;
import io.spillway.perf.harness.ProgressLine;
import io.spillway.perf.harness.WritePattern;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/**
 * {@code bin/spillway bench compare}: Spillway, Redis and raw loopback TCP, one after the other in one run, each
 * started as its own child process and driven by the same harness with the same workload: GET, a 32-block
 * batch GET, and PUT. Prints a table and the ratios; {@code --json} writes them for machines.
 */
@Command(name = "compare", mixinStandardHelpOptions = true, sortOptions = false,
    description = {"Spillway vs Redis vs raw loopback TCP, same workload, one run.",
        "Phases: get, batch-get (Spillway batch get vs Redis pipelined GETs of the same blocks), put."})
public final class CompareCommand implements Callable<Integer> {

    @Option(names = "--targets", paramLabel = "LIST", split = ",", defaultValue = "spillway,redis,tcp",
        description = "Targets to run, in order (default: ${DEFAULT-VALUE}).")
    List<String> targets;

    @Option(names = "--batch", paramLabel = "N", defaultValue = "32",
        description = "Blocks per request in the batch-get phase (default: ${DEFAULT-VALUE}).")
    int batch;

    @Option(names = "--json", paramLabel = "FILE", description = "Also write the results as JSON to FILE.")
    Path json;

    @Mixin
    WorkloadOptions workload;

    @Override
    public Integer call() throws Exception {
        List<PhaseSpec> phases = phases();
        ProgressLine progress = new ProgressLine(System.err, !workload.noProgress);
        Map<String, Map<String, PhaseResult>> results = new LinkedHashMap<>();
        Map<String, String> failures = new LinkedHashMap<>();
        try (RunDir runDir = RunDir.create("spillway-compare-")) {
            for (String t : targets) {
                String kind = TargetLauncher.checkKind(t);
                System.err.println("== " + kind + ": starting");
                try {
                    results.put(kind, runTarget(kind, phases, runDir.path().resolve(kind), progress));
                } catch (Exception e) {
                    runDir.keep();
                    failures.put(kind, e.toString());
                    System.err.println("== " + kind + ": FAILED: " + e);
                }
            }
        }
        CompareReport report = new CompareReport(phases, workload.connections, results, failures);
        report.print(System.out);
        if (json != null) {
            report.writeJson(json);
            System.out.println("wrote " + json);
        }
        return failures.isEmpty() && report.allClean() ? 0 : 1;
    }

    private Map<String, PhaseResult> runTarget(String kind, List<PhaseSpec> phases, Path dir, ProgressLine progress)
        throws Exception {
        java.nio.file.Files.createDirectories(dir);
        Map<String, PhaseResult> byPhase = new LinkedHashMap<>();
        try (TargetLauncher.Started started = TargetLauncher.start(kind, workload, dir)) {
            started.target().open(workload.threads());
            LoadHarness harness = new LoadHarness(started.target(), progress);
            boolean loaded = false;
            for (PhaseSpec spec : phases) {
                if (spec.readRatio() > 0 && !loaded) {
                    harness.preload(spec.blocks(), spec.blockBytes(), Math.min(batch, 32), spec.threads());
                    loaded = true;
                }
                byPhase.put(spec.name(), harness.run(spec));
            }
        }
        return byPhase;
    }

    /**
     * The working set is loaded, then GET and batch GET read it from memory, then PUT writes (fresh keys by
     * default). Reads come first so that no target is still evicting or demoting what the PUT phase wrote while
     * it is being read: every read phase meets the same state, the working set resident in memory.
     */
    List<PhaseSpec> phases() {
        int blockBytes = workload.blockBytes();
        int threads = workload.threads();
        WritePattern writes = workload.writePattern();
        long blocks = Math.max(workload.blocks, batch);
        List<PhaseSpec> list = new ArrayList<>();
        list.add(new PhaseSpec(CompareReport.GET, blockBytes, 1, threads, 1.0, blocks, writes, workload.warmup(),
            workload.duration()));
        list.add(new PhaseSpec(CompareReport.BATCH_GET, blockBytes, batch, threads, 1.0, blocks, writes,
            workload.warmup(), workload.duration()));
        list.add(new PhaseSpec(CompareReport.PUT, blockBytes, 1, threads, 0.0, blocks, writes, workload.warmup(),
            workload.duration()));
        return list;
    }

    static OpResult mainOp(PhaseResult r) {
        return r.spec().readRatio() > 0 ? r.get() : r.put();
    }
}
