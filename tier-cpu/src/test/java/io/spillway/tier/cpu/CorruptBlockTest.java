package io.spillway.tier.cpu;

import static io.spillway.tier.cpu.TestBlocks.NS;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.spillway.key.BlockKey;
import io.spillway.protocol.ErrorCode;
import io.spillway.tier.BlockHandle;
import io.spillway.tier.BlockWriter;
import java.nio.ByteBuffer;
import org.junit.jupiter.api.Test;

/**
 * Issue 21 item 7: a CPU-tier block whose memory changed after its put (a byte flipped in tier memory, through the
 * writer's own view of it) is never served: the read misses, the block is counted corrupt and dropped, from the
 * index or from the demotion queue, and a later put of the key stores it afresh.
 */
class CorruptBlockTest {
    private static final int LENGTH = 64 << 10;

    /** Stores the key's bytes in place and returns the writer's view of the tier memory that now holds them. */
    private static ByteBuffer storeKeepingTheMemory(CpuTier tier, BlockKey key) {
        ByteBuffer bytes = TestBlocks.bytes(key, LENGTH);
        BlockWriter w = tier.reserve(NS, key, LENGTH);
        ByteBuffer memory = w.target();
        memory.put(bytes.duplicate());
        assertEquals(ErrorCode.OK, w.commit(TestBlocks.crc(bytes)));
        return memory;
    }

    private static void flipOneByte(ByteBuffer memory, int index) {
        memory.put(index, (byte) (memory.get(index) ^ 0x01));
    }

    @Test
    void aCorruptIndexedBlockMissesIsCountedAndDropped() {
        try (CpuTier tier = CpuTier.open(TestBlocks.smallTier().build())) {
            BlockKey key = TestBlocks.key(1);
            flipOneByte(storeKeepingTheMemory(tier, key), LENGTH / 2);

            assertNull(tier.get(NS, key), "the corrupt block is not served");
            assertEquals(1, tier.counters().corrupt.sum());
            assertEquals(1, tier.counters().misses.sum());
            assertEquals(0, tier.counters().hits.sum());
            assertFalse(tier.contains(key), "dropped from the index");
            assertEquals(0, tier.allocatedBytes(), "its memory went back to the pool");
            assertEquals(0, tier.counters().blocks.get());

            assertEquals(ErrorCode.OK, tier.put(NS, key, TestBlocks.bytes(key, LENGTH), TestBlocks.crc(
                TestBlocks.bytes(key, LENGTH))));
            assertEquals(0, tier.counters().duplicates.sum(), "the key is stored afresh, not a duplicate");
            try (BlockHandle h = tier.get(NS, key)) {
                assertNotNull(h);
                TestBlocks.assertBlock(key, LENGTH, h.data());
            }
        }
    }

    @Test
    void aCorruptBlockWaitingForDemotionIsDroppedAndNeverDemoted() {
        HeapTier next = new HeapTier();
        try (CpuTier tier = CpuTier.open(TestBlocks.smallTier().nextTier(next).build())) {
            BlockKey first = TestBlocks.key(100);
            ByteBuffer memory = storeKeepingTheMemory(tier, first);
            for (int i = 0; tier.isIndexed(first); i++) {
                assertTrue(i < 64, "the first block was never evicted");
                storeKeepingTheMemory(tier, TestBlocks.key(200 + i));
                tier.cleanUp();
            }
            int pending = tier.pendingDemotions();
            assertTrue(pending > 0 && tier.contains(first), "the first block waits for demotion");
            flipOneByte(memory, 0);

            assertNull(tier.get(NS, first), "the corrupt block is not served from the demotion queue");
            assertEquals(1, tier.counters().corrupt.sum());
            assertEquals(pending - 1, tier.pendingDemotions(), "taken out of the demotion queue");
            TestBlocks.demoteAll(tier);
            assertFalse(next.contains(first), "never demoted");
        }
    }

    @Test
    void withoutVerificationTheFlippedByteIsServed() {
        try (CpuTier tier = CpuTier.open(TestBlocks.smallTier().verifyOnRead(false).build())) {
            BlockKey key = TestBlocks.key(3);
            flipOneByte(storeKeepingTheMemory(tier, key), 7);
            try (BlockHandle h = tier.get(NS, key)) {
                assertNotNull(h, "the setting is what stands between a flipped byte and the reader");
                byte[] expected = TestBlocks.expected(key, LENGTH);
                assertEquals((byte) (expected[7] ^ 0x01), h.data().get(7));
            }
            assertEquals(0, tier.counters().corrupt.sum());
        }
    }
}
