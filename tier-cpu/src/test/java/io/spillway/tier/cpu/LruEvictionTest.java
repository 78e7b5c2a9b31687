package io.spillway.tier.cpu;

import static io.spillway.tier.cpu.TestBlocks.BLOCK;
import static io.spillway.tier.cpu.TestBlocks.NS;
import static io.spillway.tier.cpu.TestBlocks.assertBlock;
import static io.spillway.tier.cpu.TestBlocks.bytes;
import static io.spillway.tier.cpu.TestBlocks.crc;
import static io.spillway.tier.cpu.TestBlocks.demoteAll;
import static io.spillway.tier.cpu.TestBlocks.key;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.spillway.key.BlockKey;
import io.spillway.protocol.ErrorCode;
import io.spillway.tier.BlockHandle;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/** {@link CpuEvictionPolicy#LRU} in the tier: the index holds 48 blocks of 16 KiB (768 KiB). */
class LruEvictionTest {
    private static final int INDEXED = 48;

    @RegisterExtension
    final TierInvariants tiers = new TierInvariants(CpuEvictionPolicy.LRU);

    private final HeapTier next = new HeapTier();

    @Test
    void leastRecentlyUsedIsEvictedFirst() {
        CpuTier tier = tiers.open(TestBlocks.smallTier());
        putRange(tier, 0, INDEXED + 2);

        assertEquals(List.of(key(0), key(1)), absent(tier, INDEXED + 2));
        assertEquals(2, tier.counters().evictions.sum());
    }

    @Test
    void evictedBlocksAreDemotedInPutOrder() {
        CpuTier tier = tiers.open(TestBlocks.smallTier().nextTier(next));
        putRange(tier, 0, 60);
        List<BlockKey> evicted = new ArrayList<>();
        for (int i = 0; i < 60; i++) {
            if (!tier.isIndexed(key(i))) {
                evicted.add(key(i));
            }
        }
        demoteAll(tier);

        assertEquals(keys(0, 12), evicted, "the 12 put first");
        assertEquals(12, next.blocks.size());
        keys(0, 12).forEach(k -> assertTrue(next.contains(k), "demoted " + k));
    }

    @Test
    void getMakesABlockMostRecentlyUsed() {
        CpuTier tier = tiers.open(TestBlocks.smallTier());
        putRange(tier, 0, INDEXED);
        try (BlockHandle h = tier.get(NS, key(0))) {
            assertNotNull(h);
        }
        putRange(tier, INDEXED, INDEXED + 1);

        assertTrue(tier.contains(key(0)), "read last, so kept");
        assertEquals(List.of(key(1)), absent(tier, INDEXED + 1));
    }

    @Test
    void containsIsNotAnAccess() {
        CpuTier tier = tiers.open(TestBlocks.smallTier());
        putRange(tier, 0, INDEXED);
        assertTrue(tier.contains(key(0)));
        putRange(tier, INDEXED, INDEXED + 1);

        assertEquals(List.of(key(0)), absent(tier, INDEXED + 1));
    }

    @Test
    void putOfAPresentKeyMakesItMostRecentlyUsed() {
        CpuTier tier = tiers.open(TestBlocks.smallTier());
        putRange(tier, 0, INDEXED);
        putRange(tier, 0, 1); // present: answered OK, bytes dropped, recency refreshed (the simulator's LRU)
        putRange(tier, INDEXED, INDEXED + 1);

        assertEquals(List.of(key(1)), absent(tier, INDEXED + 1));
        assertEquals(INDEXED + 1, tier.counters().puts.sum(), "the present put stored nothing");
    }

    /** The behaviour the simulator motivates: TinyLFU turned such a block away because its frequency ties. */
    @Test
    void blockPromotedAfterItsEvictionStaysResidentWhenReadAgain() {
        CpuTier tier = tiers.open(TestBlocks.smallTier().nextTier(next));
        putRange(tier, 0, INDEXED);
        for (int round = 0; round < 3; round++) { // the others gain a read history; key 0 is never read
            for (int i = 1; i < INDEXED; i++) {
                tier.get(NS, key(i)).close();
            }
        }
        putRange(tier, INDEXED, INDEXED + 1);
        demoteAll(tier);
        assertTrue(next.contains(key(0)) && !tier.contains(key(0)), "key 0 was evicted and demoted");

        HeapTier.Stored stored = next.blocks.get(key(0));
        assertEquals(ErrorCode.OK, tier.promote(NS, key(0), ByteBuffer.wrap(stored.bytes()), stored.crc32c()));
        demoteAll(tier);

        assertTrue(tier.isIndexed(key(0)), "the promoted block is indexed, not evicted at once");
        try (BlockHandle h = tier.get(NS, key(0))) {
            assertNotNull(h, "read again: a CPU hit");
            assertBlock(key(0), BLOCK, h.data());
        }
        putRange(tier, INDEXED + 1, INDEXED + 11);
        assertTrue(tier.isIndexed(key(0)), "recently read, it outlives 10 newer puts");
        assertEquals(1, tier.counters().promotions.sum());
    }

    @Test
    void weightIsInBytesSoOneLargeBlockEvictsSeveralSmallOnes() {
        CpuTier tier = tiers.open(TestBlocks.smallTier());
        putRange(tier, 0, INDEXED);
        BlockKey large = key(1000);
        ByteBuffer src = bytes(large, 4 * BLOCK);
        assertEquals(ErrorCode.OK, tier.put(NS, large, src, crc(src)));

        assertEquals(keys(0, 4), absent(tier, INDEXED), "one 64 KiB block displaces four 16 KiB blocks");
        assertEquals(4, tier.counters().evictions.sum());
        assertEquals(tier.context().maxIndexBytes(), tier.indexedWeight());

        putRange(tier, INDEXED, INDEXED + 1);
        assertTrue(tier.contains(large), "a small put evicts the least recently used block, not the largest");
        assertFalse(tier.contains(key(4)));
    }

    private static void putRange(CpuTier tier, int from, int to) {
        for (int i = from; i < to; i++) {
            ByteBuffer src = bytes(key(i), BLOCK);
            assertEquals(ErrorCode.OK, tier.put(NS, key(i), src, crc(src)), "put " + i);
        }
    }

    /** Keys of [0, to) the tier no longer holds, in key order. */
    private static List<BlockKey> absent(CpuTier tier, int to) {
        List<BlockKey> keys = new ArrayList<>();
        for (int i = 0; i < to; i++) {
            if (!tier.contains(key(i))) {
                keys.add(key(i));
            }
        }
        return keys;
    }

    private static List<BlockKey> keys(int from, int to) {
        List<BlockKey> keys = new ArrayList<>();
        for (int i = from; i < to; i++) {
            keys.add(key(i));
        }
        return keys;
    }
}
