package io.spillway.tier.cpu;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.extension.AfterEachCallback;
import org.junit.jupiter.api.extension.ExtensionContext;

/**
 * Opens a test's tiers under one {@link CpuEvictionPolicy} and, after a passing test, checks what must hold for every
 * tier under every policy (in the manner of Caffeine's {@code CacheValidationListener}): the cap, the index's
 * weight bound and the gauges; then closes the tier and checks that nothing is left held or allocated.
 */
final class TierInvariants implements AfterEachCallback {
    private final CpuEvictionPolicy policy;
    private final List<CpuTier> tiers = new ArrayList<>();

    TierInvariants(CpuEvictionPolicy policy) {
        this.policy = policy;
    }

    CpuEvictionPolicy policy() {
        return policy;
    }

    /** Builds and opens a tier with this policy; it is checked and closed after the test. */
    CpuTier open(CpuTierContext.Builder builder) {
        CpuTier tier = CpuTier.open(builder.evictionPolicy(policy).build());
        tiers.add(tier);
        return tier;
    }

    @Override
    public void afterEach(ExtensionContext context) {
        boolean passed = context.getExecutionException().isEmpty();
        for (CpuTier tier : tiers) {
            if (passed) {
                checkOpen(tier);
            }
            tier.close();
            if (passed) {
                checkClosed(tier);
            }
        }
    }

    /** What holds at any quiescent moment, open or closed. */
    static void checkOpen(CpuTier tier) {
        tier.cleanUp();
        assertTrue(tier.allocatedBytes() <= tier.capacityBytes(),
            "allocated " + tier.allocatedBytes() + " > cap " + tier.capacityBytes());
        assertTrue(tier.indexedWeight() <= tier.context().maxIndexBytes(),
            "index weight " + tier.indexedWeight() + " > " + tier.context().maxIndexBytes());
        assertTrue(tier.counters().bytes.get() >= 0 && tier.counters().blocks.get() >= 0, "gauges below 0");
        assertTrue(tier.counters().bytes.get() <= tier.allocatedBytes(),
            "held " + tier.counters().bytes.get() + " > allocated " + tier.allocatedBytes());
        long grouped = 0;
        for (var e : tier.groupUsage().entrySet()) {
            GroupUsage u = e.getValue();
            assertTrue(u.bytes() >= 0 && u.blocks() >= 0, "group " + e.getKey() + " below 0: " + u);
            assertTrue(u.bytes() <= u.limitBytes(), "group " + e.getKey() + " over its limit: " + u);
            grouped += u.bytes();
        }
        assertTrue(grouped <= tier.indexedWeight(), "groups hold " + grouped + " > indexed " + tier.indexedWeight());
    }

    /** After close, once the test has closed its handles and ended its writers: nothing held, nothing allocated. */
    static void checkClosed(CpuTier tier) {
        assertEquals(0, tier.indexedWeight(), "index weight after close");
        assertEquals(0, tier.pendingDemotions(), "pending demotions after close");
        assertEquals(0, tier.counters().bytes.get(), "bytes gauge after close");
        assertEquals(0, tier.counters().blocks.get(), "blocks gauge after close");
        assertEquals(0, tier.allocatedBytes(), "allocated after close");
        assertEquals(0, tier.activeAllocations(), "allocations after close");
        tier.groupUsage().forEach((g, u) -> assertEquals(0, u.blocks(), "group " + g + " after close: " + u));
    }
}
