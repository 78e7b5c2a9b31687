package io.spillway.perf.eval;

/**
 * The Spillway cluster as a simulated pod uses it, through its KV connector: look up what follows a prompt's GPU
 * hits and load it when that beats prefilling it, and offload the blocks the GPU evicts. {@link SimCluster} models
 * it in virtual time; {@link KvClusterTiers} is the real cluster through kv-client.
 */
interface ClusterTiers {
    /** Told on the pod's clock how many blocks were loaded from each tier (0 and 0 when none). */
    interface Loaded {
        void loaded(int cpuBlocks, int nvmeBlocks, long now);
    }

    /**
     * Looks up {@code blocks[from..]}, and loads their leading run the cluster holds if loading it is worth it;
     * then tells {@code done}, on the pod's clock: later, or at once (within this call) when the answer is at hand.
     */
    void fetch(int[] blocks, int from, Loaded done);

    /** The pod evicted {@code block}: the cluster keeps it. */
    void offload(int block);
}
