package io.spillway.tier.cpu;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Properties;
import org.agrona.concurrent.YieldingIdleStrategy;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.function.Executable;

class CpuTierContextTest {
    @Test
    void defaultsAreTheDocumentedValues() {
        CpuTierContext ctx = CpuTierContext.builder().build();

        assertEquals(1L << 30, ctx.capacityBytes());
        assertEquals(8 << 20, ctx.maxBlockBytes());
        assertEquals(0.1, ctx.demotionHeadroomFraction());
        assertEquals(CpuEvictionPolicy.LRU, ctx.evictionPolicy());
        assertEquals((long) Math.ceil((1L << 30) * 0.1), ctx.demotionHeadroomBytes());
        assertEquals((1L << 30) - ctx.demotionHeadroomBytes(), ctx.maxIndexBytes());
        assertEquals(256, ctx.demotionQueueBlocks());
        assertEquals(16, ctx.demotionBatchBlocks());
        assertEquals(ThreadingMode.DEDICATED, ctx.threadingMode());
        assertEquals("BackoffIdleStrategy{alias=backoff, maxSpins=10, maxYields=5, minParkPeriodNs=1000,"
            + " maxParkPeriodNs=1000000}", ctx.idleStrategy().toString(), "Agrona's, with the tier's parameters");
        assertEquals(4 << 20, ctx.chunkBytes());
        assertFalse(ctx.flushOnClose());
        assertEquals(5000, ctx.closeTimeoutMs());
        assertNull(ctx.nextTier());
    }

    @Test
    void headroomIsAtLeastOneLargestBlock() {
        CpuTierContext ctx = CpuTierContext.builder().capacityBytes(100 << 20).maxBlockBytes(30 << 20)
            .demotionHeadroomFraction(0.05).build();

        assertEquals(30 << 20, ctx.demotionHeadroomBytes());
        assertEquals(70 << 20, ctx.maxIndexBytes());
    }

    @Test
    void fromPropertiesReadsEverySetting() {
        Properties p = new Properties();
        p.setProperty("spillway.cpu.capacityBytes", "64m");
        p.setProperty("spillway.cpu.maxBlockBytes", "2M");
        p.setProperty("spillway.cpu.demotionHeadroomFraction", "0.2");
        p.setProperty("spillway.cpu.evictionPolicy", "w-tinylfu");
        p.setProperty("spillway.cpu.demotionQueueBlocks", "32");
        p.setProperty("spillway.cpu.demotionBatchBlocks", "4");
        p.setProperty("spillway.cpu.threadingMode", "invoker");
        p.setProperty("spillway.cpu.idleStrategy", "sleeping");
        p.setProperty("spillway.cpu.idleMaxParkMicros", "250");
        p.setProperty("spillway.cpu.arenas", "3");
        p.setProperty("spillway.cpu.chunkBytes", "16m");
        p.setProperty("spillway.cpu.flushOnClose", "true");
        p.setProperty("spillway.cpu.closeTimeoutMs", "100");

        CpuTierContext ctx = CpuTierContext.fromProperties(p).build();

        assertEquals(64L << 20, ctx.capacityBytes());
        assertEquals(2 << 20, ctx.maxBlockBytes());
        assertEquals(0.2, ctx.demotionHeadroomFraction());
        assertEquals(CpuEvictionPolicy.W_TINYLFU, ctx.evictionPolicy());
        assertEquals(32, ctx.demotionQueueBlocks());
        assertEquals(4, ctx.demotionBatchBlocks());
        assertEquals(ThreadingMode.INVOKER, ctx.threadingMode());
        assertEquals("SleepingIdleStrategy{alias=sleep-ns, sleepPeriodNs=250000}", ctx.idleStrategy().toString());
        assertEquals(3, ctx.arenas());
        assertEquals(16 << 20, ctx.chunkBytes());
        assertTrue(ctx.flushOnClose());
        assertEquals(100, ctx.closeTimeoutMs());
    }

    @Test
    void theOldCloseTimeoutNameIsStillReadButTheNewOneWins() {
        Properties old = new Properties();
        old.setProperty("spillway.cpu.closeTimeoutMillis", "250");
        assertEquals(250, CpuTierContext.fromProperties(old).build().closeTimeoutMs());

        Properties both = new Properties();
        both.setProperty("spillway.cpu.closeTimeoutMillis", "250");
        both.setProperty(CpuTierContext.CLOSE_TIMEOUT_MS_PROP, "300");
        assertEquals(300, CpuTierContext.fromProperties(both).build().closeTimeoutMs());

        Properties bad = new Properties();
        bad.setProperty("spillway.cpu.closeTimeoutMillis", "soon");
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
            () -> CpuTierContext.fromProperties(bad));
        assertEquals("spillway.cpu.closeTimeoutMs must be an integer, got 'soon' (from deprecated name "
            + "spillway.cpu.closeTimeoutMillis)", e.getMessage());
    }

    @Test
    void namedIdleStrategiesAreAgronasWithTheLongestPark() {
        assertEquals("BackoffIdleStrategy{alias=backoff, maxSpins=10, maxYields=5, minParkPeriodNs=1000,"
            + " maxParkPeriodNs=1000}", CpuTierContext.builder().idleMaxParkMicros(1).idleStrategy("backoff").build()
            .idleStrategy().toString());
        assertEquals("SleepingIdleStrategy{alias=sleep-ns, sleepPeriodNs=7000}", CpuTierContext.builder()
            .idleMaxParkMicros(7).idleStrategy("sleeping").build().idleStrategy().toString());
        assertTrue(CpuTierContext.builder().idleStrategy("yielding").build().idleStrategy()
            instanceof YieldingIdleStrategy);
    }

    @Test
    void nonPositiveCapacityIsRejectedNamingTheValue() {
        assertMessage("capacityBytes (spillway.cpu.capacityBytes) must be > 0, got 0",
            () -> CpuTierContext.builder().capacityBytes(0));
        assertMessage("maxBlockBytes (spillway.cpu.maxBlockBytes) must be > 0, got -1",
            () -> CpuTierContext.builder().maxBlockBytes(-1));
    }

    @Test
    void badPropertyValueIsRejectedNamingPropertyAndValue() {
        assertMessage("spillway.cpu.capacityBytes must be a byte count such as 1048576, 64k, 16m or 2t, got 'lots'",
            () -> CpuTierContext.fromProperties(props("spillway.cpu.capacityBytes", "lots")));
        assertMessage("spillway.cpu.flushOnClose must be true or false, got 'yes'",
            () -> CpuTierContext.fromProperties(props("spillway.cpu.flushOnClose", "yes")));
        assertMessage("spillway.cpu.threadingMode must be one of [DEDICATED, INVOKER], got 'shared'",
            () -> CpuTierContext.fromProperties(props("spillway.cpu.threadingMode", "shared")));
        assertMessage("spillway.cpu.idleStrategy: idle strategy must be one of backoff, sleeping, yielding, "
            + "got 'spin'", () -> CpuTierContext.fromProperties(props("spillway.cpu.idleStrategy", "spin")));
        assertMessage("spillway.cpu.maxBlockBytes must be at most 2147483647 B, got '4g'",
            () -> CpuTierContext.fromProperties(props("spillway.cpu.maxBlockBytes", "4g")));
        assertMessage("spillway.cpu.demotionQueueBlocks must be an integer, got 'many'",
            () -> CpuTierContext.fromProperties(props("spillway.cpu.demotionQueueBlocks", "many")));
        assertMessage("spillway.cpu.demotionHeadroomFraction must be a number, got 'tenth'",
            () -> CpuTierContext.fromProperties(props("spillway.cpu.demotionHeadroomFraction", "tenth")));
    }

    @Test
    void evictionPolicyIsReadByPropertyValueOrConstantNameInAnyCase() {
        assertEquals(CpuEvictionPolicy.LRU, policyOf("lru"));
        assertEquals(CpuEvictionPolicy.LRU, policyOf(" LRU "));
        assertEquals(CpuEvictionPolicy.W_TINYLFU, policyOf("W-TinyLFU"));
        assertEquals(CpuEvictionPolicy.W_TINYLFU, policyOf("w_tinylfu"));
        assertEquals("w-tinylfu", CpuEvictionPolicy.W_TINYLFU.propertyValue());
    }

    @Test
    void unknownEvictionPolicyIsRejectedNamingPropertyValueAndChoices() {
        assertMessage("spillway.cpu.evictionPolicy must be one of [lru, w-tinylfu], got 'lfu'",
            () -> CpuTierContext.fromProperties(props("spillway.cpu.evictionPolicy", "lfu")));
        assertMessage("spillway.cpu.evictionPolicy must not be empty, got ' '",
            () -> CpuTierContext.fromProperties(props("spillway.cpu.evictionPolicy", " ")));
        assertMessage("evictionPolicy (spillway.cpu.evictionPolicy) must not be null",
            () -> CpuTierContext.builder().evictionPolicy(null));
    }

    @Test
    void maxBlockNotBelowCapacityIsRejectedNamingBoth() {
        assertMessage("maxBlockBytes (spillway.cpu.maxBlockBytes) = 1048576 must be < capacityBytes "
            + "(spillway.cpu.capacityBytes) = 1048576",
            () -> CpuTierContext.builder().capacityBytes(1 << 20).maxBlockBytes(1 << 20).build());
    }

    @Test
    void headroomFractionOutsideZeroToOneIsRejected() {
        assertMessage("demotionHeadroomFraction (spillway.cpu.demotionHeadroomFraction) must be in [0, 1), got 1.0",
            () -> CpuTierContext.builder().demotionHeadroomFraction(1.0));
        assertMessage("demotionHeadroomFraction (spillway.cpu.demotionHeadroomFraction) must be in [0, 1), got NaN",
            () -> CpuTierContext.builder().demotionHeadroomFraction(Double.NaN));
    }

    @Test
    void chunkBytesMustBeAPowerOfTwoInRange() {
        assertMessage("chunkBytes (spillway.cpu.chunkBytes) must be a power of two in [8192, 134217728], got 12288",
            () -> CpuTierContext.builder().chunkBytes(12288));
        assertThrows(IllegalArgumentException.class, () -> CpuTierContext.builder().chunkBytes(256 << 20));
    }

    private static CpuEvictionPolicy policyOf(String value) {
        return CpuTierContext.fromProperties(props("spillway.cpu.evictionPolicy", value)).build().evictionPolicy();
    }

    private static Properties props(String name, String value) {
        Properties p = new Properties();
        p.setProperty(name, value);
        return p;
    }

    private static void assertMessage(String expected, Executable executable) {
        assertEquals(expected, assertThrows(IllegalArgumentException.class, executable).getMessage());
    }
}
