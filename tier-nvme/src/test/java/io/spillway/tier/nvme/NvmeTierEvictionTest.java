package io.spillway.tier.nvme;

import static io.spillway.tier.nvme.TestBlocks.NS;
import static io.spillway.tier.nvme.TestBlocks.assertServes;
import static io.spillway.tier.nvme.TestBlocks.context;
import static io.spillway.tier.nvme.TestBlocks.crc;
import static io.spillway.tier.nvme.TestBlocks.key;
import static io.spillway.tier.nvme.TestBlocks.random;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.spillway.protocol.ErrorCode;
import io.spillway.tier.BlockHandle;
import java.nio.ByteBuffer;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class NvmeTierEvictionTest {
    @TempDir
    Path dir;

    @Test
    void bytesStayUnderCapAndEvictedBlocksAreMisses() {
        int maxBlock = 64 * 1024;
        long cap = 1L << 20;
        try (NvmeTier tier = NvmeTier.open(context(dir).maxBlockBytes(maxBlock).capacityBytes(cap).build())) {
            int n = 200;
            for (int i = 0; i < n; i++) {
                byte[] b = random(i, 1000 + (i * 7919) % (maxBlock - 1000));
                assertEquals(ErrorCode.OK, tier.put(NS, key(i), ByteBuffer.wrap(b), crc(b)));
                assertTrue(tier.counters().bytes.get() <= cap, "bytes over cap after put " + i);
            }
            int present = 0;
            for (int i = 0; i < n; i++) {
                byte[] expected = random(i, 1000 + (i * 7919) % (maxBlock - 1000));
                try (BlockHandle h = tier.get(NS, key(i))) {
                    assertEquals(tier.contains(key(i)), h != null);
                    if (h != null) {
                        present++;
                        assertArrayEquals(expected, TestBlocks.bytes(h));
                    }
                }
            }
            assertTrue(present > 0 && present < n, "some blocks evicted, some kept: " + present);
            assertEquals(present, tier.counters().blocks.get());
            assertEquals(n - present, tier.counters().evictions.sum());
            assertEquals(n - present, tier.counters().misses.sum());
            assertTrue(tier.contains(key(n - 1)), "the newest block is never the one evicted");
        }
    }

    @Test
    void leastRecentlyUsedGoesFirstAndAHitProtects() {
        int size = 10_000;
        long record = BlockRecord.HEADER_BYTES + size;
        try (NvmeTier tier = NvmeTier.open(context(dir).maxBlockBytes(size).capacityBytes(3 * record).build())) {
            for (int i = 0; i < 3; i++) {
                byte[] b = random(i, size);
                tier.put(NS, key(i), ByteBuffer.wrap(b), crc(b));
            }
            tier.get(NS, key(0)).close();
            byte[] b = random(3, size);
            tier.put(NS, key(3), ByteBuffer.wrap(b), crc(b));
            assertTrue(tier.contains(key(0)));
            assertFalse(tier.contains(key(1)));
            assertNull(tier.get(NS, key(1)));
            assertServes(tier, key(2), random(2, size));
            assertEquals(3 * record, tier.counters().bytes.get());
        }
    }

    @Test
    void evictionDeletesFromRocksDb() throws Exception {
        int size = 10_000;
        long record = BlockRecord.HEADER_BYTES + size;
        try (NvmeTier tier = NvmeTier.open(context(dir).maxBlockBytes(size).capacityBytes(2 * record).build())) {
            for (int i = 0; i < 3; i++) {
                byte[] b = random(i, size);
                tier.put(NS, key(i), ByteBuffer.wrap(b), crc(b));
            }
            assertNull(tier.store().recordBytes(key(0)), "evicted record is deleted, not just forgotten");
            assertEquals(BlockRecord.HEADER_BYTES + size, tier.store().recordBytes(key(2)).length);
        }
    }
}
