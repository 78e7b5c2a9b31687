package io.spillway.perf.sim;

/**
 * What one policy achieved on one trace: prefix-hit tokens over input tokens, and prefix-hit blocks (of the
 * simulated block size) over all block references.
 */
public record SimResult(String policy, long capacityBlocks, long hitTokens, long inputTokens, long hitBlocks,
                        long blockRefs) {
    public double tokenHitRatio() {
        return inputTokens == 0 ? 0 : (double) hitTokens / inputTokens;
    }

    public double blockHitRatio() {
        return blockRefs == 0 ? 0 : (double) hitBlocks / blockRefs;
    }
}
