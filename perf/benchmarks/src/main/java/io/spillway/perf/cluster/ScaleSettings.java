package io.spillway.perf.cluster;

import io.spillway.config.Sizes;
import java.util.List;

/**
 * The shape of a scaling run: the cluster sizes to compare, the replication factor (capped at each size), the load
 * (block size, batch, put share, client threads) and the phases (warm-up once per cluster, then {@code rounds}
 * measured windows of {@code seconds} per cluster, interleaved).
 */
record ScaleSettings(List<Integer> nodeCounts, int replication, int blockBytes, int batch, double putShare,
                     int threads, int warmupSeconds, int seconds, int rounds, String cpuCapacity, long seed,
                     List<String> nodeSettings) {
    ScaleSettings {
        nodeCounts = List.copyOf(nodeCounts);
        nodeSettings = List.copyOf(nodeSettings);
        if (nodeCounts.isEmpty() || nodeCounts.stream().anyMatch(n -> n < 1 || n > 16)
            || nodeCounts.stream().distinct().count() != nodeCounts.size()) {
            throw new IllegalArgumentException("node counts must be distinct, each 1..16, got " + nodeCounts);
        }
        if (replication < 1) {
            throw new IllegalArgumentException("replication must be at least 1, got " + replication);
        }
        if (blockBytes < 8 || batch < 1 || threads < 1 || putShare <= 0 || putShare >= 1) {
            throw new IllegalArgumentException("bad load: block " + blockBytes + ", batch " + batch + ", threads "
                + threads + ", put share " + putShare);
        }
        if (warmupSeconds < 0 || seconds < 1 || rounds < 1) {
            throw new IllegalArgumentException("bad phases: warm-up " + warmupSeconds + " s, " + rounds + " x "
                + seconds + " s");
        }
    }

    /** The replication factor a cluster of {@code nodes} runs with: at most one copy per node. */
    int replicationFor(int nodes) {
        return Math.min(replication, nodes);
    }

    /**
     * Blocks in each worker's key space: all workers together write half of one node's CPU tier, so that every
     * cluster size serves the same working set from memory (the one-node cluster too).
     */
    int keysPerWorker() {
        long workingSet = Sizes.parse("cpu capacity", cpuCapacity) / 2;
        return (int) Math.max(batch, workingSet / blockBytes / threads);
    }
}
