package io.spillway.tier;

import io.spillway.key.BlockKey;
import io.spillway.protocol.ErrorCode;
import java.nio.ByteBuffer;

/**
 * The default {@link BlockTier#reserve}: buffers the bytes in a direct buffer of its own and hands them to
 * {@link BlockTier#put} at commit, so the tier decides (and may still refuse) only then.
 */
final class BufferedBlockWriter implements BlockWriter {
    private final BlockTier tier;
    private final BlockKey namespace;
    private final BlockKey key;
    private ByteBuffer target;

    BufferedBlockWriter(BlockTier tier, BlockKey namespace, BlockKey key, int length) {
        if (length < 0) {
            throw new IllegalArgumentException("length " + length + " < 0");
        }
        this.tier = tier;
        this.namespace = namespace;
        this.key = key;
        this.target = ByteBuffer.allocateDirect(length);
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
        if (target == null) {
            throw new IllegalStateException("writer of block " + key + " is already committed or aborted");
        }
        if (target.position() != target.capacity()) {
            throw new IllegalStateException("block " + key + ": " + target.position() + " of " + target.capacity()
                + " bytes written");
        }
        ByteBuffer bytes = target.flip();
        target = null;
        return tier.put(namespace, key, bytes, crc32c);
    }

    @Override
    public void abort() {
        target = null;
    }
}
