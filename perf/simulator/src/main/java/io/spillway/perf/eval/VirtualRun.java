package io.spillway.perf.eval;

import io.spillway.placement.index.BlockLocationIndex;
import io.spillway.placement.index.Location;
import io.spillway.placement.index.Medium;
import io.spillway.placement.routing.Pod;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * One policy over one workload in virtual time: pods, the cluster when the policy has one, the router, and the
 * discrete-event loop. Deterministic: the same inputs and seed give the same result.
 */
public final class VirtualRun implements SimPod.Listener, BlockEvents {
    private final Workload workload;
    private final Policy policy;
    private final String load;
    private final EventQueue clock = new EventQueue();
    private final List<SimPod> pods = new ArrayList<>();
    private final List<Pod> views = new ArrayList<>();
    private final BlockLocationIndex index;
    private final int[] gpuIds;
    private final int cpuId;
    private final int nvmeId;
    private final SimRouter router;
    private final long[] ttft;
    private long gpuHits;
    private long cpuHits;
    private long nvmeHits;
    private long outputTokens;
    private long lastFinish;
    private double queueSum;

    /**
     * @param clusterCpuBlocks blocks of the cluster's CPU tier (used by {@link Policy#SPILLWAY} only)
     * @param clusterNvmeBlocks blocks of its NVMe tier
     */
    public VirtualRun(Workload workload, Policy policy, String load, int podCount, EngineParams params,
                      int clusterCpuBlocks, int clusterNvmeBlocks, long seed) {
        if (podCount < 1) {
            throw new IllegalArgumentException("pods must be >= 1, got " + podCount);
        }
        this.workload = workload;
        this.policy = policy;
        this.load = load;
        boolean precise = policy == Policy.PRECISE || policy == Policy.SPILLWAY;
        boolean tiers = policy == Policy.SPILLWAY;
        long keys = (long) podCount * params.gpuBlocks() + (tiers ? (long) clusterCpuBlocks + clusterNvmeBlocks : 0);
        this.index = precise ? new BlockLocationIndex(keys + 1, keys + 1) : null;
        this.gpuIds = new int[podCount];
        SimCluster cluster = tiers ? new SimCluster(clusterCpuBlocks, clusterNvmeBlocks, this, params.costs(), clock)
            : null;
        for (int p = 0; p < podCount; p++) {
            pods.add(new SimPod(p, params, cluster, precise ? this : BlockEvents.NONE, clock, this));
            gpuIds[p] = precise ? index.location(Location.pod(SimPod.podId(p), Medium.GPU)) : 0;
        }
        this.cpuId = tiers ? index.location(Location.node("cluster", Medium.CPU)) : 0;
        this.nvmeId = tiers ? index.location(Location.node("cluster", Medium.NVME)) : 0;
        this.router = SimRouter.of(policy, workload.space(), index, podCount, params.costs(), seed);
        this.ttft = new long[workload.requests().size()];
    }

    public RunResult run() {
        List<SimRequest> requests = workload.requests();
        for (int i = 0; i < requests.size(); i++) {
            int r = i;
            clock.at(requests.get(i).arrivalNanos(), now -> arrive(r, now));
        }
        clock.run();
        long[] sorted = ttft.clone();
        Arrays.sort(sorted);
        long first = requests.isEmpty() ? 0 : requests.get(0).arrivalNanos();
        double span = Math.max(1, lastFinish - first) / 1e9;
        double mean = Arrays.stream(sorted).average().orElse(0) / 1e6;
        return new RunResult(policy, load, requests.size(), workload.inputTokens(), gpuHits, cpuHits, nvmeHits, mean,
            percentile(sorted, 0.50), percentile(sorted, 0.90), percentile(sorted, 0.99), outputTokens / span,
            requests.isEmpty() ? 0 : queueSum / requests.size(), span);
    }

    private void arrive(int r, long now) {
        SimRequest request = workload.requests().get(r);
        int waiting = 0;
        for (SimPod pod : pods) {
            waiting += pod.waiting();
        }
        queueSum += waiting / (double) pods.size();
        views.clear();
        for (SimPod p : pods) {
            views.add(p.view());
        }
        int pod = router.route(request, views);
        pods.get(pod).submit(new SimPod.Seq(request, r), now);
    }

    /** The {@code q} quantile of nanosecond values, in milliseconds. */
    static double percentile(long[] sorted, double q) {
        if (sorted.length == 0) {
            return 0;
        }
        int at = (int) Math.min(sorted.length - 1, Math.ceil(q * sorted.length) - 1);
        return sorted[Math.max(0, at)] / 1e6;
    }

    @Override
    public void firstToken(SimPod.Seq seq, long now) {
        ttft[seq.requestIndex] = now - seq.request.arrivalNanos();
        router.answered(seq.request, now);
        gpuHits += seq.gpuHitTokens;
        cpuHits += seq.cpuHitTokens;
        nvmeHits += seq.nvmeHitTokens;
    }

    @Override
    public void finished(SimPod.Seq seq, long now) {
        outputTokens += seq.request.outputTokens();
        lastFinish = Math.max(lastFinish, now);
    }

    @Override
    public void stored(int pod, int block) {
        index.add(workload.space().hi(block), workload.space().lo(block), gpuIds[pod]);
    }

    @Override
    public void removed(int pod, int block) {
        index.remove(workload.space().hi(block), workload.space().lo(block), gpuIds[pod]);
    }

    @Override
    public void clusterStored(Medium tier, int block) {
        index.add(workload.space().hi(block), workload.space().lo(block), tier == Medium.NVME ? nvmeId : cpuId);
    }

    @Override
    public void clusterRemoved(Medium tier, int block) {
        index.remove(workload.space().hi(block), workload.space().lo(block), tier == Medium.NVME ? nvmeId : cpuId);
    }
}
