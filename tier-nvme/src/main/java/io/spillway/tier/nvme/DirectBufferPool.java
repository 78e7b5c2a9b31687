package io.spillway.tier.nvme;

import java.nio.ByteBuffer;
import java.util.Queue;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.LongAdder;

/**
 * Direct buffers for the read and write paths, so a block's bytes never pass through a heap array. Capacities are
 * rounded up to 64 KiB, so blocks of one size (the usual case: one namespace, one block size) share one class.
 * Released buffers are kept up to {@code maxRetainedBytes}; past that they are left to the collector.
 */
final class DirectBufferPool {
    static final int GRANULE = 64 * 1024;

    private final long maxRetainedBytes;
    private final ConcurrentHashMap<Integer, Queue<ByteBuffer>> free = new ConcurrentHashMap<>();
    private final AtomicLong retainedBytes = new AtomicLong();
    private final LongAdder allocations = new LongAdder();

    DirectBufferPool(long maxRetainedBytes) {
        this.maxRetainedBytes = maxRetainedBytes;
    }

    /** A cleared direct buffer of at least {@code minCapacity} bytes; give it back with {@link #release}. */
    ByteBuffer acquire(int minCapacity) {
        int capacity = capacityFor(minCapacity);
        Queue<ByteBuffer> queue = free.get(capacity);
        ByteBuffer buffer = queue == null ? null : queue.poll();
        if (buffer != null) {
            retainedBytes.addAndGet(-capacity);
            return buffer.clear();
        }
        allocations.increment();
        return ByteBuffer.allocateDirect(capacity);
    }

    void release(ByteBuffer buffer) {
        int capacity = buffer.capacity();
        if (capacity != capacityFor(capacity)) {
            throw new IllegalArgumentException("buffer of " + capacity + " bytes did not come from this pool");
        }
        if (retainedBytes.addAndGet(capacity) > maxRetainedBytes) {
            retainedBytes.addAndGet(-capacity);
            return;
        }
        free.computeIfAbsent(capacity, c -> new ConcurrentLinkedQueue<>()).offer(buffer);
    }

    /** Buffers allocated so far (not taken from the pool). */
    long allocations() {
        return allocations.sum();
    }

    long retainedBytes() {
        return retainedBytes.get();
    }

    static int capacityFor(int minCapacity) {
        if (minCapacity < 0 || minCapacity > Integer.MAX_VALUE - GRANULE) {
            throw new IllegalArgumentException("buffer capacity out of range: " + minCapacity);
        }
        int c = Math.max(minCapacity, 1);
        return (c + GRANULE - 1) / GRANULE * GRANULE;
    }
}
