package io.spillway.server;

import static io.spillway.server.TestNode.NS;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.spillway.key.BlockKey;
import io.spillway.protocol.ErrorCode;
import io.spillway.tier.BlockTier;
import io.spillway.tier.BlockWriter;
import io.spillway.tier.TierKind;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Issue 21 item 7, through the data plane on the real tiers: a CPU-tier block whose memory changed after its put
 * (a byte flipped in tier memory) is never served. The client gets the NVMe copy when one is valid, otherwise a miss;
 * the corrupt block is counted on /metrics.
 */
class CorruptCpuBlockTest {
    private static final int BLOCK = 64 * 1024;

    @TempDir
    Path dir;

    private static byte[] value(int seed) {
        byte[] b = new byte[BLOCK];
        new Random(seed).nextBytes(b);
        return b;
    }

    /** Stores {@code bytes} in the CPU tier in place and flips one byte of the tier memory afterwards. */
    private static void storeAndCorrupt(BlockTier cpu, BlockKey key, byte[] bytes) {
        BlockWriter w = cpu.reserve(NS, key, bytes.length);
        ByteBuffer memory = w.target();
        memory.put(bytes);
        assertEquals(ErrorCode.OK, w.commit(RawClient.crc(bytes)));
        memory.put(1234, (byte) (memory.get(1234) ^ 0x10));
    }

    private static RawClient.Entry get(RawClient c, int requestId, BlockKey key) throws IOException {
        c.write(RawClient.keysFrame(RawClient.GET, requestId, NS, key));
        return c.read().entries().get(0);
    }

    @Test
    void aCorruptCpuBlockIsNeverServed() throws Exception {
        try (SpillwayServer server = SpillwayServer.start(TestNode.context(dir).cpuCapacityBytes(2 << 20)
                .nvmeCapacityBytes(64 << 20).set("spillway.cpu.chunkBytes", "262144").build());
             RawClient c = new RawClient(server.dataPort())) {
            server.namespaces().register(TestNode.NAMESPACE);
            BlockTier cpu = server.tiers().cpu();
            BlockTier nvme = server.tiers().stages().get(1).tier();

            BlockKey withCopy = new BlockKey(0xC0, 1);
            byte[] v = value(1);
            assertEquals(ErrorCode.OK, nvme.put(NS, withCopy, ByteBuffer.wrap(v), RawClient.crc(v)));
            storeAndCorrupt(cpu, withCopy, v);
            RawClient.Entry fromNvme = get(c, 1, withCopy);
            assertEquals(0, fromNvme.status(), "the valid NVMe copy is found");
            assertEquals(TierKind.NVME.ordinal(), fromNvme.tier(), "served from NVMe, not from the corrupt CPU block");
            assertArrayEquals(v, fromNvme.bytes());

            BlockKey cpuOnly = new BlockKey(0xC0, 2);
            storeAndCorrupt(cpu, cpuOnly, value(2));
            assertEquals(ErrorCode.NOT_FOUND.code(), get(c, 2, cpuOnly).status(), "no valid copy: a miss");
            assertEquals(ErrorCode.NOT_FOUND.code(), get(c, 3, cpuOnly).status(), "and still a miss");

            assertEquals(2, cpu.counters().corrupt.sum(), "each corrupt block counted once, then dropped");
            assertTrue(server.metrics().scrape().contains("spillway_tier_corrupt_total{tier=\"cpu\"} 2.0"),
                "the corrupt blocks are on /metrics");
            TestNode.assertServesAnotherClient(server);
        }
    }
}
