package io.spillway.server;

import static io.spillway.server.TestNode.NS;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.spillway.key.BlockKey;
import io.spillway.protocol.ErrorCode;
import io.spillway.tier.TierKind;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code spillway.server.nvmeEnabled=false}: a memory-only node (the like-for-like baseline against Redis with
 * maxmemory). The CPU tier evicts by dropping, so puts never back-pressure on demotion, memory stays under the cap,
 * evicted blocks are misses and nothing is written under the data dir's NVMe directory.
 */
class MemoryOnlyNodeTest {
    static final int BLOCK = 64 * 1024;
    static final int BLOCKS = 200;

    @TempDir
    Path dir;

    @Test
    void evictedBlocksAreDroppedAndEveryPutIsAccepted() throws Exception {
        try (SpillwayServer server = SpillwayServer.start(TestNode.context(dir).cpuCapacityBytes(2 << 20)
                .set("spillway.cpu.chunkBytes", "262144").nvmeEnabled(false).build());
             RawClient c = new RawClient(server.dataPort())) {
            server.namespaces().register(TestNode.NAMESPACE);
            for (int i = 0; i < BLOCKS; i++) {
                c.write(RawClient.putFrame(i, NS, new BlockKey[] {key(i)}, new byte[][] {block(i)}));
                assertEquals(ErrorCode.OK.code(), c.read().putStatuses()[0], "put of block " + i);
            }
            int hits = 0;
            for (int i = 0; i < BLOCKS; i++) {
                c.write(RawClient.keysFrame(RawClient.GET, 1000 + i, NS, key(i)));
                RawClient.Entry e = c.read().entries().get(0);
                if (e.status() == ErrorCode.OK.code()) {
                    hits++;
                    assertEquals(TierKind.CPU.ordinal(), e.tier(), "block " + i);
                    assertArrayEquals(block(i), e.bytes(), "block " + i);
                } else {
                    assertEquals(ErrorCode.NOT_FOUND.code(), e.status(), "block " + i);
                }
            }
            long cap = 2 << 20;
            assertTrue(hits > 0 && hits <= cap / BLOCK, "hits " + hits + " must fit in the CPU tier");
            assertEquals(1, server.tiers().stages().size(), "memory-only node has one tier");
            assertTrue(server.tiers().cpu().counters().evictions.sum() >= BLOCKS - cap / BLOCK);
            assertEquals(0, server.tiers().cpu().counters().backPressured.sum());
            assertFalse(Files.exists(dir.resolve("nvme")), "no NVMe tier was opened");
        }
    }

    private static byte[] block(int i) {
        byte[] b = new byte[BLOCK];
        new Random(i).nextBytes(b);
        return b;
    }

    private static BlockKey key(int i) {
        return new BlockKey(0xD0D0, i);
    }
}
