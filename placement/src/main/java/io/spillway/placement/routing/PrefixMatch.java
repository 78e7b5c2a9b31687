package io.spillway.placement.routing;

import java.util.Arrays;

/**
 * Where a request's leading blocks are, per candidate pod and in the cluster: for each pod, the run of leading
 * blocks in its GPU and the run in any of its own media (GPU or its local offload); for the cluster, the run of
 * leading blocks some node holds, and for each of them the best tier holding it (CPU before NVMe). Filled by a
 * {@link PrefixMatcher}; reused from request to request.
 */
public final class PrefixMatch {
    int blocks;
    int pods;
    int[] gpuRun = new int[0];
    int[] podRun = new int[0];
    int clusterRun;
    /** Cluster blocks among the first k that some node holds in its CPU tier: {@code cpuPrefix[k]}. */
    int[] cpuPrefix = new int[1];

    void reset(int blockCount, int podCount) {
        blocks = blockCount;
        pods = podCount;
        if (gpuRun.length < podCount) {
            gpuRun = new int[podCount];
            podRun = new int[podCount];
        }
        Arrays.fill(gpuRun, 0, podCount, 0);
        Arrays.fill(podRun, 0, podCount, 0);
        if (cpuPrefix.length < blockCount + 1) {
            cpuPrefix = new int[blockCount + 1];
        }
        cpuPrefix[0] = 0;
        clusterRun = 0;
    }

    /** Blocks in the request. */
    public int blocks() {
        return blocks;
    }

    /** Candidate pods matched. */
    public int pods() {
        return pods;
    }

    /** Leading blocks in pod {@code i}'s GPU. */
    public int gpuBlocks(int i) {
        return gpuRun[i];
    }

    /** Leading blocks in any of pod {@code i}'s own media (at least {@link #gpuBlocks}). */
    public int podBlocks(int i) {
        return podRun[i];
    }

    /** Leading blocks some cluster node holds. */
    public int clusterBlocks() {
        return clusterRun;
    }

    /** Of the cluster's leading blocks from {@code from} to {@code to}, those the CPU tier holds (the rest: NVMe). */
    public int clusterCpuBlocks(int from, int to) {
        return cpuPrefix[to] - cpuPrefix[from];
    }

    /**
     * The prompt tokens pod {@code i} need not prefill, GPU hits at full worth, its own offload and the cluster's
     * blocks beyond what it holds valued by {@code model} (net of their load time); at most the prompt.
     */
    public double hitTokens(int i, RoutingRequest request, TransferCostModel model) {
        int gpu = gpuRun[i];
        int own = Math.max(gpu, podRun[i]);
        double tokens = (double) gpu * request.tokensPerBlock() + model.netTokens(own - gpu, 0);
        if (clusterRun > own) {
            int cpu = clusterCpuBlocks(own, clusterRun);
            tokens += model.netTokens(cpu, clusterRun - own - cpu);
        }
        return Math.min(tokens, request.promptTokens());
    }
}
