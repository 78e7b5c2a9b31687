package io.spillway.tier.cpu;

import static io.spillway.tier.cpu.TestBlocks.NS;
import static io.spillway.tier.cpu.TestBlocks.bytes;
import static io.spillway.tier.cpu.TestBlocks.key;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

class BlockRefCountTest {
    private final OffHeapPool pool = new OffHeapPool(1 << 20, 1, 64 << 10);

    @Test
    void memoryIsFreedOnlyWhenTheLastPinIsDropped() {
        Block block = pool.copyIn(NS, key(1), bytes(key(1), 4096), 0);
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
        Block block = pool.copyIn(NS, key(2), bytes(key(2), 4096), 0);
        block.unpin();

        assertFalse(block.tryPin());
        assertEquals(0, pool.allocatedBytes());
    }

    @Test
    void unpinBelowZeroIsABug() {
        Block block = pool.copyIn(NS, key(3), bytes(key(3), 4096), 0);
        block.unpin();

        assertThrows(IllegalStateException.class, block::unpin);
    }

    @Test
    void copyInRefusesBytesOverTheCap() {
        Block first = pool.copyIn(NS, key(4), bytes(key(4), 600 << 10), 0);
        assertEquals(null, pool.copyIn(NS, key(5), bytes(key(5), 600 << 10), 0));
        assertEquals(600 << 10, pool.allocatedBytes());
        first.unpin();
        assertEquals(0, pool.activeAllocations());
    }
}
