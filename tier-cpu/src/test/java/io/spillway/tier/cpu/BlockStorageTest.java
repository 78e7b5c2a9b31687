package io.spillway.tier.cpu;

import static io.spillway.tier.cpu.TestBlocks.BLOCK;
import static io.spillway.tier.cpu.TestBlocks.NS;
import static io.spillway.tier.cpu.TestBlocks.OTHER_NS;
import static io.spillway.tier.cpu.TestBlocks.assertBlock;
import static io.spillway.tier.cpu.TestBlocks.bytes;
import static io.spillway.tier.cpu.TestBlocks.crc;
import static io.spillway.tier.cpu.TestBlocks.key;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.spillway.key.BlockKey;
import io.spillway.protocol.ErrorCode;
import io.spillway.tier.BlockHandle;
import io.spillway.tier.TierKind;
import java.nio.ByteBuffer;
import java.nio.ReadOnlyBufferException;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.params.ParameterizedClass;
import org.junit.jupiter.params.provider.EnumSource;

@ParameterizedClass
@EnumSource(CpuEvictionPolicy.class)
class BlockStorageTest {
    @RegisterExtension
    final TierInvariants tiers;
    private final CpuTier tier;

    BlockStorageTest(CpuEvictionPolicy policy) {
        tiers = new TierInvariants(policy);
        tier = tiers.open(TestBlocks.smallTier());
    }

    @Test
    void getReturnsTheStoredBytesAsReadOnlyViewWithChecksum() {
        ByteBuffer src = bytes(key(1), BLOCK);
        assertEquals(ErrorCode.OK, tier.put(NS, key(1), src, crc(src)));

        try (BlockHandle h = tier.get(NS, key(1))) {
            assertNotNull(h);
            assertBlock(key(1), BLOCK, h.data());
            assertEquals(0, h.data().position());
            assertEquals(crc(src), h.crc32c());
            assertEquals(BLOCK, h.length());
            assertEquals(NS, h.namespace());
            assertEquals(key(1), h.key());
            assertEquals(TierKind.CPU, h.tier());
            assertTrue(h.data().isReadOnly());
            assertThrows(ReadOnlyBufferException.class, () -> h.data().put(0, (byte) 1));
        }
        assertEquals(1, tier.counters().hits.sum());
        assertEquals(1, tier.counters().puts.sum());
        assertEquals(BLOCK, tier.counters().bytes.get());
        assertEquals(1, tier.counters().blocks.get());
        assertEquals(BLOCK, tier.allocatedBytes());
    }

    @Test
    void putCopiesTheBytesAndLeavesTheSourceUntouched() {
        ByteBuffer src = bytes(key(2), BLOCK);
        int crc = crc(src);
        tier.put(NS, key(2), src, crc);
        assertEquals(0, src.position());
        assertEquals(BLOCK, src.limit());

        src.put(0, (byte) ~src.get(0)); // the caller reuses its buffer
        try (BlockHandle h = tier.get(NS, key(2))) {
            assertBlock(key(2), BLOCK, h.data());
        }
    }

    @Test
    void heapSourceIsStoredToo() {
        ByteBuffer src = ByteBuffer.wrap(TestBlocks.expected(key(3), 1000));
        assertEquals(ErrorCode.OK, tier.put(NS, key(3), src, crc(src)));
        try (BlockHandle h = tier.get(NS, key(3))) {
            assertBlock(key(3), 1000, h.data());
        }
    }

    @Test
    void absentKeyIsMissAndCounted() {
        assertNull(tier.get(NS, key(4)));
        assertEquals(1, tier.counters().misses.sum());
        assertEquals(0, tier.counters().hits.sum());
    }

    @Test
    void getUnderAnotherNamespaceIsMiss() {
        ByteBuffer src = bytes(key(5), BLOCK);
        tier.put(NS, key(5), src, crc(src));

        assertNull(tier.get(OTHER_NS, key(5)));
        assertEquals(1, tier.counters().misses.sum());
        assertTrue(tier.contains(key(5)), "contains ignores the namespace");
        try (BlockHandle h = tier.get(NS, key(5))) {
            assertNotNull(h);
        }
    }

    @Test
    void putOfPresentKeyKeepsTheOriginal() {
        ByteBuffer first = bytes(key(6), BLOCK);
        ByteBuffer other = bytes(key(99), 2 * BLOCK);
        tier.put(NS, key(6), first, crc(first));

        assertEquals(ErrorCode.OK, tier.put(OTHER_NS, key(6), other, crc(other)));

        try (BlockHandle h = tier.get(NS, key(6))) {
            assertBlock(key(6), BLOCK, h.data());
            assertEquals(crc(first), h.crc32c());
        }
        assertEquals(1, tier.counters().puts.sum(), "only the stored put counts");
        assertEquals(BLOCK, tier.allocatedBytes(), "the second copy was never kept");
    }

    @Test
    void blockLargerThanMaxBlockBytesIsTooLarge() {
        int max = tier.context().maxBlockBytes();
        ByteBuffer big = bytes(key(7), max + 1);
        assertEquals(ErrorCode.BLOCK_TOO_LARGE, tier.put(NS, key(7), big, crc(big)));
        assertFalse(tier.contains(key(7)));
        assertEquals(0, tier.allocatedBytes());

        ByteBuffer fits = bytes(key(8), max);
        assertEquals(ErrorCode.OK, tier.put(NS, key(8), fits, crc(fits)));
    }

    @Test
    void zeroLengthBlockIsStoredAndReadWithoutMemory() {
        ByteBuffer empty = ByteBuffer.allocateDirect(0);
        assertEquals(ErrorCode.OK, tier.put(NS, key(9), empty, crc(empty)));

        try (BlockHandle h = tier.get(NS, key(9))) {
            assertNotNull(h);
            assertEquals(0, h.length());
            assertEquals(0, h.data().remaining());
        }
        assertEquals(1, tier.counters().blocks.get());
        assertEquals(0, tier.allocatedBytes());
        assertTrue(tier.remove(key(9)));
        assertEquals(0, tier.counters().blocks.get());
    }

    @Test
    void promoteStoresTheBlockAndCountsAPromotion() {
        ByteBuffer src = bytes(key(10), BLOCK);
        assertEquals(ErrorCode.OK, tier.promote(NS, key(10), src, crc(src)));

        assertEquals(1, tier.counters().promotions.sum());
        assertEquals(0, tier.counters().puts.sum());
        try (BlockHandle h = tier.get(NS, key(10))) {
            assertBlock(key(10), BLOCK, h.data());
        }
    }

    @Test
    void removeFreesTheBlockAndSaysWhetherItWasThere() {
        ByteBuffer src = bytes(key(11), BLOCK);
        tier.put(NS, key(11), src, crc(src));

        assertTrue(tier.remove(key(11)));
        assertFalse(tier.remove(key(11)));
        assertFalse(tier.contains(key(11)));
        assertNull(tier.get(NS, key(11)));
        assertEquals(0, tier.allocatedBytes());
        assertEquals(0, tier.counters().bytes.get());
        assertEquals(0, tier.counters().blocks.get());
    }

    @Test
    void closingAHandleTwiceIsHarmlessAndItsDataIsThenRefused() {
        ByteBuffer src = bytes(key(12), BLOCK);
        tier.put(NS, key(12), src, crc(src));
        BlockHandle h = tier.get(NS, key(12));

        h.close();
        h.close();

        assertThrows(IllegalStateException.class, h::data);
        try (BlockHandle again = tier.get(NS, key(12))) {
            assertBlock(key(12), BLOCK, again.data());
        }
        tier.remove(key(12));
        assertEquals(0, tier.allocatedBytes(), "a double close must not unpin twice");
    }

    @Test
    void blocksOfManyKeysKeepTheirOwnBytes() {
        for (int i = 0; i < 20; i++) {
            BlockKey k = key(100 + i);
            ByteBuffer src = bytes(k, 1000 + i * 100);
            assertEquals(ErrorCode.OK, tier.put(NS, k, src, crc(src)));
        }
        for (int i = 0; i < 20; i++) {
            try (BlockHandle h = tier.get(NS, key(100 + i))) {
                assertBlock(key(100 + i), 1000 + i * 100, h.data());
            }
        }
    }
}
