package io.spillway.tier.cpu;

import static io.spillway.tier.cpu.TestBlocks.BLOCK;
import static io.spillway.tier.cpu.TestBlocks.NS;
import static io.spillway.tier.cpu.TestBlocks.assertBlock;
import static io.spillway.tier.cpu.TestBlocks.bytes;
import static io.spillway.tier.cpu.TestBlocks.crc;
import static io.spillway.tier.cpu.TestBlocks.demoteAll;
import static io.spillway.tier.cpu.TestBlocks.demotionCycle;
import static io.spillway.tier.cpu.TestBlocks.key;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.spillway.key.BlockKey;
import io.spillway.protocol.ErrorCode;
import io.spillway.tier.BlockHandle;
import java.nio.ByteBuffer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.params.ParameterizedClass;
import org.junit.jupiter.params.provider.EnumSource;

/** Index 48 blocks of 16 KiB, headroom 16 blocks: 64 blocks fill the 1 MiB cap. */
@ParameterizedClass
@EnumSource(CpuEvictionPolicy.class)
class BackPressureTest {
    @RegisterExtension
    final TierInvariants tiers;
    private final HeapTier next = new HeapTier();

    BackPressureTest(CpuEvictionPolicy policy) {
        tiers = new TierInvariants(policy);
    }

    @Test
    void refusingNextTierBackPressuresPutsOnceTheHeadroomIsUsed() {
        next.refuseAll();
        try (CpuTier tier = tiers.open(TestBlocks.smallTier().nextTier(next))) {
            int refused = putRange(tier, 0, 100);

            assertEquals(36, refused, "48 indexed + 16 pending fill the cap; the other 36 are refused");
            assertEquals(refused, tier.counters().backPressured.sum());
            assertEquals(16, tier.pendingDemotions());
            assertEquals(tier.capacityBytes(), tier.allocatedBytes());
            long failuresBefore = tier.counters().demotionFailures.sum();
            assertEquals(0, demotionCycle(tier), "a refused head is kept, not dropped");
            assertEquals(16, tier.pendingDemotions());
            assertEquals(0, tier.counters().dropped.sum());
            assertEquals(failuresBefore + 1, tier.counters().demotionFailures.sum(),
                "each refused demotion attempt is counted");
            assertFalse(tier.contains(key(99)), "a refused put stores nothing");
        }
    }

    @Test
    void fullDemotionQueueBackPressuresBeforeMemoryRunsOut() {
        next.refuseAll();
        try (CpuTier tier = tiers.open(TestBlocks.smallTier().nextTier(next).demotionQueueBlocks(4))) {
            int refused = putRange(tier, 0, 60);

            assertEquals(8, refused);
            assertEquals(4, tier.pendingDemotions());
            assertEquals(52L * BLOCK, tier.allocatedBytes());
        }
    }

    @Test
    void putsRecoverOnceTheNextTierDrainsTheQueue() {
        next.refuseAll();
        try (CpuTier tier = tiers.open(TestBlocks.smallTier().nextTier(next))) {
            putRange(tier, 0, 100);
            BlockKey waiting = pendingKey(tier);
            try (BlockHandle h = tier.get(NS, waiting)) {
                assertBlock(waiting, BLOCK, h.data()); // still readable while the next tier refuses
            }

            next.acceptAll();
            assertEquals(16, demoteAll(tier));

            assertEquals(0, tier.pendingDemotions());
            assertEquals(16, tier.counters().demotions.sum());
            assertEquals(16, next.blocks.size());
            assertEquals(0, putRange(tier, 64, 80), "room again for 16 blocks");
        }
    }

    @Test
    void slowNextTierThrottlesPutsWithoutLosingBlocks() {
        next.credits.set(0);
        try (CpuTier tier = tiers.open(TestBlocks.smallTier().nextTier(next).demotionQueueBlocks(8))) {
            int refused = 0;
            for (int i = 0; i < 200; i++) {
                ByteBuffer src = bytes(key(i), BLOCK);
                while (tier.put(NS, key(i), src, crc(src)) == ErrorCode.BACK_PRESSURE) {
                    refused++;
                    next.credits.addAndGet(2); // the next tier takes two blocks per demotion cycle
                    demotionCycle(tier);
                    assertTrue(tier.allocatedBytes() <= tier.capacityBytes());
                    assertTrue(tier.pendingDemotions() <= 8);
                }
            }
            next.acceptAll();
            demoteAll(tier);

            assertTrue(refused > 0);
            assertEquals(refused, tier.counters().backPressured.sum());
            assertEquals(200, tier.counters().puts.sum());
            assertEquals(0, tier.counters().dropped.sum());
            assertEquals(tier.counters().evictions.sum(), tier.counters().demotions.sum());
            int held = 0;
            for (int i = 0; i < 200; i++) {
                boolean here = tier.contains(key(i));
                assertTrue(here ^ next.contains(key(i)), "block " + i + " is in exactly one tier");
                held += here ? 1 : 0;
            }
            assertEquals(48, held);
        }
    }

    /** Puts keys [from, to); returns how many were refused with BACK_PRESSURE (any other refusal fails). */
    private static int putRange(CpuTier tier, int from, int to) {
        int refused = 0;
        for (int i = from; i < to; i++) {
            ByteBuffer src = bytes(key(i), BLOCK);
            ErrorCode code = tier.put(NS, key(i), src, crc(src));
            if (code == ErrorCode.BACK_PRESSURE) {
                refused++;
            } else {
                assertEquals(ErrorCode.OK, code, "put " + i);
            }
            assertTrue(tier.allocatedBytes() <= tier.capacityBytes());
        }
        return refused;
    }

    private static BlockKey pendingKey(CpuTier tier) {
        for (int i = 0; i < 100; i++) {
            if (!tier.isIndexed(key(i)) && tier.contains(key(i))) {
                return key(i);
            }
        }
        throw new AssertionError("no block is waiting for demotion");
    }
}
