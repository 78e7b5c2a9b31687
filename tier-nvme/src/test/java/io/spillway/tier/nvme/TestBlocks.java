package io.spillway.tier.nvme;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;

import io.spillway.key.BlockKey;
import io.spillway.tier.BlockHandle;
import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.util.SplittableRandom;
import java.util.zip.CRC32C;
import org.junit.jupiter.api.Assertions;

/** Test data: keys, namespaces, random and bf16-like blocks, and a tier opener with small defaults. */
final class TestBlocks {
    static final BlockKey NS = new BlockKey(0x1111_2222_3333_4444L, 0x5555_6666_7777_8888L);
    static final BlockKey OTHER_NS = new BlockKey(0x9999L, 0xAAAAL);

    private TestBlocks() {
    }

    static BlockKey key(int i) {
        return new BlockKey(0xB10C_0000_0000_0000L | i, ~(long) i * 0x9E3779B97F4A7C15L);
    }

    /** Incompressible bytes, seeded so a block can be recreated to compare with. */
    static byte[] random(long seed, int length) {
        byte[] b = new byte[length];
        SplittableRandom r = new SplittableRandom(seed);
        for (int i = 0; i < length; i++) {
            b[i] = (byte) r.nextInt(256);
        }
        return b;
    }

    /** bf16-like values: small magnitudes, so the high (odd, little-endian) bytes repeat a lot. */
    static byte[] bf16Like(long seed, int length) {
        byte[] b = new byte[length];
        SplittableRandom r = new SplittableRandom(seed);
        for (int i = 0; i + 1 < length; i += 2) {
            float f = (float) r.nextGaussian() * 0.05f;
            int bits = Float.floatToRawIntBits(f) >>> 16;
            b[i] = (byte) bits;
            b[i + 1] = (byte) (bits >>> 8);
        }
        if ((length & 1) == 1) {
            b[length - 1] = 0x3c;
        }
        return b;
    }

    static int crc(byte[] b) {
        CRC32C c = new CRC32C();
        c.update(b);
        return (int) c.getValue();
    }

    static ByteBuffer direct(byte[] b) {
        return ByteBuffer.allocateDirect(b.length).put(b).flip();
    }

    static byte[] bytes(BlockHandle h) {
        ByteBuffer data = h.data();
        byte[] out = new byte[data.remaining()];
        data.get(out);
        return out;
    }

    /** Reads the block and asserts it is present and byte-identical to {@code expected}. */
    static void assertServes(NvmeTier tier, BlockKey key, byte[] expected) {
        try (BlockHandle h = tier.get(NS, key)) {
            assertNotNull(h, "miss on " + key);
            assertEquals(expected.length, h.length());
            assertEquals(crc(expected), h.crc32c());
            Assertions.assertArrayEquals(expected, bytes(h), "bytes of " + key);
        }
    }

    static NvmeTierContext.Builder context(Path dir) {
        return NvmeTierContext.builder().directory(dir).capacityBytes(256L << 20).maxBlockBytes(4 << 20)
            .bufferPoolBytes(32L << 20);
    }
}
