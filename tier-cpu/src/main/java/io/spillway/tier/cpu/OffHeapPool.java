package io.spillway.tier.cpu;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.PoolArenaMetric;
import io.netty.buffer.PooledByteBufAllocator;
import io.spillway.key.BlockKey;
import java.nio.ByteBuffer;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The tier's off-heap memory: a dedicated pooled direct allocator (no thread caches, so freed memory goes straight
 * back to its arena) behind a hard byte cap. Bytes are reserved before a buffer is allocated and given back only
 * when the buffer is really released, so {@link #allocatedBytes()} never exceeds {@link #capacityBytes()}.
 */
final class OffHeapPool {
    static final int PAGE_SIZE = 8192;
    private static final ByteBuffer EMPTY = ByteBuffer.allocateDirect(0).asReadOnlyBuffer();

    private final PooledByteBufAllocator allocator;
    private final long capacityBytes;
    private final AtomicLong allocatedBytes = new AtomicLong();

    OffHeapPool(long capacityBytes, int arenas, int chunkBytes) {
        int maxOrder = Integer.numberOfTrailingZeros(chunkBytes / PAGE_SIZE);
        this.allocator = new PooledByteBufAllocator(true, 0, arenas, PAGE_SIZE, maxOrder, 0, 0, false, 0);
        this.capacityBytes = capacityBytes;
    }

    /**
     * Reserves {@code length} bytes (more than 0) under the cap and allocates a buffer of exactly that capacity;
     * the bytes stay reserved until the buffer is given back through {@link #free}.
     *
     * @return the buffer (writer index 0), or {@code null} when the bytes do not fit under the cap now
     * @throws OutOfMemoryError when the JVM's direct memory limit is lower than the cap
     */
    ByteBuf allocate(int length) {
        if (!tryReserve(length)) {
            return null;
        }
        try {
            return allocator.directBuffer(length, length);
        } catch (Throwable t) {
            allocatedBytes.addAndGet(-length);
            throw t;
        }
    }

    /** A zero-length block: it holds no memory. */
    Block emptyBlock(BlockKey namespace, BlockKey key, int crc32c) {
        return new Block(namespace, key, crc32c, null, EMPTY, this);
    }

    private boolean tryReserve(int length) {
        long current;
        do {
            current = allocatedBytes.get();
            if (current + length > capacityBytes) {
                return false;
            }
        } while (!allocatedBytes.compareAndSet(current, current + length));
        return true;
    }

    void free(ByteBuf buf, int length) {
        if (buf != null) {
            buf.release();
            allocatedBytes.addAndGet(-length);
        }
    }

    long capacityBytes() {
        return capacityBytes;
    }

    long allocatedBytes() {
        return allocatedBytes.get();
    }

    /** Direct memory the pool's arenas hold from the operating system (chunks, used or cached). */
    long pooledBytes() {
        return allocator.metric().usedDirectMemory();
    }

    /** Buffers allocated and not yet released, counted by the arenas themselves. */
    long activeAllocations() {
        long active = 0;
        for (PoolArenaMetric arena : allocator.metric().directArenas()) {
            active += arena.numActiveAllocations();
        }
        return active;
    }
}
