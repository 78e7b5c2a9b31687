package io.spillway.perf.sim;

import java.util.Arrays;

/**
 * One request of a prefix trace: its prompt length and its prefix chain, one id per {@link #HASH_BLOCK_TOKENS}-token
 * block (the last block may be partial). Equal ids mean the same prefix block.
 */
public record TraceRequest(int inputTokens, int[] hashIds) {
    /** Tokens named by one hash id, as in the Mooncake trace. */
    public static final int HASH_BLOCK_TOKENS = 512;

    public TraceRequest {
        if (inputTokens < 0) {
            throw new IllegalArgumentException("inputTokens " + inputTokens + " < 0");
        }
        long need = ((long) inputTokens + HASH_BLOCK_TOKENS - 1) / HASH_BLOCK_TOKENS;
        if (hashIds.length != need) {
            throw new IllegalArgumentException("hashIds.length " + hashIds.length + " != ceil(" + inputTokens + " / "
                + HASH_BLOCK_TOKENS + ") = " + need);
        }
        for (int id : hashIds) {
            if (id < 0) {
                throw new IllegalArgumentException("hash id " + id + " < 0");
            }
        }
        hashIds = hashIds.clone();
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof TraceRequest r && r.inputTokens == inputTokens && Arrays.equals(r.hashIds, hashIds);
    }

    @Override
    public int hashCode() {
        return 31 * inputTokens + Arrays.hashCode(hashIds);
    }

    @Override
    public String toString() {
        return "TraceRequest[inputTokens=" + inputTokens + ", hashIds=" + Arrays.toString(hashIds) + "]";
    }
}
