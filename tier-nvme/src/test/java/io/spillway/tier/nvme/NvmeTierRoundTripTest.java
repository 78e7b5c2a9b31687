package io.spillway.tier.nvme;

import static io.spillway.tier.nvme.TestBlocks.NS;
import static io.spillway.tier.nvme.TestBlocks.OTHER_NS;
import static io.spillway.tier.nvme.TestBlocks.assertServes;
import static io.spillway.tier.nvme.TestBlocks.bytes;
import static io.spillway.tier.nvme.TestBlocks.context;
import static io.spillway.tier.nvme.TestBlocks.crc;
import static io.spillway.tier.nvme.TestBlocks.direct;
import static io.spillway.tier.nvme.TestBlocks.key;
import static io.spillway.tier.nvme.TestBlocks.random;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.spillway.key.BlockKey;
import io.spillway.protocol.ErrorCode;
import io.spillway.tier.BlockHandle;
import io.spillway.tier.TierKind;
import java.nio.ByteBuffer;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class NvmeTierRoundTripTest {
    static final int[] SIZES = {0, 1, 7, 4095, 65_536, 65_577, 1 << 20, (2 << 20) + 3};

    @TempDir
    Path dir;

    @Test
    void mixedSizesRoundTripByteIdenticalWithExactCounters() {
        try (NvmeTier tier = NvmeTier.open(context(dir).build())) {
            long expectedBytes = 0;
            for (int i = 0; i < SIZES.length; i++) {
                byte[] b = random(i, SIZES[i]);
                ByteBuffer src = i % 2 == 0 ? direct(b) : ByteBuffer.wrap(b);
                assertEquals(ErrorCode.OK, tier.put(NS, key(i), src, crc(b)));
                assertEquals(0, src.position(), "put must not move the source");
                assertEquals(b.length, src.limit());
                expectedBytes += BlockRecord.HEADER_BYTES + b.length;
            }
            for (int i = 0; i < SIZES.length; i++) {
                try (BlockHandle h = tier.get(NS, key(i))) {
                    assertNotNull(h);
                    assertEquals(NS, h.namespace());
                    assertEquals(key(i), h.key());
                    assertEquals(TierKind.NVME, h.tier());
                    assertTrue(h.data().isReadOnly());
                    assertEquals(0, h.data().position());
                    assertArrayEquals(random(i, SIZES[i]), bytes(h));
                }
            }
            assertEquals(SIZES.length, tier.counters().puts.sum());
            assertEquals(SIZES.length, tier.counters().hits.sum());
            assertEquals(0, tier.counters().misses.sum());
            assertEquals(SIZES.length, tier.counters().blocks.get());
            assertEquals(expectedBytes, tier.counters().bytes.get());
            assertEquals(TierKind.NVME, tier.kind());
        }
    }

    @Test
    void putOfPresentKeyIsOkAndKeepsTheFirstBlock() {
        try (NvmeTier tier = NvmeTier.open(context(dir).build())) {
            byte[] first = random(1, 1000);
            byte[] second = random(2, 2000);
            assertEquals(ErrorCode.OK, tier.put(NS, key(1), ByteBuffer.wrap(first), crc(first)));
            assertEquals(ErrorCode.OK, tier.put(NS, key(1), ByteBuffer.wrap(second), crc(second)));
            assertServes(tier, key(1), first);
            assertEquals(1, tier.counters().puts.sum());
            assertEquals(1, tier.counters().blocks.get());
        }
    }

    @Test
    void otherNamespaceAndAbsentKeyAreMisses() {
        try (NvmeTier tier = NvmeTier.open(context(dir).build())) {
            byte[] b = random(3, 5000);
            tier.put(NS, key(3), ByteBuffer.wrap(b), crc(b));
            assertNull(tier.get(OTHER_NS, key(3)));
            assertNull(tier.get(NS, key(4)));
            assertTrue(tier.contains(key(3)), "contains ignores the namespace");
            assertFalse(tier.contains(key(4)));
            assertEquals(2, tier.counters().misses.sum());
            assertEquals(0, tier.counters().corrupt.sum());
            assertServes(tier, key(3), b);
        }
    }

    @Test
    void blockOverMaxBlockBytesIsRefused() {
        try (NvmeTier tier = NvmeTier.open(context(dir).maxBlockBytes(1024).capacityBytes(1 << 20).build())) {
            byte[] ok = random(5, 1024);
            byte[] big = random(6, 1025);
            assertEquals(ErrorCode.OK, tier.put(NS, key(5), ByteBuffer.wrap(ok), crc(ok)));
            assertEquals(ErrorCode.BLOCK_TOO_LARGE, tier.put(NS, key(6), ByteBuffer.wrap(big), crc(big)));
            assertFalse(tier.contains(key(6)));
            assertEquals(1, tier.counters().puts.sum());
        }
    }

    @Test
    void putWithWrongCrcIsRefusedAndStoresNothing() {
        try (NvmeTier tier = NvmeTier.open(context(dir).build())) {
            byte[] b = random(7, 300);
            assertEquals(ErrorCode.CHECKSUM_MISMATCH, tier.put(NS, key(7), ByteBuffer.wrap(b), crc(b) ^ 1));
            assertFalse(tier.contains(key(7)));
            assertEquals(0, tier.counters().blocks.get());
        }
    }

    @Test
    void handleStaysValidAfterRemoveAndBuffersAreReused() {
        try (NvmeTier tier = NvmeTier.open(context(dir).build())) {
            byte[] b = random(8, 100_000);
            tier.put(NS, key(8), ByteBuffer.wrap(b), crc(b));
            BlockHandle h = tier.get(NS, key(8));
            assertTrue(tier.remove(key(8)));
            assertFalse(tier.remove(key(8)));
            assertNull(tier.get(NS, key(8)));
            assertArrayEquals(b, bytes(h), "handle bytes survive removal");
            h.close();
            h.close();
            assertThrows(IllegalStateException.class, h::data);
            assertEquals(0, tier.counters().blocks.get());
            assertEquals(0, tier.counters().bytes.get());

            tier.put(NS, key(9), ByteBuffer.wrap(b), crc(b));
            long allocations = tier.pool().allocations();
            for (int i = 0; i < 5; i++) {
                tier.get(NS, key(9)).close();
            }
            assertEquals(allocations, tier.pool().allocations(), "reads reuse pooled buffers");
        }
    }

    @Test
    void closedTierRefusesCalls() {
        NvmeTier tier = NvmeTier.open(context(dir).build());
        tier.close();
        tier.close();
        BlockKey k = key(1);
        assertThrows(IllegalStateException.class, () -> tier.get(NS, k));
        assertThrows(IllegalStateException.class, () -> tier.put(NS, k, ByteBuffer.allocate(1), crc(new byte[1])));
    }
}
