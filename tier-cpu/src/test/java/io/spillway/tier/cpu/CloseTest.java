package io.spillway.tier.cpu;

import static io.spillway.tier.cpu.TestBlocks.BLOCK;
import static io.spillway.tier.cpu.TestBlocks.NS;
import static io.spillway.tier.cpu.TestBlocks.bytes;
import static io.spillway.tier.cpu.TestBlocks.crc;
import static io.spillway.tier.cpu.TestBlocks.expected;
import static io.spillway.tier.cpu.TestBlocks.key;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.spillway.protocol.ErrorCode;
import java.nio.ByteBuffer;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.params.ParameterizedClass;
import org.junit.jupiter.params.provider.EnumSource;

@ParameterizedClass
@EnumSource(CpuEvictionPolicy.class)
class CloseTest {
    @RegisterExtension
    final TierInvariants tiers;
    private final HeapTier next = new HeapTier();

    CloseTest(CpuEvictionPolicy policy) {
        tiers = new TierInvariants(policy);
    }

    @Test
    void closeReleasesIndexedAndPendingBlocks() {
        next.refuseAll();
        CpuTier tier = tiers.open(TestBlocks.smallTier().nextTier(next));
        putRange(tier, 60);
        assertTrue(tier.pendingDemotions() > 0);

        tier.close();

        assertEquals(0, tier.allocatedBytes());
        assertEquals(0, tier.activeAllocations());
        assertEquals(0, tier.pendingDemotions());
        assertEquals(0, tier.counters().bytes.get());
        assertEquals(0, tier.counters().blocks.get());
        assertEquals(0, next.blocks.size(), "no flush unless asked");
    }

    @Test
    void closedTierRefusesPutsAndMissesGets() {
        CpuTier tier = tiers.open(TestBlocks.smallTier());
        putRange(tier, 1);
        tier.close();

        ByteBuffer src = bytes(key(1), BLOCK);
        assertEquals(ErrorCode.SHUTTING_DOWN, tier.put(NS, key(1), src, crc(src)));
        assertNull(tier.get(NS, key(0)));
        assertFalse(tier.contains(key(0)));
        assertEquals(0, tier.allocatedBytes());
    }

    @Test
    void closingTwiceIsHarmless() {
        CpuTier tier = tiers.open(TestBlocks.smallTier().nextTier(next));
        putRange(tier, 10);
        tier.close();
        tier.close();
        assertEquals(0, tier.allocatedBytes());
    }

    @Test
    void flushOnCloseDemotesEveryBlockFirst() {
        CpuTier tier = tiers.open(TestBlocks.smallTier().nextTier(next).flushOnClose(true));
        putRange(tier, 60);

        tier.close();

        assertEquals(60, next.blocks.size());
        for (int i = 0; i < 60; i++) {
            assertArrayEquals(expected(key(i), BLOCK), next.blocks.get(key(i)).bytes());
        }
        assertEquals(60, tier.counters().demotions.sum());
        assertEquals(12, tier.counters().evictions.sum(), "only the real evictions count as such");
        assertEquals(0, tier.allocatedBytes());
    }

    @Test
    void flushOnCloseGivesUpAfterTheTimeoutWhenTheNextTierRefuses() {
        next.refuseAll();
        CpuTier tier = tiers.open(TestBlocks.smallTier().nextTier(next).flushOnClose(true)
            .closeTimeoutMs(50));
        putRange(tier, 10);

        tier.close();

        assertEquals(0, next.blocks.size());
        assertEquals(0, tier.allocatedBytes());
        assertEquals(0, tier.activeAllocations());
    }

    @Test
    void closeStopsTheDedicatedDemotionThread() {
        CpuTier tier = tiers.open(TestBlocks.smallTier().nextTier(next)
            .threadingMode(ThreadingMode.DEDICATED));
        assertTrue(demotionThreadAlive());

        tier.close();

        assertFalse(demotionThreadAlive());
    }

    @Test
    void closeReportsAStalledDemotionThreadInterruptsItAndWaitsForIt() throws InterruptedException {
        next.mode = HeapTier.Mode.STALL;
        List<Throwable> errors = new CopyOnWriteArrayList<>();
        CpuTier tier = tiers.open(TestBlocks.smallTier().nextTier(next).threadingMode(ThreadingMode.DEDICATED)
            .closeTimeoutMs(100).errorHandler(errors::add));
        putRange(tier, 60);
        assertTrue(next.stalled.await(10, TimeUnit.SECONDS), "the demotion thread is stuck in the next tier");

        tier.close();

        assertFalse(demotionThreadAlive(), "close returns once the thread has stopped");
        assertEquals(1, errors.size(), errors.toString());
        assertEquals("spillway-cpu-demotion did not stop within 100 ms; interrupted", errors.get(0).getMessage());
        assertEquals(0, tier.allocatedBytes());
    }

    @Test
    void theDedicatedDemotionThreadIsADaemon() {
        try (CpuTier tier = tiers.open(TestBlocks.smallTier().nextTier(next)
            .threadingMode(ThreadingMode.DEDICATED))) {
            assertTrue(Thread.getAllStackTraces().keySet().stream()
                .filter(t -> t.getName().equals("spillway-cpu-demotion")).allMatch(Thread::isDaemon));
            assertTrue(demotionThreadAlive());
        }
    }

    private static boolean demotionThreadAlive() {
        return Thread.getAllStackTraces().keySet().stream()
            .anyMatch(t -> t.getName().equals("spillway-cpu-demotion") && t.isAlive());
    }

    private static void putRange(CpuTier tier, int count) {
        for (int i = 0; i < count; i++) {
            ByteBuffer src = bytes(key(i), BLOCK);
            assertEquals(ErrorCode.OK, tier.put(NS, key(i), src, crc(src)));
        }
    }
}
