package io.spillway.tier.cpu;

import static io.spillway.tier.cpu.TestBlocks.NS;
import static io.spillway.tier.cpu.TestBlocks.bytes;
import static io.spillway.tier.cpu.TestBlocks.crc;
import static io.spillway.tier.cpu.TestBlocks.demoteAll;
import static io.spillway.tier.cpu.TestBlocks.key;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.spillway.key.BlockKey;
import io.spillway.tier.BlockHandle;
import io.spillway.tier.TierKind;
import io.spillway.tier.TierListener;
import java.nio.ByteBuffer;
import java.util.HashSet;
import java.util.List;
import java.util.Random;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.params.ParameterizedClass;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * The event feed's rule (docs/events.md): every change of whether the tier holds a key is followed by a listener call
 * for that key. Checked by comparing what the tier holds before and after a run of random puts, removes, reads,
 * evictions and demotions: every key whose holding differs must have been reported during the run.
 */
@ParameterizedClass
@EnumSource(CpuEvictionPolicy.class)
class TierListenerTest {
    private static final int KEYS = 120;

    @RegisterExtension
    final TierInvariants tiers;

    private final HeapTier next = new HeapTier();
    private final Set<BlockKey> reported = ConcurrentHashMap.newKeySet();
    private final TierListener listener = (tier, key) -> {
        assertEquals(TierKind.CPU, tier);
        reported.add(key);
    };

    TierListenerTest(CpuEvictionPolicy policy) {
        tiers = new TierInvariants(policy);
    }

    @Test
    void everyChangeOfHoldingIsReported() {
        try (CpuTier tier = tiers.open(TestBlocks.smallTier().nextTier(next).listener(listener))) {
            Random random = new Random(42);
            for (int round = 0; round < 60; round++) {
                Set<BlockKey> before = held(tier);
                reported.clear();
                for (int op = 0; op < 40; op++) {
                    step(tier, random);
                }
                Set<BlockKey> after = held(tier);
                assertReported(before, after);
            }
        }
    }

    @Test
    void everyChangeIsReportedUnderConcurrentWritersAndADedicatedDemoter() throws Exception {
        try (CpuTier tier = tiers.open(TestBlocks.smallTier().threadingMode(ThreadingMode.DEDICATED)
            .nextTier(next).listener(listener))) {
            Set<BlockKey> before = held(tier);
            CountDownLatch done = new CountDownLatch(3);
            for (int t = 0; t < 3; t++) {
                long seed = t;
                new Thread(() -> {
                    Random random = new Random(seed);
                    for (int op = 0; op < 3_000; op++) {
                        step(tier, random);
                    }
                    done.countDown();
                }).start();
            }
            done.await();
            long deadline = System.nanoTime() + 5_000_000_000L;
            while (tier.pendingDemotions() > 0 && System.nanoTime() < deadline) {
                Thread.sleep(1);
            }
            assertEquals(0, tier.pendingDemotions());
            assertReported(before, held(tier));
            assertTrue(reported.size() > KEYS / 2, "only " + reported.size() + " keys reported");
        }
    }

    @Test
    void keysListsIndexedAndPendingKeys() {
        try (CpuTier tier = tiers.open(TestBlocks.smallTier().nextTier(next).listener(listener))) {
            for (int i = 0; i < 60; i++) {
                put(tier, key(i));
            }
            assertTrue(tier.pendingDemotions() > 0, "some blocks wait for demotion");
            Set<BlockKey> listed = new HashSet<>();
            listed.addAll(tier.keys());
            assertEquals(held(tier), listed);
        }
    }

    private void step(CpuTier tier, Random random) {
        BlockKey key = key(random.nextInt(KEYS));
        int what = random.nextInt(10);
        if (what < 6) {
            put(tier, key);
        } else if (what < 8) {
            tier.remove(key);
        } else if (what < 9) {
            BlockHandle h = tier.get(NS, key); // a read is no change; it only reorders
            if (h != null) {
                h.close();
            }
        } else if (tier.context().threadingMode() == ThreadingMode.INVOKER) {
            demoteAll(tier);
        }
    }

    private static void put(CpuTier tier, BlockKey key) {
        ByteBuffer b = bytes(key, 16 << 10);
        tier.put(NS, key, b, crc(b));
    }

    private static Set<BlockKey> held(CpuTier tier) {
        Set<BlockKey> held = new HashSet<>();
        for (int i = 0; i < KEYS; i++) {
            if (tier.contains(key(i))) {
                held.add(key(i));
            }
        }
        return held;
    }

    private void assertReported(Set<BlockKey> before, Set<BlockKey> after) {
        for (BlockKey k : List.copyOf(union(before, after))) {
            if (before.contains(k) != after.contains(k)) {
                assertTrue(reported.contains(k), k + " went " + (after.contains(k) ? "in" : "out")
                    + " without a listener call");
            }
        }
    }

    private static Set<BlockKey> union(Set<BlockKey> a, Set<BlockKey> b) {
        Set<BlockKey> u = new HashSet<>(a);
        u.addAll(b);
        return u;
    }
}
