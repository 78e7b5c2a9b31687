package io.spillway.tier.cpu;

import static io.spillway.tier.cpu.TestBlocks.BLOCK;
import static io.spillway.tier.cpu.TestBlocks.NS;
import static io.spillway.tier.cpu.TestBlocks.OTHER_NS;
import static io.spillway.tier.cpu.TestBlocks.bytes;
import static io.spillway.tier.cpu.TestBlocks.crc;
import static io.spillway.tier.cpu.TestBlocks.demoteAll;
import static io.spillway.tier.cpu.TestBlocks.key;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.spillway.key.BlockKey;
import io.spillway.protocol.ErrorCode;
import io.spillway.tier.BlockHandle;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ThreadLocalRandom;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.params.ParameterizedClass;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * Group shares of the index (tenant quotas, to the server): a group over its limit evicts its own least recently
 * used blocks, never another group's, under either eviction policy. The small tier's index holds 48 blocks.
 */
@ParameterizedClass
@EnumSource(CpuEvictionPolicy.class)
class GroupSharesTest {
    private static final BlockKey UNGROUPED_NS = new BlockKey(0x5711_0000L, 3);

    @RegisterExtension
    final TierInvariants tiers;
    private final HeapTier next = new HeapTier();
    private final CpuTier tier;

    GroupSharesTest(CpuEvictionPolicy policy) {
        tiers = new TierInvariants(policy);
        tier = tiers.open(TestBlocks.smallTier().nextTier(next).groupOf(GroupSharesTest::groupOf));
    }

    private static String groupOf(BlockKey namespace) {
        return namespace.equals(NS) ? "a" : namespace.equals(OTHER_NS) ? "b" : null;
    }

    @Test
    void aGroupAtItsLimitEvictsItsOwnOldestBlocksAndDemotesThem() {
        tier.setGroupLimit("a", 10L * BLOCK);
        put(OTHER_NS, 100, 110);        // group b: 10 blocks, no limit
        put(NS, 0, 15);                 // group a: 15 puts under a 10-block limit
        demoteAll(tier);

        for (int i = 0; i < 5; i++) {
            assertFalse(tier.contains(key(i)), "a's oldest, evicted for its limit: " + i);
            assertTrue(next.contains(key(i)), "and demoted, not lost: " + i);
        }
        for (int i = 5; i < 15; i++) {
            assertTrue(tier.contains(key(i)), "a's newest kept: " + i);
        }
        for (int i = 100; i < 110; i++) {
            assertTrue(tier.contains(key(i)), "b untouched: " + i);
        }
        GroupUsage a = tier.groupUsage().get("a");
        assertEquals(new GroupUsage(10L * BLOCK, 10, 10L * BLOCK, 5), a);
        assertEquals(new GroupUsage(10L * BLOCK, 10, Long.MAX_VALUE, 0), tier.groupUsage().get("b"));
        assertEquals(5, tier.counters().evictions.sum(), "limit evictions are evictions");
    }

    @Test
    void aReadKeepsABlockInsideItsGroupsShare() {
        tier.setGroupLimit("a", 4L * BLOCK);
        put(NS, 0, 4);
        try (BlockHandle h = tier.get(NS, key(0))) {
            assertNotNull(h);
        }
        put(NS, 4, 5);

        assertTrue(tier.isIndexed(key(0)), "read last, so the group's most recently used");
        assertFalse(tier.isIndexed(key(1)), "the group's least recently used goes");
    }

    @Test
    void loweringALimitEvictsAtOnce() {
        put(NS, 0, 12);
        tier.setGroupLimit("a", 3L * BLOCK);

        assertEquals(3, tier.groupUsage().get("a").blocks());
        for (int i = 0; i < 9; i++) {
            assertFalse(tier.isIndexed(key(i)), "evicted when the limit dropped: " + i);
        }
        tier.setGroupLimit("a", Long.MAX_VALUE);
        put(NS, 12, 20);
        assertEquals(11, tier.groupUsage().get("a").blocks(), "no limit again");
    }

    @Test
    void ungroupedNamespacesAndTheGlobalPolicyStillWork() {
        tier.setGroupLimit("a", 2L * BLOCK);
        put(UNGROUPED_NS, 200, 230);    // more than the index holds: the policy evicts as before
        demoteAll(tier);
        put(UNGROUPED_NS, 230, 260);
        demoteAll(tier);
        put(NS, 0, 5);

        assertEquals(2, tier.groupUsage().get("a").blocks());
        assertFalse(tier.groupUsage().containsKey(null));
        long indexed = 0;
        for (int i = 200; i < 260; i++) {
            indexed += tier.isIndexed(key(i)) ? 1 : 0;
        }
        assertTrue(indexed <= 48 && indexed >= 40, "ungrouped blocks indexed: " + indexed);
    }

    @Test
    void aBlockLargerThanItsGroupsLimitIsEvictedAtOnceAndOthersStay() {
        tier.setGroupLimit("a", BLOCK);
        put(NS, 0, 1);
        BlockKey big = key(50);
        ByteBuffer src = bytes(big, 2 * BLOCK);
        assertEquals(ErrorCode.OK, tier.put(NS, big, src, crc(src)));

        assertFalse(tier.isIndexed(big), "over the limit on its own");
        assertFalse(tier.isIndexed(key(0)), "evicted first, as the older");
        assertEquals(0, tier.groupUsage().get("a").bytes());
    }

    @Test
    void removeAndRePutKeepTheAccountingExact() {
        put(NS, 0, 4);
        assertTrue(tier.remove(key(1)));
        put(NS, 1, 2);
        put(NS, 0, 4); // all present: nothing stored twice
        assertEquals(new GroupUsage(4L * BLOCK, 4, Long.MAX_VALUE, 0), tier.groupUsage().get("a"));
    }

    @Test
    void aTierWithoutGroupsRefusesALimit() {
        CpuTier plain = tiers.open(TestBlocks.smallTier());
        assertThrows(IllegalStateException.class, () -> plain.setGroupLimit("a", BLOCK));
        assertTrue(plain.groupUsage().isEmpty());
        assertThrows(IllegalArgumentException.class, () -> tier.setGroupLimit("a", -1));
    }

    @Test
    void concurrentPutsReadsAndRemovesNeverLeaveAGroupOverItsLimit() throws Exception {
        CpuTier tier = tiers.open(TestBlocks.smallTier().threadingMode(ThreadingMode.DEDICATED)
            .nextTier(new HeapTier()).groupOf(GroupSharesTest::groupOf));
        tier.setGroupLimit("a", 8L * BLOCK);
        tier.setGroupLimit("b", 16L * BLOCK);
        List<Thread> threads = new ArrayList<>();
        for (int t = 0; t < 4; t++) {
            BlockKey ns = t % 2 == 0 ? NS : OTHER_NS;
            int base = t * 1000;
            threads.add(new Thread(() -> {
                ThreadLocalRandom r = ThreadLocalRandom.current();
                for (int i = 0; i < 2000; i++) {
                    int k = base + r.nextInt(40);
                    switch (r.nextInt(4)) {
                        case 0 -> tier.remove(key(k));
                        case 1 -> {
                            BlockHandle h = tier.get(ns, key(k));
                            if (h != null) {
                                h.close();
                            }
                        }
                        default -> {
                            ByteBuffer src = bytes(key(k), BLOCK);
                            ErrorCode s = tier.put(ns, key(k), src, crc(src));
                            assertTrue(s == ErrorCode.OK || s == ErrorCode.BACK_PRESSURE, s.toString());
                        }
                    }
                }
            }));
        }
        threads.forEach(Thread::start);
        for (Thread t : threads) {
            t.join();
        }
        Map<String, GroupUsage> usage = tier.groupUsage();
        assertTrue(usage.get("a").bytes() <= 8L * BLOCK, usage.toString());
        assertTrue(usage.get("b").bytes() <= 16L * BLOCK, usage.toString());
        long indexedA = 0;
        long indexedB = 0;
        for (int t = 0; t < 4; t++) {
            for (int k = t * 1000; k < t * 1000 + 40; k++) {
                if (tier.isIndexed(key(k))) {
                    if (t % 2 == 0) {
                        indexedA++;
                    } else {
                        indexedB++;
                    }
                }
            }
        }
        assertEquals(usage.get("a").blocks(), indexedA, "group a counts exactly its indexed blocks");
        assertEquals(usage.get("b").blocks(), indexedB, "group b counts exactly its indexed blocks");
    }

    private void put(BlockKey ns, int from, int to) {
        for (int i = from; i < to; i++) {
            ByteBuffer src = bytes(key(i), BLOCK);
            assertEquals(ErrorCode.OK, tier.put(ns, key(i), src, crc(src)), "put " + i);
        }
    }
}
