package io.spillway.tier.cpu;

import io.spillway.key.BlockKey;
import java.util.List;
import java.util.function.Consumer;

/**
 * The CPU tier's index of resident blocks, bounded by weight in bytes ({@link #weigh}); the {@link CpuEvictionPolicy}
 * picks the blocks evicted when a put takes it over its maximum. The index holds one reference on each block and
 * hands it to the eviction listener with the evicted block, or to the caller of a successful remove.
 *
 * <p>The listener runs on the thread whose put caused the eviction, before that put returns, and atomically with
 * the removal as far as other index operations can tell: it must not call back into the index. The tier's listener
 * only offers the block to the lock-free {@link DemotionQueue} or drops a reference, so it cannot deadlock.
 */
interface BlockIndex {
    /** The block of this key, or null; counts as an access (LRU: the block becomes most recently used). */
    Block getAndTouch(BlockKey key);

    /** Whether the index holds the key; not an access. */
    boolean contains(BlockKey key);

    /**
     * Whether the index holds the key, for a put of that key (answered "present"). Where the policy counts a write
     * as an access (LRU, as the trace simulator models it) the block becomes most recently used; W-TinyLFU records
     * nothing, as before the policies were split.
     */
    boolean touchIfPresent(BlockKey key);

    /**
     * Stores the block unless its key is present, then evicts down to the maximum weight.
     *
     * @return true when the block was stored (it may already have been evicted again), false when its key was held
     */
    boolean putIfAbsent(Block block);

    /** Removes and returns the block of this key, or null; the caller takes over its reference. */
    Block remove(BlockKey key);

    /** Removes this exact block if it is still indexed; true when it did (the caller takes over its reference). */
    boolean remove(BlockKey key, Block block);

    /**
     * A snapshot of the indexed blocks, hottest first as far as the policy orders them (LRU: most recently used
     * first; W-TinyLFU: Caffeine's hottest order). Not an access, and the blocks are not pinned: a caller must
     * {@link Block#tryPin} before reading one.
     */
    List<Block> hottestFirst();

    /** A snapshot of the keys, for close and flush to remove one by one. */
    List<BlockKey> keys();

    /** Runs pending maintenance (eviction) now; a no-op where eviction is never deferred. */
    void cleanUp();

    /** The indexed blocks' total weight ({@link #weigh}), as the policy last accounted it. */
    long weight();

    /** A block's weight: its length in bytes, and 1 for an empty block. */
    static long weigh(Block block) {
        return Math.max(1, block.length);
    }

    /** An index of at most {@code maxWeight} bytes ordered by {@code policy}, calling {@code onEviction}. */
    static BlockIndex create(CpuEvictionPolicy policy, long maxWeight, Consumer<Block> onEviction) {
        switch (policy) {
            case LRU:
                return new LruBlockIndex(maxWeight, onEviction);
            case W_TINYLFU:
                return new CaffeineBlockIndex(maxWeight, onEviction);
            default:
                throw new IllegalArgumentException("unknown eviction policy " + policy);
        }
    }
}
