package io.spillway.tier.cpu;

import io.spillway.key.BlockKey;
import io.spillway.tier.BlockHandle;
import io.spillway.tier.TierKind;
import java.nio.ByteBuffer;
import java.util.concurrent.atomic.AtomicBoolean;

/** A handle holding one reference on a {@link Block}; closing it more than once is harmless. */
final class PinnedBlockHandle implements BlockHandle {
    private final Block block;
    private final ByteBuffer data;
    private final AtomicBoolean closed = new AtomicBoolean();

    /** Wraps a block the caller has already pinned. */
    PinnedBlockHandle(Block block) {
        this.block = block;
        this.data = block.view();
    }

    @Override
    public BlockKey namespace() {
        return block.namespace;
    }

    @Override
    public BlockKey key() {
        return block.key;
    }

    /**
     * {@inheritDoc}
     *
     * @throws IllegalStateException once the handle is closed: the memory may belong to another block by then
     */
    @Override
    public ByteBuffer data() {
        if (closed.get()) {
            throw new IllegalStateException("handle on block " + block.key + " is closed");
        }
        return data;
    }

    @Override
    public int length() {
        return block.length;
    }

    @Override
    public int crc32c() {
        return block.crc32c;
    }

    @Override
    public TierKind tier() {
        return TierKind.CPU;
    }

    @Override
    public void close() {
        if (closed.compareAndSet(false, true)) {
            block.unpin();
        }
    }
}
