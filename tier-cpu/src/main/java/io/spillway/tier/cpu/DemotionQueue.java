package io.spillway.tier.cpu;

import io.spillway.key.BlockKey;
import java.util.Queue;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Consumer;

/**
 * Evicted blocks waiting for the demotion agent, in eviction order, and readable by key meanwhile. The map is the
 * truth: a block is pending while the map holds it; the FIFO may still hold blocks removed since, which the agent
 * skips. Many producers (evictions), one consumer (the agent).
 *
 * <p>Its length is bounded by admission: the tier refuses puts while {@link #size()} has reached the configured
 * bound, and memory is bounded in any case by the pool's byte cap, since every pending block keeps its bytes.
 */
final class DemotionQueue {
    private final ConcurrentHashMap<BlockKey, Block> pending = new ConcurrentHashMap<>();
    private final Queue<Block> fifo = new ConcurrentLinkedQueue<>();
    private final AtomicInteger size = new AtomicInteger();

    /** Queues a block; refuses (returns false) when a block of the same key is already pending. */
    boolean offer(Block block) {
        size.incrementAndGet(); // before the map, so a racing remove never takes the count below 0
        if (pending.putIfAbsent(block.key, block) != null) {
            size.decrementAndGet();
            return false;
        }
        fifo.offer(block);
        return true;
    }

    /** The pending block of this key, or null. */
    Block get(BlockKey key) {
        return pending.get(key);
    }

    boolean contains(BlockKey key) {
        return pending.containsKey(key);
    }

    /** The oldest queued block, pending or not; the agent checks with {@link #isPending}. */
    Block peek() {
        return fifo.peek();
    }

    /** Drops the head of the FIFO (only the consumer calls this). */
    void pollHead() {
        fifo.poll();
    }

    boolean isPending(Block block) {
        return pending.get(block.key) == block;
    }

    /** Stops this exact block from being pending; true when this call did (the caller then owns its reference). */
    boolean remove(Block block) {
        if (pending.remove(block.key, block)) {
            size.decrementAndGet();
            return true;
        }
        return false;
    }

    /** Stops whatever block of this key is pending; returns it (the caller then owns its reference) or null. */
    Block remove(BlockKey key) {
        Block block = pending.get(key);
        return block != null && remove(block) ? block : null;
    }

    /** Removes every pending block, handing each one's reference to {@code release}. */
    void drain(Consumer<Block> release) {
        for (Block block : pending.values()) {
            if (remove(block)) {
                release.accept(block);
            }
        }
        fifo.clear();
    }

    int size() {
        return size.get();
    }

    /** The keys pending now (weakly consistent with concurrent offers and removes). */
    Set<BlockKey> keys() {
        return pending.keySet();
    }
}
