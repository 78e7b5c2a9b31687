package io.spillway.perf.eval;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;

/**
 * Every policy over every load of a workload, in virtual time, the runs spread over threads (each run is
 * deterministic on its own, so the threads change no figure).
 */
public final class Evaluation {
    /** A load: a label and the workload at it. */
    public record Load(String label, Workload workload) {
    }

    /** The cluster's size for {@link Policy#SPILLWAY}, in blocks. */
    public record ClusterSize(int cpuBlocks, int nvmeBlocks) {
    }

    private Evaluation() {
    }

    /** Results in load order, then policy order. */
    public static List<RunResult> run(List<Load> loads, List<Policy> policies, int pods, EngineParams params,
                                      ClusterSize cluster, long seed, int threads) throws Exception {
        ExecutorService pool = Executors.newFixedThreadPool(Math.max(1, threads), r -> {
            Thread t = new Thread(r, "eval");
            t.setDaemon(true);
            return t;
        });
        try {
            List<Future<RunResult>> runs = new ArrayList<>();
            for (Load load : loads) {
                for (Policy policy : policies) {
                    runs.add(pool.submit(() -> new VirtualRun(load.workload(), policy, load.label(), pods, params,
                        cluster.cpuBlocks(), cluster.nvmeBlocks(), seed).run()));
                }
            }
            List<RunResult> results = new ArrayList<>();
            for (Future<RunResult> run : runs) {
                results.add(run.get());
            }
            return results;
        } finally {
            pool.shutdownNow();
        }
    }
}
