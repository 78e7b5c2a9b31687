package io.spillway.server;

import static io.spillway.server.TestNode.NS;
import static io.spillway.server.TestNode.bytes;
import static io.spillway.server.TestNode.key;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.spillway.key.BlockKey;
import io.spillway.protocol.ErrorCode;
import io.spillway.tier.TierKind;
import java.io.ByteArrayOutputStream;
import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The ops end to end on a raw socket: what is put is got back byte-identical, from the tier that holds it. */
class DataPlaneTest {
    @TempDir
    Path dir;
    private final Random random = new Random(7);
    private final HeapTier nvme = new HeapTier(TierKind.NVME, 256 << 20);
    private SpillwayServer server;

    @AfterEach
    void stop() {
        if (server != null) {
            server.close();
        }
    }

    @Test
    void getAnswersEachKeyFromTheFastestTierAndPromotesNvmeHits() throws Exception {
        server = TestNode.start(dir, 64 << 20, nvme);
        BlockKey inCpu = key(random);
        BlockKey onDisk = key(random);
        BlockKey absent = key(random);
        byte[] a = bytes(random, 70_000);
        byte[] b = bytes(random, 33_000);
        nvme.put(NS, onDisk, ByteBuffer.wrap(b), RawClient.crc(b));
        try (RawClient c = new RawClient(server.dataPort())) {
            c.write(RawClient.putFrame(1, NS, new BlockKey[] {inCpu}, new byte[][] {a}));
            assertArrayEquals(new int[] {0}, c.read().putStatuses());
            c.write(RawClient.keysFrame(RawClient.GET, 2, NS, inCpu, onDisk, absent));
            RawClient.Frame f = c.read();
            assertEquals(2, f.requestId());
            List<RawClient.Entry> got = f.entries();
            assertEquals(TierKind.CPU.ordinal(), got.get(0).tier());
            assertArrayEquals(a, got.get(0).bytes());
            assertEquals(RawClient.crc(a), got.get(0).crc());
            assertEquals(TierKind.NVME.ordinal(), got.get(1).tier());
            assertArrayEquals(b, got.get(1).bytes());
            assertEquals(ErrorCode.NOT_FOUND.code(), got.get(2).status());
        }
        assertTrue(server.tiers().cpu().contains(onDisk), "an NVMe hit is promoted into CPU");
        assertEquals(1, server.tiers().cpu().counters().promotions.sum());
        waitUntilAllHandlesClosed();
    }

    @Test
    void promotionCanBeSwitchedOff() throws Exception {
        server = TestNode.start(dir, 64 << 20, nvme, b -> b.promoteOnHit(false));
        BlockKey onDisk = key(random);
        byte[] b = bytes(random, 1000);
        nvme.put(NS, onDisk, ByteBuffer.wrap(b), RawClient.crc(b));
        try (RawClient c = new RawClient(server.dataPort())) {
            c.write(RawClient.keysFrame(RawClient.GET, 3, NS, onDisk));
            assertArrayEquals(b, c.read().entries().get(0).bytes());
        }
        assertTrue(!server.tiers().cpu().contains(onDisk));
    }

    @Test
    void aFullCpuTierAnswersBackPressurePerBlock() throws Exception {
        server = TestNode.start(dir, 100_000, nvme);
        BlockKey[] keys = {key(random), key(random)};
        byte[][] blocks = {bytes(random, 80_000), bytes(random, 80_000)};
        try (RawClient c = new RawClient(server.dataPort())) {
            c.write(RawClient.putFrame(4, NS, keys, blocks));
            assertArrayEquals(new int[] {0, ErrorCode.BACK_PRESSURE.code()}, c.read().putStatuses());
        }
        assertEquals(1.0, server.metrics().errorCount(ErrorCode.BACK_PRESSURE));
    }

    @Test
    void lookupPrefixCountsLeadingKeysPerTier() throws Exception {
        server = TestNode.start(dir, 64 << 20, nvme);
        BlockKey[] chain = {key(random), key(random), key(random), key(random), key(random)};
        byte[] x = bytes(random, 100);
        try (RawClient c = new RawClient(server.dataPort())) {
            c.write(RawClient.putFrame(5, NS, new BlockKey[] {chain[0], chain[1]}, new byte[][] {x, x}));
            c.read();
            nvme.put(NS, chain[1], ByteBuffer.wrap(x), RawClient.crc(x));
            nvme.put(NS, chain[2], ByteBuffer.wrap(x), RawClient.crc(x));
            nvme.put(NS, chain[4], ByteBuffer.wrap(x), RawClient.crc(x));
            c.write(RawClient.keysFrame(RawClient.LOOKUP, 6, NS, chain));
            ByteBuffer body = c.read().le();
            assertEquals(3, body.getInt(), "chain[0..2] are in some tier, chain[3] in none");
            assertEquals(2, body.get());
            Map<Integer, int[]> tiers = new HashMap<>();
            for (int t = 0; t < 2; t++) {
                tiers.put((int) body.get(), new int[] {body.getInt(), body.getInt()});
            }
            assertArrayEquals(new int[] {2, 2}, tiers.get(TierKind.CPU.ordinal()));
            assertArrayEquals(new int[] {0, 1}, tiers.get(TierKind.NVME.ordinal()));
        }
    }

    @Test
    void pipelinedRequestsAreAllAnsweredByRequestId() throws Exception {
        server = TestNode.start(dir, 64 << 20, nvme);
        BlockKey[] keys = new BlockKey[50];
        byte[][] blocks = new byte[50][];
        ByteArrayOutputStream all = new ByteArrayOutputStream();
        for (int i = 0; i < keys.length; i++) {
            keys[i] = key(random);
            blocks[i] = bytes(random, 1 + random.nextInt(40_000));
            all.writeBytes(RawClient.putFrame(100 + i, NS, new BlockKey[] {keys[i]}, new byte[][] {blocks[i]}));
        }
        try (RawClient c = new RawClient(server.dataPort())) {
            c.write(all.toByteArray());
            for (int i = 0; i < keys.length; i++) {
                RawClient.Frame f = c.read();
                assertEquals(0, f.putStatuses()[0], "request " + f.requestId());
            }
            c.write(RawClient.keysFrame(RawClient.GET, 7, NS, keys));
            List<RawClient.Entry> got = c.read().entries();
            for (int i = 0; i < keys.length; i++) {
                assertArrayEquals(blocks[i], got.get(i).bytes(), "block " + i);
            }
        }
        waitUntilAllHandlesClosed();
    }

    @Test
    void pingIsAnsweredWithAnEmptyBody() throws Exception {
        server = TestNode.start(dir, 1 << 20, null);
        try (RawClient c = new RawClient(server.dataPort())) {
            c.write(RawClient.frame(RawClient.PING, 0xCAFE, new byte[0]));
            RawClient.Frame pong = c.read();
            assertEquals(0xCAFE, pong.requestId());
            assertEquals(1, pong.flags() & 1, "response flag");
            assertEquals(0, pong.body().length);
        }
    }

    private void waitUntilAllHandlesClosed() throws InterruptedException {
        HeapTier cpu = (HeapTier) server.tiers().cpu();
        for (int i = 0; i < 200 && (cpu.openHandles.get() != 0 || nvme.openHandles.get() != 0); i++) {
            Thread.sleep(10);
        }
        assertEquals(0, cpu.openHandles.get(), "every CPU handle is closed once its response is written");
        assertEquals(0, nvme.openHandles.get(), "every NVMe handle is closed once its response is written");
    }
}
