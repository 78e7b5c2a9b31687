package io.spillway.tier.cpu;

import static io.spillway.tier.cpu.TestBlocks.BLOCK;
import static io.spillway.tier.cpu.TestBlocks.NS;
import static io.spillway.tier.cpu.TestBlocks.assertBlock;
import static io.spillway.tier.cpu.TestBlocks.bytes;
import static io.spillway.tier.cpu.TestBlocks.crc;
import static io.spillway.tier.cpu.TestBlocks.demoteAll;
import static io.spillway.tier.cpu.TestBlocks.demotionCycle;
import static io.spillway.tier.cpu.TestBlocks.expected;
import static io.spillway.tier.cpu.TestBlocks.key;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.spillway.key.BlockKey;
import io.spillway.protocol.ErrorCode;
import io.spillway.tier.BlockHandle;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.agrona.concurrent.SleepingIdleStrategy;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.params.ParameterizedClass;
import org.junit.jupiter.params.provider.EnumSource;

/** The index holds 48 blocks of 16 KiB (768 KiB); putting 60 evicts exactly 12. */
@ParameterizedClass
@EnumSource(CpuEvictionPolicy.class)
class DemotionTest {
    private static final int PUT = 60;
    private static final int INDEXED = 48;

    @RegisterExtension
    final TierInvariants tiers;

    private final HeapTier next = new HeapTier();

    DemotionTest(CpuEvictionPolicy policy) {
        tiers = new TierInvariants(policy);
    }

    @Test
    void evictedBlocksReachTheNextTierWithIdenticalBytes() {
        try (CpuTier tier = tiers.open(TestBlocks.smallTier().nextTier(next))) {
            putAll(tier);
            List<BlockKey> evicted = notIndexed(tier);
            assertEquals(PUT - INDEXED, evicted.size());
            assertEquals(PUT - INDEXED, tier.counters().evictions.sum());
            assertEquals(PUT - INDEXED, tier.pendingDemotions());
            assertEquals(0, next.putCalls.get(), "nothing moves before the agent runs");

            assertEquals(PUT - INDEXED, demoteAll(tier));

            assertEquals(0, tier.pendingDemotions());
            assertEquals(PUT - INDEXED, tier.counters().demotions.sum());
            assertEquals(0, tier.counters().dropped.sum());
            assertEquals(evicted.size(), next.blocks.size());
            for (BlockKey k : evicted) {
                HeapTier.Stored stored = next.blocks.get(k);
                assertNotNull(stored, "demoted " + k);
                assertEquals(NS, stored.namespace());
                assertArrayEquals(expected(k, BLOCK), stored.bytes());
                assertEquals(crc(bytes(k, BLOCK)), stored.crc32c());
                assertFalse(tier.contains(k));
            }
            assertEquals((long) INDEXED * BLOCK, tier.counters().bytes.get());
            assertEquals(INDEXED, tier.counters().blocks.get());
            assertEquals((long) INDEXED * BLOCK, tier.allocatedBytes());
        }
    }

    @Test
    void blockWaitingForDemotionIsStillReadable() {
        try (CpuTier tier = tiers.open(TestBlocks.smallTier().nextTier(next))) {
            putAll(tier);
            BlockKey pending = notIndexedButPending(tier).get(0);

            assertTrue(tier.contains(pending));
            try (BlockHandle h = tier.get(NS, pending)) {
                assertNotNull(h);
                assertBlock(pending, BLOCK, h.data());
            }
            assertEquals(ErrorCode.OK, tier.put(NS, pending, bytes(key(999), BLOCK), 0), "still present: immutable");
            assertEquals((long) PUT * BLOCK, tier.counters().bytes.get(), "pending blocks are held bytes");
            assertEquals(PUT, tier.counters().blocks.get());
        }
    }

    @Test
    void nextTierFailureDropsTheBlockAndCountsIt() {
        next.mode = HeapTier.Mode.FAIL;
        try (CpuTier tier = tiers.open(TestBlocks.smallTier().nextTier(next))) {
            putAll(tier);
            demoteAll(tier);

            assertEquals(PUT - INDEXED, tier.counters().dropped.sum());
            assertEquals(0, tier.counters().demotions.sum());
            assertEquals(0, tier.pendingDemotions());
            assertEquals((long) INDEXED * BLOCK, tier.allocatedBytes());
        }
    }

    @Test
    void nextTierExceptionDropsTheBlockAndReachesTheErrorHandler() {
        next.mode = HeapTier.Mode.THROW;
        List<Throwable> errors = new CopyOnWriteArrayList<>();
        try (CpuTier tier = tiers.open(TestBlocks.smallTier().nextTier(next).errorHandler(errors::add))) {
            putAll(tier);
            demoteAll(tier);

            assertEquals(PUT - INDEXED, errors.size());
            assertTrue(errors.get(0) instanceof IllegalStateException);
            assertEquals(PUT - INDEXED, tier.counters().dropped.sum());
            assertEquals((long) INDEXED * BLOCK, tier.allocatedBytes());
        }
    }

    @Test
    void withoutNextTierEvictedBlocksAreFreedAtOnce() {
        try (CpuTier tier = tiers.open(TestBlocks.smallTier())) {
            putAll(tier);

            assertNull(tier.demotionAgent());
            assertEquals(PUT - INDEXED, tier.counters().evictions.sum());
            assertEquals(0, tier.pendingDemotions());
            assertEquals(0, tier.counters().demotions.sum());
            assertEquals((long) INDEXED * BLOCK, tier.allocatedBytes());
            assertEquals(INDEXED, tier.counters().blocks.get());
        }
    }

    @Test
    void removedPendingBlockIsNotDemoted() {
        try (CpuTier tier = tiers.open(TestBlocks.smallTier().nextTier(next))) {
            putAll(tier);
            BlockKey pending = notIndexedButPending(tier).get(0);

            assertTrue(tier.remove(pending));
            demoteAll(tier);

            assertFalse(next.contains(pending));
            assertEquals(PUT - INDEXED - 1, tier.counters().demotions.sum());
            assertEquals((long) INDEXED * BLOCK, tier.allocatedBytes());
        }
    }

    @Test
    void agentDemotesAtMostOneBatchPerCycle() {
        try (CpuTier tier = tiers.open(TestBlocks.smallTier().nextTier(next).demotionBatchBlocks(5))) {
            putAll(tier);

            assertEquals(5, demotionCycle(tier));
            assertEquals(PUT - INDEXED - 5, tier.pendingDemotions());
        }
    }

    @Test
    void dedicatedThreadDemotesWithoutHelp() throws InterruptedException {
        next.accepted = new CountDownLatch(PUT - INDEXED);
        try (CpuTier tier = tiers.open(TestBlocks.smallTier().nextTier(next)
            .threadingMode(ThreadingMode.DEDICATED).idleStrategy(new SleepingIdleStrategy(100_000)))) {
            putAll(tier);

            assertTrue(next.accepted.await(10, TimeUnit.SECONDS), "demoted by the agent thread");
            assertEquals(PUT - INDEXED, next.blocks.size());
        }
    }

    private static void putAll(CpuTier tier) {
        for (int i = 0; i < PUT; i++) {
            ByteBuffer src = bytes(key(i), BLOCK);
            assertEquals(ErrorCode.OK, tier.put(NS, key(i), src, crc(src)), "put " + i);
        }
    }

    /** Keys no longer in the index: evicted. */
    private static List<BlockKey> notIndexed(CpuTier tier) {
        List<BlockKey> keys = new ArrayList<>();
        for (int i = 0; i < PUT; i++) {
            if (!tier.isIndexed(key(i))) {
                keys.add(key(i));
            }
        }
        return keys;
    }

    private static List<BlockKey> notIndexedButPending(CpuTier tier) {
        List<BlockKey> keys = notIndexed(tier);
        assertFalse(keys.isEmpty());
        return keys;
    }
}
