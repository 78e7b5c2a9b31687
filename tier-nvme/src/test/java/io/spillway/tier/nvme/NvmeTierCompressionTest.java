package io.spillway.tier.nvme;

import static io.spillway.tier.nvme.TestBlocks.NS;
import static io.spillway.tier.nvme.TestBlocks.assertServes;
import static io.spillway.tier.nvme.TestBlocks.context;
import static io.spillway.tier.nvme.TestBlocks.crc;
import static io.spillway.tier.nvme.TestBlocks.key;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.spillway.protocol.ErrorCode;
import java.nio.ByteBuffer;
import java.nio.file.Path;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

class NvmeTierCompressionTest {
    @TempDir
    Path dir;

    @ParameterizedTest
    @EnumSource(Compression.class)
    void compressibleAndIncompressibleBlocksRoundTrip(Compression compression) throws Exception {
        try (NvmeTier tier = NvmeTier.open(context(dir).compression(compression).build())) {
            byte[] bf16 = TestBlocks.bf16Like(1, (2 << 20) + 1);
            byte[] noise = TestBlocks.random(2, 1 << 20);
            byte[] zeros = new byte[300_000];
            assertEquals(ErrorCode.OK, tier.put(NS, key(1), TestBlocks.direct(bf16), crc(bf16)));
            assertEquals(ErrorCode.OK, tier.put(NS, key(2), ByteBuffer.wrap(noise), crc(noise)));
            assertEquals(ErrorCode.OK, tier.put(NS, key(3), ByteBuffer.wrap(zeros), crc(zeros)));
            assertServes(tier, key(1), bf16);
            assertServes(tier, key(2), noise);
            assertServes(tier, key(3), zeros);

            int noiseRecord = tier.store().recordBytes(key(2)).length;
            assertEquals(BlockRecord.HEADER_BYTES + noise.length, noiseRecord, "incompressible stored raw");
            int zerosRecord = tier.store().recordBytes(key(3)).length;
            int bf16Record = tier.store().recordBytes(key(1)).length;
            if (compression == Compression.NONE) {
                assertEquals(BlockRecord.HEADER_BYTES + zeros.length, zerosRecord);
            } else {
                assertTrue(zerosRecord < zeros.length / 10, "zeros compress: " + zerosRecord);
            }
            if (compression == Compression.LZ4_SHUFFLE2) {
                assertTrue(bf16Record < bf16.length * 0.9, "shuffle+LZ4 shrinks bf16: " + bf16Record);
            }
            assertEquals((long) noiseRecord + zerosRecord + bf16Record, tier.counters().bytes.get(),
                "the cap counts stored bytes");
            assertEquals(0, tier.counters().corrupt.sum());
        }
    }
}
