package io.spillway.perf.eval;

import java.util.List;

/**
 * What one policy did on one workload at one load.
 *
 * @param policy          the policy
 * @param load            the load's label (e.g. "2x" or "12 qps")
 * @param requests        requests served
 * @param inputTokens     their prompt tokens
 * @param gpuHitTokens    prompt tokens found in the chosen pod's GPU cache
 * @param cpuHitTokens    prompt tokens loaded from the cluster's CPU tier
 * @param nvmeHitTokens   prompt tokens loaded from the cluster's NVMe tier
 * @param ttftMeanMillis  time to first token, the mean over all requests
 * @param ttftP50Millis   time to first token, percentiles over all requests
 * @param ttftP90Millis   .
 * @param ttftP99Millis   .
 * @param outputTokensPerSecond output tokens over the run's span (first arrival to last completion)
 * @param meanQueue       waiting requests per pod, averaged over arrivals; NaN where not observed (live, no router)
 * @param spanSeconds     virtual seconds from the first arrival to the last completion
 */
public record RunResult(Policy policy, String load, int requests, long inputTokens, long gpuHitTokens,
                        long cpuHitTokens, long nvmeHitTokens, double ttftMeanMillis, double ttftP50Millis,
                        double ttftP90Millis,
                        double ttftP99Millis, double outputTokensPerSecond, double meanQueue, double spanSeconds) {
    public long hitTokens() {
        return gpuHitTokens + cpuHitTokens + nvmeHitTokens;
    }

    public double hitRate() {
        return inputTokens == 0 ? 0 : hitTokens() / (double) inputTokens;
    }

    /**
     * {@code result} (whose hit tokens are the pods' reported cached tokens, all counted as GPU hits) with the
     * tokens {@code engines} loaded from the cluster's tiers moved to the CPU and NVMe columns.
     */
    static RunResult withClusterHits(RunResult result, List<EngineServer> engines) {
        long cpu = engines.stream().mapToLong(EngineServer::clusterCpuHitTokens).sum();
        long nvme = engines.stream().mapToLong(EngineServer::clusterNvmeHitTokens).sum();
        return new RunResult(result.policy(), result.load(), result.requests(), result.inputTokens(),
            result.gpuHitTokens() - cpu - nvme, cpu, nvme, result.ttftMeanMillis(), result.ttftP50Millis(),
            result.ttftP90Millis(), result.ttftP99Millis(), result.outputTokensPerSecond(), result.meanQueue(),
            result.spanSeconds());
    }
}
