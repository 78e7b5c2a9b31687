package io.spillway.perf.eval;

import io.spillway.key.BlockKey;
import io.spillway.key.BlockKeys;
import io.spillway.key.Namespace;
import io.spillway.key.RequestExtras;
import java.util.Arrays;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Block ids for live requests: a prompt's token ids are keyed by kv-client ({@link BlockKeys#chain}) and each key
 * gets a dense int id the first time it is seen, the id the simulated pod's caches hold. Each block's engine hash
 * (its key's low word), its parent's id and its tokens are kept for the pod's KV events. Thread-safe.
 */
final class LiveBlocks {
    /**
     * One block: its key, the id of the block before it (-1 for none), its tokens, and the extras it was keyed with:
     * the request's LoRA adapter (or null) and, on a request's first block, its cache salt (or null).
     */
    record Block(long hi, long lo, int parent, int[] tokens, String lora, String salt) {
        /** The engine hash its KV events give it: the key's low word. */
        long engineHash() {
            return lo;
        }

        BlockKey key() {
            return new BlockKey(hi, lo);
        }
    }

    private final Namespace namespace;
    private final ConcurrentHashMap<BlockKey, Integer> ids = new ConcurrentHashMap<>();
    private final ConcurrentHashMap<Integer, Block> blocks = new ConcurrentHashMap<>();
    private final AtomicInteger next = new AtomicInteger();

    LiveBlocks(Namespace namespace) {
        this.namespace = namespace;
    }

    /** The ids of the prompt's full blocks, in order. */
    int[] blocksOf(int[] tokens) {
        return blocksOf(tokens, RequestExtras.NONE);
    }

    /** The ids of the prompt's full blocks keyed with the request's extras (an adapter, a salt), in order. */
    int[] blocksOf(int[] tokens, RequestExtras extras) {
        BlockKey[] keys = BlockKeys.chain(namespace, tokens, extras);
        int[] blocks = new int[keys.length];
        for (int b = 0; b < keys.length; b++) {
            int parent = b == 0 ? -1 : blocks[b - 1];
            int offset = b * BlockSpace.TOKENS_PER_BLOCK;
            blocks[b] = ids.computeIfAbsent(keys[b], k -> {
                int id = next.getAndIncrement();
                this.blocks.put(id, new Block(k.hi(), k.lo(), parent, Arrays.copyOfRange(tokens,
                    offset, offset + BlockSpace.TOKENS_PER_BLOCK), extras.lora().isEmpty() ? null : extras.lora(),
                    offset > 0 || extras.cacheSalt().isEmpty() ? null : extras.cacheSalt()));
                return id;
            });
        }
        return blocks;
    }

    /** What the events say of block {@code id}. */
    Block block(int id) {
        return blocks.get(id);
    }
}
