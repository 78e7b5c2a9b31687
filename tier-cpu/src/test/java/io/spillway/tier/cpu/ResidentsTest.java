package io.spillway.tier.cpu;

import static io.spillway.tier.cpu.TestBlocks.BLOCK;
import static io.spillway.tier.cpu.TestBlocks.NS;
import static io.spillway.tier.cpu.TestBlocks.assertBlock;
import static io.spillway.tier.cpu.TestBlocks.bytes;
import static io.spillway.tier.cpu.TestBlocks.crc;
import static io.spillway.tier.cpu.TestBlocks.key;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.spillway.key.BlockKey;
import io.spillway.protocol.ErrorCode;
import io.spillway.tier.BlockHandle;
import java.nio.ByteBuffer;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.params.ParameterizedClass;
import org.junit.jupiter.params.provider.EnumSource;

/** {@link CpuTier#residents()}: the snapshot a node hands off, read without disturbing order or counters. */
@ParameterizedClass
@EnumSource(CpuEvictionPolicy.class)
class ResidentsTest {
    @RegisterExtension
    final TierInvariants tiers;
    private final CpuEvictionPolicy policy;

    ResidentsTest(CpuEvictionPolicy policy) {
        this.policy = policy;
        tiers = new TierInvariants(policy);
    }

    @Test
    void listsEveryIndexedBlockWithItsNamespaceAndBytes() {
        try (CpuTier tier = tiers.open(TestBlocks.smallTier())) {
            for (int i = 0; i < 10; i++) {
                put(tier, key(i));
            }
            List<ResidentBlock> residents = tier.residents();
            Set<BlockKey> seen = new HashSet<>();
            for (ResidentBlock r : residents) {
                assertEquals(NS, r.namespace());
                assertEquals(BLOCK, r.length());
                try (BlockHandle h = r.pin()) {
                    assertNotNull(h);
                    assertBlock(r.key(), BLOCK, h.data());
                    assertEquals(r.crc32c(), h.crc32c());
                }
                seen.add(r.key());
            }
            assertEquals(10, seen.size());
            assertEquals(0, tier.counters().hits.sum(), "reading residents is not a hit");
        }
    }

    @Test
    void lruListsMostRecentlyUsedFirstAndReadingThemKeepsTheOrder() {
        if (policy != CpuEvictionPolicy.LRU) {
            return; // W-TinyLFU's order is Caffeine's own; the first test covers its content
        }
        try (CpuTier tier = tiers.open(TestBlocks.smallTier())) {
            for (int i = 0; i < 5; i++) {
                put(tier, key(i));
            }
            tier.get(NS, key(1)).close();
            List<BlockKey> order = tier.residents().stream().map(ResidentBlock::key).toList();
            assertEquals(List.of(key(1), key(4), key(3), key(2), key(0)), order);
            for (ResidentBlock r : tier.residents()) {
                r.pin().close();
            }
            assertEquals(order, tier.residents().stream().map(ResidentBlock::key).toList());
        }
    }

    @Test
    void aFreedResidentPinsToNull() {
        try (CpuTier tier = tiers.open(TestBlocks.smallTier())) {
            put(tier, key(0));
            ResidentBlock r = tier.residents().get(0);
            assertTrue(tier.remove(key(0)));
            assertNull(r.pin(), "removed and freed: no handle on recycled memory");
        }
    }

    private static void put(CpuTier tier, BlockKey key) {
        ByteBuffer b = bytes(key, BLOCK);
        assertEquals(ErrorCode.OK, tier.put(NS, key, b, crc(b)));
    }
}
