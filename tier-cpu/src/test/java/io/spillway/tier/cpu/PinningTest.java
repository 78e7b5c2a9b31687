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
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.spillway.key.BlockKey;
import io.spillway.protocol.ErrorCode;
import io.spillway.tier.BlockHandle;
import java.nio.ByteBuffer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.params.ParameterizedClass;
import org.junit.jupiter.params.provider.EnumSource;

@ParameterizedClass
@EnumSource(CpuEvictionPolicy.class)
class PinningTest {
    @RegisterExtension
    final TierInvariants tiers;
    @Test
    void pinnedBlockSurvivesRemovalAndIsFreedOnClose() {
        try (CpuTier tier = tiers.open(TestBlocks.smallTier())) {
            put(tier, key(0));
            BlockHandle h = tier.get(NS, key(0));

            assertTrue(tier.remove(key(0)));
            assertNull(tier.get(NS, key(0)), "removed: a new reader misses");
            assertEquals(0, tier.counters().bytes.get(), "no longer held by the tier");
            assertEquals(BLOCK, tier.allocatedBytes(), "but its memory is still accounted");

            for (int i = 1; i <= 40; i++) {
                put(tier, key(i)); // reuses freed pool memory; must not touch the pinned block
            }
            assertBlock(key(0), BLOCK, h.data());

            h.close();
            assertEquals(40L * BLOCK, tier.allocatedBytes());
            assertEquals(40, tier.activeAllocations());
        }
    }

    PinningTest(CpuEvictionPolicy policy) {
        tiers = new TierInvariants(policy);
    }

    @Test
    void pinnedBlockSurvivesEvictionWithoutNextTier() {
        try (CpuTier tier = tiers.open(TestBlocks.smallTier())) {
            put(tier, key(0));
            BlockHandle h = tier.get(NS, key(0));

            int i = 1;
            while (tier.contains(key(0)) && i < 1000) {
                put(tier, key(i++));
            }
            assertFalse(tier.contains(key(0)), "evicted after " + i + " puts");
            assertEquals(tier.counters().bytes.get() + BLOCK, tier.allocatedBytes(), "pinned bytes still count");
            assertBlock(key(0), BLOCK, h.data());

            h.close();
            assertEquals(tier.counters().bytes.get(), tier.allocatedBytes());
        }
    }

    @Test
    void pinnedBlockSurvivesDemotion() {
        HeapTier next = new HeapTier();
        try (CpuTier tier = tiers.open(TestBlocks.smallTier().nextTier(next))) {
            for (int i = 0; i < 60; i++) {
                put(tier, key(i));
            }
            BlockKey pending = firstPending(tier);
            BlockHandle h = tier.get(NS, pending);
            assertNotNull(h);

            demoteAll(tier);
            assertFalse(tier.contains(pending));
            assertTrue(next.contains(pending));
            assertBlock(pending, BLOCK, h.data());
            assertEquals(tier.counters().bytes.get() + BLOCK, tier.allocatedBytes());

            h.close();
            assertEquals(tier.counters().bytes.get(), tier.allocatedBytes());
        }
    }

    @Test
    void pinnedBlocksHoldTheCapAndBackPressurePutsUntilReleased() {
        try (CpuTier tier = tiers.open(TestBlocks.smallTier())) {
            BlockHandle[] handles = new BlockHandle[64];
            for (int i = 0; i < 64; i++) {
                put(tier, key(i));
                handles[i] = tier.get(NS, key(i));
            }
            assertEquals(tier.capacityBytes(), tier.allocatedBytes(), "64 pinned blocks fill the 1 MiB cap");

            ByteBuffer src = bytes(key(64), BLOCK);
            assertEquals(ErrorCode.BACK_PRESSURE, tier.put(NS, key(64), src, crc(src)));
            assertEquals(1, tier.counters().backPressured.sum());

            for (BlockHandle h : handles) {
                assertBlock(h.key(), BLOCK, h.data());
                h.close();
            }
            assertEquals(ErrorCode.OK, tier.put(NS, key(64), src, crc(src)));
        }
    }

    @Test
    void handleOutlivesTheTierAndFreesItsMemoryWhenClosed() {
        CpuTier tier = tiers.open(TestBlocks.smallTier());
        put(tier, key(0));
        put(tier, key(1));
        BlockHandle h = tier.get(NS, key(0));

        tier.close();
        assertEquals(BLOCK, tier.allocatedBytes());
        assertEquals(1, tier.activeAllocations());
        assertBlock(key(0), BLOCK, h.data());

        h.close();
        assertEquals(0, tier.allocatedBytes());
        assertEquals(0, tier.activeAllocations());
    }

    private static void put(CpuTier tier, BlockKey key) {
        ByteBuffer src = bytes(key, BLOCK);
        assertEquals(ErrorCode.OK, tier.put(NS, key, src, crc(src)), "put " + key);
    }

    private static BlockKey firstPending(CpuTier tier) {
        for (int i = 0; i < 60; i++) {
            if (!tier.isIndexed(key(i)) && tier.contains(key(i))) {
                return key(i);
            }
        }
        throw new AssertionError("no block is waiting for demotion");
    }
}
