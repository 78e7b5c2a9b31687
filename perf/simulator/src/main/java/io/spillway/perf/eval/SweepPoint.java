package io.spillway.perf.eval;

/**
 * One run of the bandwidth and prefill sweep, as a plain record that a report can draw.
 *
 * @param workload   the workload's name
 * @param load       the load's label
 * @param prefillTokensPerSecond the pods' prefill rate
 * @param clusterGbps the cluster's load bandwidth into a pod (CPU tier; NVMe bounded by it); NaN for policies that
 *                   never load from the cluster (their run does not depend on it)
 * @param result     what the policy did
 */
public record SweepPoint(String workload, String load, double prefillTokensPerSecond, double clusterGbps,
                         RunResult result) {
    public Policy policy() {
        return result.policy();
    }

    public boolean loadsFromCluster() {
        return !Double.isNaN(clusterGbps);
    }
}
