package io.spillway.tier.nvme;

import io.spillway.key.BlockKey;
import io.spillway.tier.BlockHandle;
import io.spillway.tier.TierKind;
import java.nio.ByteBuffer;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * A block read from the NVMe tier into a pooled direct buffer. The buffer is a private copy, so the handle stays
 * valid when the block is evicted or removed; {@link #close()} returns it to the pool.
 */
final class PooledBlockHandle implements BlockHandle {
    private final BlockKey namespace;
    private final BlockKey key;
    private final ByteBuffer buffer;
    private final ByteBuffer view;
    private final int crc32c;
    private final DirectBufferPool pool;
    private final AtomicBoolean closed = new AtomicBoolean();

    PooledBlockHandle(BlockKey namespace, BlockKey key, ByteBuffer buffer, int offset, int length, int crc32c,
                      DirectBufferPool pool) {
        this.namespace = namespace;
        this.key = key;
        this.buffer = buffer;
        this.view = buffer.duplicate().limit(offset + length).position(offset).slice().asReadOnlyBuffer();
        this.crc32c = crc32c;
        this.pool = pool;
    }

    @Override
    public BlockKey namespace() {
        return namespace;
    }

    @Override
    public BlockKey key() {
        return key;
    }

    @Override
    public ByteBuffer data() {
        if (closed.get()) {
            throw new IllegalStateException("handle on " + key + " is closed");
        }
        return view.duplicate();
    }

    @Override
    public int length() {
        return view.capacity();
    }

    @Override
    public int crc32c() {
        return crc32c;
    }

    @Override
    public TierKind tier() {
        return TierKind.NVME;
    }

    @Override
    public void close() {
        if (closed.compareAndSet(false, true)) {
            pool.release(buffer);
        }
    }
}
