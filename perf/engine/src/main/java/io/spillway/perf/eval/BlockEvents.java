package io.spillway.perf.eval;

import io.spillway.placement.index.Medium;

/**
 * Where blocks come and go in a simulated run, as the engines' and nodes' KV events would tell a router: what
 * the precise policies' index is fed from. Block ids are {@link BlockSpace} ids.
 */
interface BlockEvents {
    BlockEvents NONE = new BlockEvents() {
        @Override
        public void stored(int pod, int block) {
        }

        @Override
        public void removed(int pod, int block) {
        }

        @Override
        public void clusterStored(Medium tier, int block) {
        }

        @Override
        public void clusterRemoved(Medium tier, int block) {
        }
    };

    /** Pod {@code pod}'s GPU holds {@code block} (vLLM's BlockStored). */
    void stored(int pod, int block);

    /** Pod {@code pod}'s GPU dropped {@code block} (BlockRemoved). */
    void removed(int pod, int block);

    /** The cluster's {@code tier} (CPU or NVMe) holds {@code block}. */
    void clusterStored(Medium tier, int block);

    void clusterRemoved(Medium tier, int block);
}
