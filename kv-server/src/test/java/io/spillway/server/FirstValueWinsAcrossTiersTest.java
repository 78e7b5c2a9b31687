package io.spillway.server;

import static io.spillway.server.TestNode.NS;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.spillway.key.BlockKey;
import io.spillway.protocol.ErrorCode;
import io.spillway.tier.BlockTier;
import java.io.IOException;
import java.nio.file.Path;
import java.util.List;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Issue 21 item 7, on the real tiers (off-heap CPU in front of RocksDB NVMe): a key demoted to NVMe only keeps its
 * first value. A second put with other bytes, alone or inside a batch, is acknowledged and counted as a duplicate,
 * and every later read, single or batched, before and after a restart, returns the first value.
 */
class FirstValueWinsAcrossTiersTest {
    private static final int BLOCK = 64 * 1024;
    private static final BlockKey KEY = new BlockKey(0xF1F5L, 1);

    @TempDir
    Path dir;

    private int requestId;

    private SpillwayServer start() {
        SpillwayServer server = SpillwayServer.start(TestNode.context(dir).cpuCapacityBytes(2 << 20)
            .nvmeCapacityBytes(64 << 20).set("spillway.cpu.flushOnClose", "true")
            .set("spillway.cpu.chunkBytes", "262144").build());
        server.namespaces().register(TestNode.NAMESPACE);
        return server;
    }

    private static byte[] value(int seed) {
        byte[] b = new byte[BLOCK];
        new Random(seed).nextBytes(b);
        return b;
    }

    @Test
    void aKeyHeldOnlyInNvmeKeepsItsFirstValue() throws Exception {
        byte[] v1 = value(1);
        byte[] v2 = value(2);
        try (SpillwayServer server = start(); RawClient c = new RawClient(server.dataPort())) {
            BlockTier cpu = server.tiers().cpu();
            BlockTier nvme = server.tiers().stages().get(1).tier();
            assertArrayEquals(new int[] {0}, put(c, new BlockKey[] {KEY}, new byte[][] {v1}), "V1 stored");
            demoteToNvmeOnly(c, cpu, nvme);

            assertArrayEquals(new int[] {0}, put(c, new BlockKey[] {KEY}, new byte[][] {v2}),
                "a single put of V2 is acknowledged (blocks are immutable: OK without replacing)");
            BlockKey before = new BlockKey(0xF1F5L, 100);
            BlockKey after = new BlockKey(0xF1F5L, 101);
            assertArrayEquals(new int[] {0, 0, 0}, put(c, new BlockKey[] {before, KEY, after},
                new byte[][] {value(100), v2, value(101)}), "V2 inside a batch is acknowledged too");

            for (int round = 0; round < 3; round++) {
                assertArrayEquals(v1, getOne(c, KEY), "single get, round " + round);
                List<RawClient.Entry> batch = get(c, before, KEY, after);
                assertArrayEquals(value(100), batch.get(0).bytes(), "batch neighbour before");
                assertArrayEquals(v1, batch.get(1).bytes(), "batched get, round " + round);
                assertArrayEquals(value(101), batch.get(2).bytes(), "batch neighbour after");
            }
            assertEquals(2, nvme.counters().duplicates.sum(), "both puts of V2 turned away by the NVMe copy");
            assertTrue(server.metrics().scrape().contains("spillway_tier_duplicate_puts_total{tier=\"nvme\"} 2.0"),
                "the duplicates are on /metrics");
        }
        try (SpillwayServer again = start(); RawClient c = new RawClient(again.dataPort())) {
            BlockTier cpu = again.tiers().cpu();
            BlockTier nvme = again.tiers().stages().get(1).tier();
            assertTrue(nvme.contains(KEY) && !cpu.contains(KEY), "after the restart the key is in NVMe only");
            assertArrayEquals(new int[] {0}, put(c, new BlockKey[] {KEY}, new byte[][] {v2}), "V2 after restart");
            assertEquals(1, nvme.counters().duplicates.sum(), "the restarted node turns V2 away too");
            assertArrayEquals(v1, getOne(c, KEY), "single get after restart");
            assertArrayEquals(v1, get(c, new BlockKey(0xF1F5L, 100), KEY).get(1).bytes(), "batched get after restart");
        }
    }

    /** Puts other blocks until the CPU tier has evicted {@code KEY} and the NVMe tier holds it. */
    private void demoteToNvmeOnly(RawClient c, BlockTier cpu, BlockTier nvme) throws Exception {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
        for (int i = 0; !(nvme.contains(KEY) && !cpu.contains(KEY)); i++) {
            assertTrue(System.nanoTime() < deadline, "KEY was not demoted to NVMe only");
            int status = put(c, new BlockKey[] {new BlockKey(0xF111L, i)}, new byte[][] {value(1000 + i)})[0];
            if (status == ErrorCode.BACK_PRESSURE.code()) {
                Thread.sleep(5);
            }
        }
    }

    private int[] put(RawClient c, BlockKey[] keys, byte[][] blocks) throws IOException {
        c.write(RawClient.putFrame(++requestId, NS, keys, blocks));
        return c.read().putStatuses();
    }

    private byte[] getOne(RawClient c, BlockKey key) throws IOException {
        return get(c, key).get(0).bytes();
    }

    private List<RawClient.Entry> get(RawClient c, BlockKey... keys) throws IOException {
        c.write(RawClient.keysFrame(RawClient.GET, ++requestId, NS, keys));
        List<RawClient.Entry> entries = c.read().entries();
        for (RawClient.Entry e : entries) {
            assertEquals(0, e.status(), "every key is found");
        }
        return entries;
    }
}
