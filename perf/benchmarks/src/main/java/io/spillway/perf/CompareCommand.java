package io.spillway.perf;

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
 * {@code bin/spillway bench compare}: Spillway, Redis and raw loopback TCP in one run, each started as its own
 * child process and driven by the same harness with the same workload: GET, a 32-block batch GET, and PUT. All
 * targets are started and preloaded first; then every phase runs in {@code --rounds} rounds that interleave the
 * targets ({@link InterleavedRun}), so that the machine's drift lands on both sides of a ratio. Prints a table,
 * the ratios of the merged totals and their spread across rounds; {@code --json} writes them for machines.
 * {@code --tls} adds a second Spillway node with mutual TLS ({@code spillway-tls}) to the same rounds and reports
 * what TLS costs: Spillway TLS over Spillway plaintext.
 */
@Command(name = "compare", mixinStandardHelpOptions = true, sortOptions = false,
    description = {"Spillway vs Redis vs raw loopback TCP, same workload, one run, interleaved in rounds.",
        "Phases: get, batch-get (Spillway batch get vs Redis pipelined GETs of the same blocks), put."})
public final class CompareCommand implements Callable<Integer> {

    @Option(names = "--targets", paramLabel = "LIST", split = ",", defaultValue = "spillway,redis,tcp",
        description = {"Targets to run, in the order of the first round (default: ${DEFAULT-VALUE}).",
            "Also: mooncake (Mooncake Store through its own Python client, from bin/peers-venv), spillway-tls."})
    List<String> targets;

    @Option(names = "--tls", description = {"Also run spillway-tls: a second Spillway node with mutual TLS"
        + " (certificates issued into the run directory), in the same rounds, right after the plaintext one;"
        + " reports Spillway TLS / Spillway plaintext."})
    boolean tls;

    @Option(names = "--batch", paramLabel = "N", defaultValue = "32",
        description = "Blocks per request in the batch-get phase (default: ${DEFAULT-VALUE}).")
    int batch;

    @Option(names = "--json", paramLabel = "FILE", description = "Also write the results as JSON to FILE.")
    Path json;

    @Mixin
    WorkloadOptions workload;

    @Option(names = "--rounds", paramLabel = "N", defaultValue = "5",
        description = {"Rounds per phase: every target runs --duration/N per round, the order alternating between"
            + " rounds (ABC, CBA, ...), so the machine's drift hits every target alike (default: ${DEFAULT-VALUE})."})
    int rounds;

    /** How targets are started; tests swap in targets of their own. */
    StartedTargets.Launcher launcher = TargetLauncher::start;

    @Override
    public Integer call() throws Exception {
        List<PhaseSpec> phases = phases();
        InterleavedRun.check(phases, rounds);
        List<String> kinds = kinds();
        ProgressLine progress = new ProgressLine(System.err, !workload.noProgress);
        Map<String, String> failures = new LinkedHashMap<>();
        InterleavedRun.Result run;
        Map<String, Map<String, String>> facts;
        PhaseSpec first = phases.get(0);
        boolean reads = phases.stream().anyMatch(p -> p.readRatio() > 0);
        try (RunDir runDir = RunDir.create("spillway-compare-");
             StartedTargets started = StartedTargets.start(kinds, launcher, workload, runDir, first.blocks(),
                 first.blockBytes(), reads ? Math.min(batch, 32) : 0, progress, failures)) {
            facts = started.facts();
            run = new InterleavedRun(started.harnesses(), rounds).run(phases);
        }
        CompareReport report = new CompareReport(phases, workload.connections, run.merged(), failures, run.slices(),
            facts);
        report.print(System.out);
        if (json != null) {
            report.writeJson(json);
            System.out.println("wrote " + json);
        }
        return failures.isEmpty() && report.allClean() ? 0 : 1;
    }

    /** The targets in first-round order: {@code --targets}, with {@code spillway-tls} after {@code spillway} for --tls. */
    List<String> kinds() {
        List<String> kinds = new ArrayList<>(targets.stream().map(TargetLauncher::checkKind).distinct().toList());
        if (tls && !kinds.contains(TargetLauncher.SPILLWAY_TLS)) {
            int plain = kinds.indexOf(TargetLauncher.SPILLWAY);
            if (plain < 0) {
                throw new IllegalArgumentException("--tls measures TLS against the plaintext node: --targets must"
                    + " include " + TargetLauncher.SPILLWAY + ", got " + targets);
            }
            kinds.add(plain + 1, TargetLauncher.SPILLWAY_TLS);
        }
        return kinds;
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
