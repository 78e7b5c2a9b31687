package io.spillway.tier.cpu;

import static io.spillway.tier.cpu.TestBlocks.NS;
import static io.spillway.tier.cpu.TestBlocks.bytes;
import static io.spillway.tier.cpu.TestBlocks.key;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.netty.buffer.ByteBuf;
import io.spillway.key.BlockKey;
import java.nio.ByteBuffer;
import org.junit.jupiter.api.Test;

class BlockRefCountTest {
    private final OffHeapPool pool = new OffHeapPool(1 << 20, 1, 64 << 10);

    /** A block holding one reference to a copy of {@code src}, or {@code null} when it does not fit under the cap. */
    private Block copyIn(BlockKey namespace, BlockKey key, ByteBuffer src, int crc32c) {
        ByteBuf buf = pool.allocate(src.remaining());
        if (buf == null) {
            return null;
        }
        buf.writeBytes(src.duplicate());
        return new Block(namespace, key, crc32c, buf, pool);
    }

    @Test
    void memoryIsFreedOnlyWhenTheLastPinIsDropped() {
        Block block = copyIn(NS, key(1), bytes(key(1), 4096), 0);
        assertTrue(block.tryPin());

        block.unpin();
        assertEquals(4096, pool.allocatedBytes());
        assertFalse(block.isFreed());

        block.unpin();
        assertTrue(block.isFreed());
        assertEquals(0, pool.allocatedBytes());
        assertEquals(0, pool.activeAllocations());
    }

    @Test
    void pinAfterFreeFailsInsteadOfResurrectingTheBlock() {
        Block block = copyIn(NS, key(2), bytes(key(2), 4096), 0);
        block.unpin();

        assertFalse(block.tryPin());
        assertEquals(0, pool.allocatedBytes());
    }

    @Test
    void unpinBelowZeroIsABug() {
        Block block = copyIn(NS, key(3), bytes(key(3), 4096), 0);
        block.unpin();

        assertThrows(IllegalStateException.class, block::unpin);
    }

    @Test
    void allocationRefusesBytesOverTheCap() {
        Block first = copyIn(NS, key(4), bytes(key(4), 600 << 10), 0);
        assertEquals(null, copyIn(NS, key(5), bytes(key(5), 600 << 10), 0));
        assertEquals(600 << 10, pool.allocatedBytes());
        first.unpin();
        assertEquals(0, pool.activeAllocations());
    }
}
