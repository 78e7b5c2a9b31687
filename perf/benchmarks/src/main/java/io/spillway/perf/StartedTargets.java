package io.spillway.perf;

import io.spillway.perf.adapter.SelfDrivenTarget;
import io.spillway.perf.harness.LoadHarness;
import io.spillway.perf.harness.ProgressLine;
import io.spillway.perf.harness.SliceRunner;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The targets of one {@code bench compare} run, all started, opened and preloaded before any phase runs, and all
 * stopped by {@link #close()}. A target that fails to start (or to preload) is stopped, recorded in the failures,
 * and left out; the others still run.
 */
final class StartedTargets implements AutoCloseable {
    /** Starts a target's server and makes its client (TargetLauncher::start outside tests). */
    @FunctionalInterface
    interface Launcher {
        TargetLauncher.Started start(String kind, WorkloadOptions workload, Path dir) throws Exception;
    }

    private final Map<String, TargetLauncher.Started> started = new LinkedHashMap<>();
    private final Map<String, SliceRunner> harnesses = new LinkedHashMap<>();

    private StartedTargets() {
    }

    /**
     * Starts every target in {@code kinds} under {@code runDir}, opens it with the workload's threads and, when
     * {@code preloadBatch > 0}, writes the working set into it. Failures land in {@code failures} by kind.
     */
    static StartedTargets start(List<String> kinds, Launcher launcher, WorkloadOptions workload, RunDir runDir,
                                long workingSet, int blockBytes, int preloadBatch, ProgressLine progress,
                                Map<String, String> failures) throws InterruptedException {
        StartedTargets all = new StartedTargets();
        try {
            for (String kind : kinds) {
                System.err.println("== " + kind + ": starting");
                TargetLauncher.Started s = null;
                try {
                    Path dir = Files.createDirectories(runDir.path().resolve(kind));
                    s = launcher.start(kind, workload, dir);
                    s.target().open(workload.threads());
                    SliceRunner harness;
                    if (s.target() instanceof SelfDrivenTarget peer) {
                        // a peer driven through its own client: its worker runs whole slices and its own preload
                        harness = peer;
                        if (preloadBatch > 0) {
                            System.err.printf("== %s: preloaded in %.1f s%n", kind,
                                peer.preload(workingSet, blockBytes, preloadBatch));
                        }
                    } else {
                        LoadHarness load = new LoadHarness(s.target(), progress);
                        if (preloadBatch > 0) {
                            load.preload(workingSet, blockBytes, preloadBatch, workload.threads());
                        }
                        harness = load;
                    }
                    all.started.put(kind, s);
                    all.harnesses.put(kind, harness);
                } catch (InterruptedException e) {
                    closeQuietly(s);
                    throw e;
                } catch (Exception e) {
                    closeQuietly(s);
                    runDir.keep();
                    failures.put(kind, e.toString());
                    System.err.println("== " + kind + ": FAILED: " + e);
                }
            }
        } catch (RuntimeException | Error | InterruptedException e) {
            all.close();
            throw e;
        }
        return all;
    }

    /**
     * What each started target's launcher reported about how it runs ({@link TargetLauncher.Started#facts()}), and
     * for a peer how its worker drives it ({@link TargetLauncher#DRIVER}).
     */
    Map<String, Map<String, String>> facts() {
        Map<String, Map<String, String>> out = new LinkedHashMap<>();
        started.forEach((kind, s) -> {
            Map<String, String> facts = new LinkedHashMap<>(s.facts());
            if (s.target() instanceof SelfDrivenTarget peer) {
                facts.put(TargetLauncher.DRIVER, peer.driver());
            }
            if (!facts.isEmpty()) {
                out.put(kind, facts);
            }
        });
        return out;
    }

    /** One harness per started target (a peer's own worker for a peer), in start order. */
    Map<String, SliceRunner> harnesses() {
        return Collections.unmodifiableMap(harnesses);
    }

    /** Stops every started target (client, then server); reports but does not throw what fails to stop. */
    @Override
    public void close() {
        for (Map.Entry<String, TargetLauncher.Started> e : started.entrySet()) {
            System.err.println("== " + e.getKey() + ": stopping");
            closeQuietly(e.getValue());
        }
        started.clear();
        harnesses.clear();
    }

    private static void closeQuietly(AutoCloseable c) {
        if (c == null) {
            return;
        }
        try {
            c.close();
        } catch (Exception e) {
            System.err.println("could not stop " + c + ": " + e);
        }
    }
}
