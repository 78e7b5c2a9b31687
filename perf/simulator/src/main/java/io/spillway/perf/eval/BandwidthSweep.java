package io.spillway.perf.eval;

import io.spillway.placement.routing.CostInputs;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;

/**
 * Where the win ends: Spillway at each cluster bandwidth and prefill rate, against policies that never load from the
 * cluster (precise, round-robin) at each prefill rate, in virtual time. At a swept bandwidth {@code b} the CPU tier
 * loads at {@code b} and the NVMe tier at {@code min(b, base NVMe)}: both cross the same wire into the pod. The
 * other figures (block bytes, per-load overhead) are the base's.
 */
public final class BandwidthSweep {
    private final Workload workload;
    private final List<Evaluation.Load> loads;
    private final List<Policy> policies;
    private final int pods;
    private final EngineParams params;
    private final Evaluation.ClusterSize cluster;
    private final long seed;

    public BandwidthSweep(Workload workload, List<Evaluation.Load> loads, List<Policy> policies, int pods,
                          EngineParams params, Evaluation.ClusterSize cluster, long seed) {
        this.workload = workload;
        this.loads = List.copyOf(loads);
        this.policies = List.copyOf(policies);
        this.pods = pods;
        this.params = params;
        this.cluster = cluster;
        this.seed = seed;
    }

    /** The costs at one sweep point: {@code base} with the bandwidth and prefill rate replaced. */
    static CostInputs at(CostInputs base, double gbps, double prefill) {
        CostInputs c = base.with(CostInputs.PREFILL_TOKENS_PER_S, prefill, "swept");
        if (Double.isNaN(gbps)) {
            return c;
        }
        return c.with(CostInputs.CPU_GBPS, gbps, "swept").with(CostInputs.NVME_GBPS, Math.min(gbps, base.nvmeGbps()),
            "swept: min(cpu, base nvme)");
    }

    /** Every point, in load, prefill, policy and bandwidth order. */
    public List<SweepPoint> run(CostInputs base, List<Double> gbps, List<Double> prefillRates, int threads)
        throws Exception {
        for (double b : gbps) {
            if (!(b > 0)) {
                throw new IllegalArgumentException("swept bandwidths must be > 0 GB/s, got " + b);
            }
        }
        for (double p : prefillRates) {
            if (!(p > 0)) {
                throw new IllegalArgumentException("swept prefill rates must be > 0 tokens/s, got " + p);
            }
        }
        ExecutorService pool = Executors.newFixedThreadPool(Math.max(1, threads), r -> {
            Thread t = new Thread(r, "sweep");
            t.setDaemon(true);
            return t;
        });
        try {
            List<Future<SweepPoint>> runs = new ArrayList<>();
            for (Evaluation.Load load : loads) {
                for (double prefill : prefillRates) {
                    for (Policy policy : policies) {
                        List<Double> points = policy == Policy.SPILLWAY ? gbps : List.of(Double.NaN);
                        for (double b : points) {
                            EngineParams p = params.withCosts(at(base, b, prefill).model());
                            runs.add(pool.submit(() -> new SweepPoint(workload.name(), load.label(), prefill, b,
                                new VirtualRun(load.workload(), policy, load.label(), pods, p, cluster.cpuBlocks(),
                                    cluster.nvmeBlocks(), seed).run())));
                        }
                    }
                }
            }
            List<SweepPoint> out = new ArrayList<>();
            for (Future<SweepPoint> f : runs) {
                out.add(f.get());
            }
            return out;
        } finally {
            pool.shutdownNow();
        }
    }
}
