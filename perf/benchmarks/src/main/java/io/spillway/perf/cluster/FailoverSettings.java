package io.spillway.perf.cluster;

import io.spillway.config.Sizes;
import java.util.List;

/**
 * The shape of a failover run: cluster size and replication, the load (block size, batch, put share, threads), and
 * the phases (two-node baseline, warm-up, load before and after the SIGKILL).
 */
record FailoverSettings(int nodes, int replication, int blockBytes, int batch, double putShare, int threads,
                        int baselineSeconds, int warmupSeconds, int beforeSeconds, int afterSeconds,
                        String cpuCapacity, long failureDetectionMillis, long seed, List<String> nodeSettings) {
    FailoverSettings {
        nodeSettings = List.copyOf(nodeSettings);
        if (nodes < 3) {
            throw new IllegalArgumentException("a failover run needs at least 3 nodes, got " + nodes);
        }
        if (replication < 2 || replication > nodes - 1) {
            throw new IllegalArgumentException("replication must be in [2, nodes - 1] so no acknowledged block"
                + " depends on the killed node alone, got " + replication);
        }
        if (blockBytes < 8 || batch < 1 || threads < 1 || putShare <= 0 || putShare >= 1) {
            throw new IllegalArgumentException("bad load: block " + blockBytes + ", batch " + batch + ", threads "
                + threads + ", put share " + putShare);
        }
        if (baselineSeconds < 1 || beforeSeconds < 1 || afterSeconds < 1 || warmupSeconds < 0) {
            throw new IllegalArgumentException("phases must be at least 1 s");
        }
    }

    /**
     * Blocks in each worker's key space: all workers together write half a node's CPU tier, so that with
     * replication 2 on the two survivors (and in the two-node baseline) the working set stays in memory and the
     * baseline and the recovered cluster serve the same state.
     */
    int keysPerWorker() {
        long workingSet = Sizes.parse("cpu capacity", cpuCapacity) / 2;
        return (int) Math.max(batch, workingSet / blockBytes / threads);
    }
}
