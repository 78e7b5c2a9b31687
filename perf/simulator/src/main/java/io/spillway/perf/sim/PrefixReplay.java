package io.spillway.perf.sim;

import java.util.List;

/**
 * Replays a trace through one policy with prefix semantics: for each request, look up its blocks in order and count
 * hits only while they are contiguous from the start (stopping at the first miss, as a client reading a prefix
 * does), then insert or refresh all of its blocks in order. Output tokens are not cached.
 *
 * <p>{@code blockTokens} is the simulated block: 512 replays one block per hash id; a divisor of 512 (e.g. 16) splits
 * each hash block into {@code 512 / blockTokens} KV blocks, the last hash block into only as many as its tokens
 * need. A request's hit tokens are {@code min(hitBlocks × blockTokens, inputTokens)}.
 */
public final class PrefixReplay {
    private final int blockTokens;
    private final int split;

    public PrefixReplay(int blockTokens) {
        if (blockTokens < 1 || TraceRequest.HASH_BLOCK_TOKENS % blockTokens != 0) {
            throw new IllegalArgumentException("blockTokens " + blockTokens + " must divide "
                + TraceRequest.HASH_BLOCK_TOKENS);
        }
        this.blockTokens = blockTokens;
        this.split = TraceRequest.HASH_BLOCK_TOKENS / blockTokens;
    }

    public int blockTokens() {
        return blockTokens;
    }

    /** Simulated blocks that hold as many tokens as {@code hashBlocks} blocks of 512 tokens. */
    public long blocksFor(long hashBlocks) {
        return Math.multiplyExact(hashBlocks, (long) split);
    }

    public SimResult replay(List<TraceRequest> trace, EvictionPolicy policy, long capacityBlocks) {
        long hitTokens = 0;
        long inputTokens = 0;
        long hitBlocks = 0;
        long blockRefs = 0;
        long[] keys = new long[0];
        for (TraceRequest r : trace) {
            int n = blockCount(r);
            if (keys.length < n) {
                keys = new long[Math.max(n, keys.length * 2)];
            }
            fillKeys(r, keys);
            int hits = 0;
            while (hits < n && policy.lookup(keys[hits])) {
                hits++;
            }
            for (int i = 0; i < n; i++) {
                policy.insert(keys[i]);
            }
            hitTokens += Math.min((long) hits * blockTokens, r.inputTokens());
            inputTokens += r.inputTokens();
            hitBlocks += hits;
            blockRefs += n;
        }
        return new SimResult(policy.name(), capacityBlocks, hitTokens, inputTokens, hitBlocks, blockRefs);
    }

    private int blockCount(TraceRequest r) {
        return (r.inputTokens() + blockTokens - 1) / blockTokens;
    }

    private void fillKeys(TraceRequest r, long[] keys) {
        int[] ids = r.hashIds();
        int n = blockCount(r);
        for (int i = 0; i < n; i++) {
            keys[i] = (long) ids[i / split] * split + i % split;
        }
    }
}
