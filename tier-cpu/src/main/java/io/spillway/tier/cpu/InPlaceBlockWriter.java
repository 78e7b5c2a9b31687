package io.spillway.tier.cpu;

import io.netty.buffer.ByteBuf;
import io.spillway.key.BlockKey;
import io.spillway.protocol.ErrorCode;
import io.spillway.tier.BlockWriter;
import java.nio.ByteBuffer;
import java.util.concurrent.atomic.LongAdder;

/**
 * A block reserved in the {@link CpuTier}: its off-heap buffer is allocated and counted against the cap, and
 * {@link #target()} is a writable view of that very memory. Commit wraps the buffer in a {@link Block} and hands it
 * to the tier's index; abort gives it back to the pool. Used by one thread at a time.
 */
final class InPlaceBlockWriter implements BlockWriter {
    private final CpuTier tier;
    private final OffHeapPool pool;
    private final BlockKey namespace;
    private final BlockKey key;
    private final LongAdder counter;
    private final ByteBuf buf;
    private final ByteBuffer target;
    private boolean ended;

    /** Takes over {@code buf} (reserved in pool, or null for a zero-length block). */
    InPlaceBlockWriter(CpuTier tier, OffHeapPool pool, BlockKey namespace, BlockKey key, ByteBuf buf,
                       LongAdder counter) {
        this.tier = tier;
        this.pool = pool;
        this.namespace = namespace;
        this.key = key;
        this.counter = counter;
        this.buf = buf;
        this.target = buf == null ? ByteBuffer.allocate(0) : buf.nioBuffer(0, buf.capacity());
    }

    @Override
    public ErrorCode status() {
        return ErrorCode.OK;
    }

    @Override
    public ByteBuffer target() {
        return target;
    }

    @Override
    public ErrorCode commit(int crc32c) {
        if (ended) {
            throw new IllegalStateException("writer of block " + key + " is already committed or aborted");
        }
        if (target.position() != target.capacity()) {
            throw new IllegalStateException("block " + key + ": " + target.position() + " of " + target.capacity()
                + " bytes written");
        }
        ended = true;
        Block block = buf == null ? pool.emptyBlock(namespace, key, crc32c)
            : new Block(namespace, key, crc32c, buf, pool);
        return tier.insert(block, counter);
    }

    @Override
    public void abort() {
        if (!ended) {
            ended = true;
            pool.free(buf, target.capacity());
        }
    }

    @Override
    public String toString() {
        return "InPlaceBlockWriter{key=" + key + ", written=" + target.position() + "/" + target.capacity()
            + (ended ? ", ended" : "") + "}";
    }
}
