package io.spillway.server;

import static io.spillway.server.TestNode.NS;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.spillway.client.ClientContext;
import io.spillway.client.GetResult;
import io.spillway.client.KvClient;
import io.spillway.key.BlockKey;
import io.spillway.protocol.ErrorCode;
import io.spillway.protocol.FrameHeader;
import io.spillway.tier.BlockTier;
import io.spillway.tier.BlockWriter;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Client-verified reads (docs/protocol.md): a GET_BATCH with {@code FLAG_CLIENT_VERIFIES} is served from the CPU tier
 * without the node's CRC32C pass, and the end-to-end guarantee still holds: the real client never returns a corrupt
 * block as a hit, the node drops the block on its own check (not on the client's word), a read without the flag is
 * checked by the node as before, and {@code spillway.cpu.trustVerifyingReaders=false} makes the node check flagged
 * reads too.
 */
class ClientVerifiedReadTest {
    private static final int BLOCK = 64 * 1024;
    private static final int FLIPPED_AT = 1234;

    @TempDir
    Path dir;

    private static byte[] value(int seed) {
        byte[] b = new byte[BLOCK];
        new Random(seed).nextBytes(b);
        return b;
    }

    /** Stores {@code bytes} in the CPU tier in place; with {@code corrupt}, flips one byte of tier memory after. */
    private static void store(BlockTier cpu, BlockKey key, byte[] bytes, boolean corrupt) {
        BlockWriter w = cpu.reserve(NS, key, bytes.length);
        ByteBuffer memory = w.target();
        memory.put(bytes);
        assertEquals(ErrorCode.OK, w.commit(RawClient.crc(bytes)));
        if (corrupt) {
            memory.put(FLIPPED_AT, (byte) (memory.get(FLIPPED_AT) ^ 0x10));
        }
    }

    /** One GET_BATCH of {@code key} by hand, with request {@code flags}. */
    private static RawClient.Entry get(RawClient c, int requestId, int flags, BlockKey key) throws IOException {
        byte[] frame = RawClient.keysFrame(RawClient.GET, requestId, NS, key);
        ByteBuffer.wrap(frame).order(java.nio.ByteOrder.LITTLE_ENDIAN).putShort(FrameHeader.FLAGS_OFFSET,
            (short) flags);
        c.write(frame);
        return c.read().entries().get(0);
    }

    private static SpillwayServer start(Path dir, boolean trust) {
        SpillwayServer server = SpillwayServer.start(TestNode.context(dir).cpuCapacityBytes(2 << 20)
            .set("spillway.server.nvmeEnabled", "false").set("spillway.cpu.chunkBytes", "262144")
            .set("spillway.cpu.trustVerifyingReaders", Boolean.toString(trust)).build());
        server.namespaces().register(TestNode.NAMESPACE);
        return server;
    }

    @Test
    void theNodeSkipsItsCheckForAVerifyingClientAndItsRecheckDropsTheCorruptBlock() throws Exception {
        try (SpillwayServer server = start(dir, true); RawClient raw = new RawClient(server.dataPort());
             KvClient client = KvClient.connect(ClientContext.builder().server("127.0.0.1", server.dataPort())
                 .build())) {
            BlockTier cpu = server.tiers().cpu();
            BlockKey key = new BlockKey(0xC1, 1);
            byte[] v = value(1);
            store(cpu, key, v, true);

            RawClient.Entry unchecked = get(raw, 1, FrameHeader.FLAG_CLIENT_VERIFIES, key);
            assertEquals(0, unchecked.status(), "a flagged read is served without the node's check");
            assertEquals(v[FLIPPED_AT] ^ 0x10, unchecked.bytes()[FLIPPED_AT], "so the flipped byte is on the wire");
            assertEquals(RawClient.crc(v), unchecked.crc(), "with the block's own CRC32C, which it fails");
            assertEquals(0, cpu.counters().corrupt.sum(), "nothing dropped on that read");

            ByteBuffer dst = ByteBuffer.allocateDirect(BLOCK);
            GetResult r = client.get(NS, new BlockKey[] {key}, new ByteBuffer[] {dst}).get();
            assertEquals(ErrorCode.NOT_FOUND, r.statuses()[0], "the client's recheck: the node's own check missed it");
            assertEquals(0, dst.position(), "the destination untouched by a miss");
            assertEquals(1, cpu.counters().corrupt.sum(), "counted once, by the node's own check");
            assertFalse(cpu.contains(key), "and dropped");
            assertEquals(ErrorCode.NOT_FOUND.code(), get(raw, 2, FrameHeader.FLAG_CLIENT_VERIFIES, key).status(),
                "gone for every reader");

            BlockKey intact = new BlockKey(0xC1, 2);
            byte[] w = value(2);
            store(cpu, intact, w, false);
            RawClient.Entry checked = get(raw, 3, 0, intact);
            assertEquals(0, checked.status(), "an unflagged read of an intact block is checked and served");
            assertArrayEquals(w, checked.bytes());
            assertTrue(cpu.contains(intact), "a read without the flag never drops an intact block");
            GetResult ok = client.get(NS, new BlockKey[] {intact}, new ByteBuffer[] {dst}).get();
            assertEquals(ErrorCode.OK, ok.statuses()[0]);
            byte[] got = new byte[BLOCK];
            dst.get(got);
            assertArrayEquals(w, got, "the client's read of the intact block");
            assertEquals(1, cpu.counters().corrupt.sum());
            TestNode.assertServesAnotherClient(server);
        }
    }

    @Test
    void aReadWithoutTheFlagIsCheckedByTheNode() throws Exception {
        try (SpillwayServer server = start(dir, true); RawClient raw = new RawClient(server.dataPort())) {
            BlockTier cpu = server.tiers().cpu();
            BlockKey key = new BlockKey(0xC1, 3);
            store(cpu, key, value(3), true);
            assertEquals(ErrorCode.NOT_FOUND.code(), get(raw, 1, 0, key).status(), "a non-verifying reader: a miss");
            assertEquals(1, cpu.counters().corrupt.sum());
            assertFalse(cpu.contains(key));
        }
    }

    @Test
    void withoutTrustTheNodeChecksFlaggedReadsToo() throws Exception {
        try (SpillwayServer server = start(dir, false); RawClient raw = new RawClient(server.dataPort())) {
            BlockTier cpu = server.tiers().cpu();
            BlockKey key = new BlockKey(0xC1, 4);
            store(cpu, key, value(4), true);
            assertEquals(ErrorCode.NOT_FOUND.code(), get(raw, 1, FrameHeader.FLAG_CLIENT_VERIFIES, key).status(),
                "trustVerifyingReaders=false: the node checks a flagged read and misses");
            assertEquals(1, cpu.counters().corrupt.sum());
            assertFalse(cpu.contains(key));
        }
    }
}
