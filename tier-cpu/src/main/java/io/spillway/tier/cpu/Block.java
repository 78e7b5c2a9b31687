package io.spillway.tier.cpu;

import io.netty.buffer.ByteBuf;
import io.spillway.key.BlockKey;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.nio.ByteBuffer;

/**
 * One block's bytes in off-heap memory, reference counted. The tier's residency (index or demotion queue) holds
 * one reference; each open handle and each demotion in flight holds one more. The memory goes back to the pool
 * when the last reference is dropped, and never earlier: {@link #tryPin()} refuses once the count has reached 0,
 * so a reader that loses the race with a free sees a miss, never freed memory.
 */
final class Block {
    private static final VarHandle REFS;

    static {
        try {
            REFS = MethodHandles.lookup().findVarHandle(Block.class, "refs", int.class);
        } catch (ReflectiveOperationException e) {
            throw new ExceptionInInitializerError(e);
        }
    }

    final BlockKey namespace;
    final BlockKey key;
    final int crc32c;
    final int length;
    private final ByteBuf buf;
    private final ByteBuffer view;
    private final OffHeapPool pool;
    @SuppressWarnings("unused") // accessed through REFS
    private volatile int refs = 1;

    /** A block owning {@code buf} (null for a zero-length block) whose {@code length} bytes are reserved in pool. */
    Block(BlockKey namespace, BlockKey key, int crc32c, ByteBuf buf, ByteBuffer view, OffHeapPool pool) {
        this.namespace = namespace;
        this.key = key;
        this.crc32c = crc32c;
        this.length = view.remaining();
        this.buf = buf;
        this.view = view;
        this.pool = pool;
    }

    /** A block owning all {@code buf}'s capacity, which is reserved in pool and already holds the bytes. */
    Block(BlockKey namespace, BlockKey key, int crc32c, ByteBuf buf, OffHeapPool pool) {
        this(namespace, key, crc32c, buf, buf.nioBuffer(0, buf.capacity()).asReadOnlyBuffer(), pool);
    }

    /** Takes one more reference unless the block is already freed; returns whether it did. */
    boolean tryPin() {
        int r;
        do {
            r = (int) REFS.getVolatile(this);
            if (r == 0) {
                return false;
            }
        } while (!REFS.compareAndSet(this, r, r + 1));
        return true;
    }

    /** Drops one reference; the last one gives the memory back to the pool. */
    void unpin() {
        int r = (int) REFS.getAndAdd(this, -1) - 1;
        if (r == 0) {
            pool.free(buf, length);
        } else if (r < 0) {
            throw new IllegalStateException("block " + key + " unpinned more often than pinned");
        }
    }

    /** A new read-only view of the bytes; valid only while a reference is held. */
    ByteBuffer view() {
        return view.duplicate();
    }

    boolean isFreed() {
        return (int) REFS.getVolatile(this) == 0;
    }

    @Override
    public String toString() {
        return "Block{key=" + key + ", length=" + length + ", refs=" + (int) REFS.getVolatile(this) + "}";
    }
}
