package io.spillway.tier.cpu;

import io.spillway.key.BlockKey;
import io.spillway.tier.BlockHandle;

/**
 * A block that was resident in the CPU tier when {@link CpuTier#residents()} was taken. It may be evicted and freed
 * since; {@link #pin()} answers a handle only while its bytes are still live.
 */
public final class ResidentBlock {
    private final Block block;

    ResidentBlock(Block block) {
        this.block = block;
    }

    public BlockKey namespace() {
        return block.namespace;
    }

    public BlockKey key() {
        return block.key;
    }

    public int length() {
        return block.length;
    }

    public int crc32c() {
        return block.crc32c;
    }

    /** A pinned handle on the bytes (close it), or null when the block has been freed since the snapshot. */
    public BlockHandle pin() {
        return block.tryPin() ? new PinnedBlockHandle(block) : null;
    }

    @Override
    public String toString() {
        return "ResidentBlock{key=" + block.key + ", length=" + block.length + "}";
    }
}
