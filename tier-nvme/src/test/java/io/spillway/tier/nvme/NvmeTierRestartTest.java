package io.spillway.tier.nvme;

import static io.spillway.tier.nvme.TestBlocks.NS;
import static io.spillway.tier.nvme.TestBlocks.assertServes;
import static io.spillway.tier.nvme.TestBlocks.context;
import static io.spillway.tier.nvme.TestBlocks.crc;
import static io.spillway.tier.nvme.TestBlocks.key;
import static io.spillway.tier.nvme.TestBlocks.random;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.spillway.protocol.ErrorCode;
import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class NvmeTierRestartTest {
    @TempDir
    Path dir;

    @ParameterizedTest(name = "blobFiles={0} writeAheadLog={1} compression={2}")
    @CsvSource({"false,false,NONE", "false,true,NONE", "true,false,NONE", "true,true,LZ4_SHUFFLE2",
        "false,false,LZ4"})
    void reopenServesEverythingByteIdenticalWithCountersLoaded(boolean blobFiles, boolean wal, Compression c) {
        NvmeTierContext ctx = context(dir).blobFiles(blobFiles).writeAheadLog(wal).compression(c).build();
        int[] sizes = {0, 10, 70_000, 1 << 20, (2 << 20) + 1};
        long bytes;
        try (NvmeTier tier = NvmeTier.open(ctx)) {
            for (int i = 0; i < sizes.length; i++) {
                byte[] b = i % 2 == 0 ? random(i, sizes[i]) : TestBlocks.bf16Like(i, sizes[i]);
                assertEquals(ErrorCode.OK, tier.put(NS, key(i), ByteBuffer.wrap(b), crc(b)));
            }
            assertTrue(tier.remove(key(1)));
            bytes = tier.counters().bytes.get();
        }
        try (NvmeTier tier = NvmeTier.open(ctx)) {
            assertEquals(sizes.length - 1, tier.counters().blocks.get());
            assertEquals(bytes, tier.counters().bytes.get());
            assertEquals(0, tier.counters().puts.sum(), "counters other than the gauges start at zero");
            for (int i = 0; i < sizes.length; i++) {
                if (i == 1) {
                    assertNull(tier.get(NS, key(i)), "removed before the restart");
                } else {
                    assertServes(tier, key(i), i % 2 == 0 ? random(i, sizes[i]) : TestBlocks.bf16Like(i, sizes[i]));
                }
            }
            assertEquals(0, tier.counters().corrupt.sum());
        }
    }

    @Test
    void recencySurvivesRestart() {
        int size = 100_000;
        long record = BlockRecord.HEADER_BYTES + size;
        NvmeTierContext ctx = context(dir).maxBlockBytes(size).capacityBytes(3 * record).build();
        try (NvmeTier tier = NvmeTier.open(ctx)) {
            for (int i = 0; i < 3; i++) {
                byte[] b = random(i, size);
                tier.put(NS, key(i), ByteBuffer.wrap(b), crc(b));
            }
            tier.get(NS, key(0)).close(); // 0 becomes the most recent: order 1, 2, 0
            assertEquals(List.of(key(1), key(2), key(0)), tier.keysInEvictionOrder());
        }
        try (NvmeTier tier = NvmeTier.open(ctx)) {
            assertEquals(List.of(key(1), key(2), key(0)), tier.keysInEvictionOrder());
            byte[] b = random(3, size);
            tier.put(NS, key(3), ByteBuffer.wrap(b), crc(b));
            assertFalse(tier.contains(key(1)), "the least recently used before the restart goes first");
            assertTrue(tier.contains(key(0)));
            assertEquals(1, tier.counters().evictions.sum());
        }
    }

    @Test
    void reopenWithSmallerCapacityEvictsOldestAtOnce() {
        int size = 50_000;
        long record = BlockRecord.HEADER_BYTES + size;
        try (NvmeTier tier = NvmeTier.open(context(dir).maxBlockBytes(size).capacityBytes(10 * record).build())) {
            for (int i = 0; i < 10; i++) {
                byte[] b = random(i, size);
                tier.put(NS, key(i), ByteBuffer.wrap(b), crc(b));
            }
        }
        try (NvmeTier tier = NvmeTier.open(context(dir).maxBlockBytes(size).capacityBytes(4 * record).build())) {
            assertEquals(4, tier.counters().blocks.get());
            assertEquals(4 * record, tier.counters().bytes.get());
            assertEquals(6, tier.counters().evictions.sum());
            for (int i = 0; i < 6; i++) {
                assertFalse(tier.contains(key(i)));
            }
            for (int i = 6; i < 10; i++) {
                assertServes(tier, key(i), random(i, size));
            }
        }
    }
}
