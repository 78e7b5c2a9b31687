package io.spillway.tier.cpu;

import io.spillway.key.BlockKey;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.Consumer;

/**
 * {@link CpuEvictionPolicy#LRU}: exact least-recently-used order, weighed in bytes. One lock around a
 * {@link LinkedHashMap} in access order; a put evicts the least recently used blocks while the total weight exceeds
 * the maximum, before it returns. A block heavier than the maximum on its own is evicted at once and nothing else.
 *
 * <p>One lock is enough at the tier's rates: every operation guards a copy of 64 KiB to 2 MiB, and the lock is held
 * for the map operation only, plus, for each block a put evicts, the eviction listener's hand-off. The listener runs
 * under the lock so that an evicted block is never in neither the index nor the demotion queue (a concurrent
 * {@code contains}, {@code remove} or put of its key sees it in one or the other, as with Caffeine); it cannot
 * deadlock because it never calls back into the index and what it calls never waits for this lock.
 */
final class LruBlockIndex implements BlockIndex {
    private final ReentrantLock lock = new ReentrantLock();
    private final LinkedHashMap<BlockKey, Block> blocks = new LinkedHashMap<>(256, 0.75f, true);
    private final long maxWeight;
    private final Consumer<Block> onEviction;
    private long weight;

    LruBlockIndex(long maxWeight, Consumer<Block> onEviction) {
        if (maxWeight <= 0) {
            throw new IllegalArgumentException("maxWeight must be > 0, got " + maxWeight);
        }
        this.maxWeight = maxWeight;
        this.onEviction = onEviction;
    }

    @Override
    public Block getAndTouch(BlockKey key) {
        lock.lock();
        try {
            return blocks.get(key);
        } finally {
            lock.unlock();
        }
    }

    @Override
    public boolean contains(BlockKey key) {
        lock.lock();
        try {
            return blocks.containsKey(key); // not an access in a LinkedHashMap
        } finally {
            lock.unlock();
        }
    }

    @Override
    public boolean touchIfPresent(BlockKey key) {
        return getAndTouch(key) != null;
    }

    @Override
    public boolean putIfAbsent(Block block) {
        long w = BlockIndex.weigh(block);
        lock.lock();
        try {
            if (blocks.containsKey(block.key)) {
                return false;
            }
            if (w > maxWeight) {
                onEviction.accept(block); // admitted and evicted at once; the rest stays
                return true;
            }
            blocks.put(block.key, block);
            weight += w;
            evictOverflow();
            return true;
        } finally {
            lock.unlock();
        }
    }

    /** Evicts least recently used blocks (the map's head) until the weight fits; the lock is held. */
    private void evictOverflow() {
        Iterator<Block> eldestFirst = blocks.values().iterator();
        while (weight > maxWeight && eldestFirst.hasNext()) {
            Block victim = eldestFirst.next();
            eldestFirst.remove();
            weight -= BlockIndex.weigh(victim);
            onEviction.accept(victim);
        }
    }

    @Override
    public Block remove(BlockKey key) {
        lock.lock();
        try {
            Block block = blocks.remove(key);
            if (block != null) {
                weight -= BlockIndex.weigh(block);
            }
            return block;
        } finally {
            lock.unlock();
        }
    }

    @Override
    public boolean remove(BlockKey key, Block block) {
        lock.lock();
        try {
            if (blocks.remove(key, block)) { // Block has identity equality
                weight -= BlockIndex.weigh(block);
                return true;
            }
            return false;
        } finally {
            lock.unlock();
        }
    }

    @Override
    public List<Block> hottestFirst() {
        List<Block> out;
        lock.lock();
        try {
            out = new ArrayList<>(blocks.values());
        } finally {
            lock.unlock();
        }
        Collections.reverse(out);
        return out;
    }

    /** {@inheritDoc} From least to most recently used. */
    @Override
    public List<BlockKey> keys() {
        lock.lock();
        try {
            return new ArrayList<>(blocks.keySet());
        } finally {
            lock.unlock();
        }
    }

    @Override
    public void cleanUp() {
        // eviction happens within each put
    }

    @Override
    public long weight() {
        lock.lock();
        try {
            return weight;
        } finally {
            lock.unlock();
        }
    }
}
