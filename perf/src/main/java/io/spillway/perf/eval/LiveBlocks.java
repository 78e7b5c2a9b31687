package io.spillway.perf.eval;

import io.spillway.key.BlockKey;
import io.spillway.key.BlockKeys;
import io.spillway.key.Namespace;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Block ids for live requests: a prompt's token ids are keyed by kv-client ({@link BlockKeys#chain}) and each key
 * gets a dense int id the first time it is seen, the id the simulated pod's caches hold. Thread-safe.
 */
final class LiveBlocks {
    private final Namespace namespace;
    private final ConcurrentHashMap<BlockKey, Integer> ids = new ConcurrentHashMap<>();
    private final AtomicInteger next = new AtomicInteger();

    LiveBlocks(Namespace namespace) {
        this.namespace = namespace;
    }

    /** The ids of the prompt's full blocks, in order. */
    int[] blocksOf(int[] tokens) {
        BlockKey[] keys = BlockKeys.chain(namespace, tokens);
        int[] blocks = new int[keys.length];
        for (int b = 0; b < keys.length; b++) {
            blocks[b] = ids.computeIfAbsent(keys[b], k -> next.getAndIncrement());
        }
        return blocks;
    }
}
