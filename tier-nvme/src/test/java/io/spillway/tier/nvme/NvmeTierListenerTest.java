package io.spillway.tier.nvme;

import static io.spillway.tier.nvme.TestBlocks.NS;
import static io.spillway.tier.nvme.TestBlocks.context;
import static io.spillway.tier.nvme.TestBlocks.crc;
import static io.spillway.tier.nvme.TestBlocks.key;
import static io.spillway.tier.nvme.TestBlocks.random;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.spillway.key.BlockKey;
import io.spillway.tier.BlockHandle;
import io.spillway.tier.TierKind;
import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.util.HashSet;
import java.util.Random;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Every change of whether the tier holds a key — a write, an eviction, a removal, a corrupt block dropped — is
 * followed by a listener call for that key (docs/events.md), and {@link NvmeTier#keys} lists what it holds.
 */
class NvmeTierListenerTest {
    private static final int KEYS = 80;
    private static final int BLOCK = 16 << 10;

    @TempDir
    Path dir;

    private final Set<BlockKey> reported = ConcurrentHashMap.newKeySet();

    @Test
    void everyChangeOfHoldingIsReportedAndListed() {
        try (NvmeTier tier = NvmeTier.open(context(dir).maxBlockBytes(BLOCK).capacityBytes(40L * (BLOCK + 64))
            .listener((t, k) -> {
                assertEquals(TierKind.NVME, t);
                reported.add(k);
            }).build())) {
            Random random = new Random(5);
            for (int round = 0; round < 40; round++) {
                Set<BlockKey> before = held(tier);
                reported.clear();
                for (int op = 0; op < 30; op++) {
                    int i = random.nextInt(KEYS);
                    if (random.nextInt(4) == 0) {
                        tier.remove(key(i));
                    } else {
                        byte[] b = random(i, BLOCK);
                        tier.put(NS, key(i), ByteBuffer.wrap(b), crc(b));
                    }
                }
                Set<BlockKey> after = held(tier);
                Set<BlockKey> all = new HashSet<>(before);
                all.addAll(after);
                for (BlockKey k : all) {
                    if (before.contains(k) != after.contains(k)) {
                        assertTrue(reported.contains(k), k + " changed without a listener call");
                    }
                }
                Set<BlockKey> listed = new HashSet<>();
                listed.addAll(tier.keys());
                assertEquals(after, listed);
            }
            assertTrue(tier.counters().evictions.sum() > 0, "the run evicted");
        }
    }

    @Test
    void aCorruptBlockDroppedOnReadIsReported() throws Exception {
        try (NvmeTier tier = NvmeTier.open(context(dir).listener((t, k) -> reported.add(k)).build())) {
            byte[] b = random(1, 4096);
            tier.storeBlock(NS, key(1), ByteBuffer.wrap(b), crc(b) ^ 1); // a record whose checksum is wrong
            reported.clear();
            try (BlockHandle h = tier.get(NS, key(1))) {
                assertEquals(null, h);
            }
            assertTrue(reported.contains(key(1)));
            assertTrue(!tier.contains(key(1)));
        }
    }

    private static Set<BlockKey> held(NvmeTier tier) {
        Set<BlockKey> held = new HashSet<>();
        for (int i = 0; i < KEYS; i++) {
            if (tier.contains(key(i))) {
                held.add(key(i));
            }
        }
        return held;
    }
}
