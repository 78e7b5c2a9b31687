package io.spillway.tier.cpu;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import io.spillway.key.BlockKey;
import java.nio.ByteBuffer;
import java.util.Random;
import java.util.zip.CRC32C;

/** Keys, namespaces and block contents that tests can recompute from the key alone. */
final class TestBlocks {
    static final BlockKey NS = new BlockKey(0x5711_0000L, 1);
    static final BlockKey OTHER_NS = new BlockKey(0x5711_0000L, 2);
    static final int BLOCK = 16 << 10;

    private TestBlocks() {
    }

    static BlockKey key(long i) {
        return new BlockKey(0xB10C_0000L, i);
    }

    /** A small tier for tests: 1 MiB cap, 64 KiB blocks at most, index 768 KiB, demotion driven by hand. */
    static CpuTierContext.Builder smallTier() {
        return CpuTierContext.builder()
            .capacityBytes(1 << 20)
            .maxBlockBytes(64 << 10)
            .demotionHeadroomFraction(0.25)
            .chunkBytes(256 << 10)
            .arenas(1)
            .threadingMode(ThreadingMode.INVOKER);
    }

    /** {@code length} bytes determined by the key, in a direct buffer. */
    static ByteBuffer bytes(BlockKey key, int length) {
        byte[] b = expected(key, length);
        ByteBuffer direct = ByteBuffer.allocateDirect(length);
        direct.put(b).flip();
        return direct;
    }

    static byte[] expected(BlockKey key, int length) {
        byte[] b = new byte[length];
        new Random(key.hi() * 31 + key.lo()).nextBytes(b);
        return b;
    }

    static int crc(ByteBuffer buffer) {
        CRC32C crc = new CRC32C();
        crc.update(buffer.duplicate());
        return (int) crc.getValue();
    }

    static byte[] toArray(ByteBuffer buffer) {
        byte[] b = new byte[buffer.remaining()];
        buffer.duplicate().get(b);
        return b;
    }

    static void assertBlock(BlockKey key, int length, ByteBuffer data) {
        assertEquals(length, data.remaining(), "length of " + key);
        assertArrayEquals(expected(key, length), toArray(data), "bytes of " + key);
    }

    /**
     * One duty cycle of the tier's demotion agent, called by hand ({@link ThreadingMode#INVOKER}); the agent's own
     * {@code doWork} throws no checked exception, unlike Agrona's {@code Agent.doWork()} that the tier answers.
     */
    static int demotionCycle(CpuTier tier) {
        return ((DemotionAgent) tier.demotionAgent()).doWork();
    }

    /** Drives the agent until a cycle does no work; returns the total. */
    static int demoteAll(CpuTier tier) {
        int total = 0;
        int work;
        while ((work = demotionCycle(tier)) > 0) {
            total += work;
        }
        return total;
    }
}
