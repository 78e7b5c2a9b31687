package io.spillway.server;

import static io.spillway.server.TestNode.NS;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.spillway.key.BlockKey;
import io.spillway.protocol.ErrorCode;
import io.spillway.tier.TierKind;
import java.io.IOException;
import java.io.RandomAccessFile;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.List;
import java.util.Random;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** A node on the real tiers (off-heap CPU in front of RocksDB NVMe): spill, restart, and corruption on disk. */
class TieredNodeTest {
    static final int BLOCK = 64 * 1024;
    static final int BLOCKS = 96;

    @TempDir
    Path dir;

    private SpillwayServer start() {
        SpillwayServer server = SpillwayServer.start(TestNode.context(dir).cpuCapacityBytes(2 << 20)
            .nvmeCapacityBytes(64 << 20).set("spillway.cpu.flushOnClose", "true")
            .set("spillway.cpu.chunkBytes", "262144").build());
        server.namespaces().register(TestNode.NAMESPACE);
        return server;
    }

    private static byte[] block(int i) {
        byte[] b = new byte[BLOCK];
        new Random(i).nextBytes(b);
        return b;
    }

    private static BlockKey key(int i) {
        return new BlockKey(0x5EED, i);
    }

    private static void putAll(RawClient c) throws IOException {
        for (int i = 0; i < BLOCKS; i++) {
            c.write(RawClient.putFrame(i, NS, new BlockKey[] {key(i)}, new byte[][] {block(i)}));
            int status = c.read().putStatuses()[0];
            for (int retry = 0; status == ErrorCode.BACK_PRESSURE.code() && retry < 200; retry++) {
                sleep();
                c.write(RawClient.putFrame(i, NS, new BlockKey[] {key(i)}, new byte[][] {block(i)}));
                status = c.read().putStatuses()[0];
            }
            assertEquals(0, status, "put of block " + i);
        }
    }

    private static void sleep() {
        try {
            Thread.sleep(5);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    @Test
    void blocksSpillToNvmeAndAreServedAgainAfterARestart() throws Exception {
        try (SpillwayServer server = start(); RawClient c = new RawClient(server.dataPort())) {
            putAll(c);
            int fromNvme = 0;
            for (int i = 0; i < BLOCKS; i++) {
                c.write(RawClient.keysFrame(RawClient.GET, 1000 + i, NS, key(i)));
                RawClient.Entry e = c.read().entries().get(0);
                assertEquals(0, e.status(), "block " + i);
                assertArrayEquals(block(i), e.bytes(), "block " + i);
                fromNvme += e.tier() == TierKind.NVME.ordinal() ? 1 : 0;
            }
            assertTrue(fromNvme > 0, "a 2 MiB CPU tier cannot hold 6 MiB: some blocks come from NVMe");
        }
        try (SpillwayServer again = start(); RawClient c = new RawClient(again.dataPort())) {
            assertTrue(again.namespaces().isRegistered(NS), "namespaces survive a restart");
            for (int i = 0; i < BLOCKS; i++) {
                c.write(RawClient.keysFrame(RawClient.GET, 2000 + i, NS, key(i)));
                RawClient.Entry e = c.read().entries().get(0);
                assertEquals(0, e.status(), "block " + i + " after restart");
                assertArrayEquals(block(i), e.bytes(), "block " + i + " after restart");
            }
        }
    }

    @Test
    void corruptBytesOnDiskAreServedAsMissesNeverAsWrongBytes() throws Exception {
        try (SpillwayServer server = start(); RawClient c = new RawClient(server.dataPort())) {
            putAll(c);
        }
        flipBytesInLargestSst(dir.resolve("nvme"));
        try (SpillwayServer again = start(); RawClient c = new RawClient(again.dataPort())) {
            int missed = 0;
            for (int i = 0; i < BLOCKS; i++) {
                c.write(RawClient.keysFrame(RawClient.GET, 3000 + i, NS, key(i)));
                RawClient.Entry e = c.read().entries().get(0);
                if (e.status() == ErrorCode.NOT_FOUND.code()) {
                    missed++;
                } else {
                    assertArrayEquals(block(i), e.bytes(), "a served block is byte-identical");
                }
            }
            assertTrue(missed >= 1, "the flipped bytes hit at least one block");
            long corrupt = again.tiers().stages().get(1).tier().counters().corrupt.sum();
            assertEquals(missed, corrupt, "each miss was a corrupt block");
            TestNode.assertServesAnotherClient(again);
        }
    }

    private static void flipBytesInLargestSst(Path nvmeDir) throws IOException {
        Path sst;
        try (Stream<Path> files = Files.walk(nvmeDir)) {
            List<Path> all = files.filter(p -> p.toString().endsWith(".sst")).toList();
            sst = all.stream().max(Comparator.comparingLong(p -> p.toFile().length())).orElseThrow();
        }
        try (RandomAccessFile f = new RandomAccessFile(sst.toFile(), "rw")) {
            long middle = f.length() / 2;
            for (int i = 0; i < 256; i++) {
                f.seek(middle + i);
                int b = f.read();
                f.seek(middle + i);
                f.write(b ^ 0xFF);
            }
        }
    }
}
