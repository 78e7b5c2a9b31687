package io.spillway.perf.eval.sidebyside;

import java.time.Duration;

/**
 * The simulated pods' settings, the same for both routers. Time to first token follows the sim's per-token model
 * ({@code --time-to-first-token} left at 0): {@code prefillOverhead + (prompt tokens - cached tokens) ×
 * prefillPerToken}, so a prefix the pod still holds shortens it and a miss pays for every token; up to
 * {@code maxNumSeqs} requests run at once on a pod, the rest wait; the pod's KV cache holds {@code kvCacheBlocks}
 * blocks of {@link #BLOCK} tokens (LRU), so a pod that is sent everything evicts.
 */
record SimSettings(String model, Duration prefillPerToken, Duration prefillOverhead, Duration interTokenLatency,
                   int maxNumSeqs, int kvCacheBlocks, int maxModelLen) {
    static final int BLOCK = 16;

    SimSettings {
        if (prefillPerToken.isNegative() || prefillOverhead.isNegative() || interTokenLatency.isNegative()) {
            throw new IllegalArgumentException("negative sim latency");
        }
        if (maxNumSeqs < 1 || kvCacheBlocks < 1 || maxModelLen < BLOCK) {
            throw new IllegalArgumentException("maxNumSeqs " + maxNumSeqs + ", kvCacheBlocks " + kvCacheBlocks
                + ", maxModelLen " + maxModelLen + ": each must be positive (maxModelLen at least a block)");
        }
    }

    String describe() {
        return "prefill " + prefillPerToken.toNanos() / 1_000 + " µs/token + " + prefillOverhead.toMillis()
            + " ms overhead, inter-token " + interTokenLatency.toMillis() + " ms, max-num-seqs " + maxNumSeqs
            + ", KV cache " + kvCacheBlocks + " blocks of " + BLOCK + " tokens, max-model-len " + maxModelLen;
    }
}
