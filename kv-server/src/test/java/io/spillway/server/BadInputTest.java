package io.spillway.server;

import static io.spillway.server.TestNode.NS;
import static io.spillway.server.TestNode.assertServesAnotherClient;
import static io.spillway.server.TestNode.bytes;
import static io.spillway.server.TestNode.key;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.spillway.key.BlockKey;
import io.spillway.protocol.ErrorCode;
import io.spillway.tier.TierKind;
import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Broken and hostile input, written byte by byte on a raw socket; after each, a fresh client is still served. */
class BadInputTest {
    @TempDir
    Path dir;
    private final Random random = new Random(42);
    private HeapTier nvme;
    private SpillwayServer server;

    @BeforeEach
    void start() {
        nvme = new HeapTier(TierKind.NVME, 64 << 20);
        server = TestNode.start(dir, 64 << 20, nvme);
    }

    @AfterEach
    void stop() throws Exception {
        assertServesAnotherClient(server);
        server.close();
    }

    private boolean visible(BlockKey key) {
        return server.tiers().cpu().contains(key) || nvme.contains(key);
    }

    @Test
    void truncatedFrameThenCloseLeavesNothingVisible() throws Exception {
        BlockKey key = key(random);
        byte[] frame = RawClient.putFrame(1, NS, new BlockKey[] {key}, new byte[][] {bytes(random, 8192)});
        try (RawClient c = new RawClient(server.dataPort())) {
            c.write(Arrays.copyOf(frame, frame.length - 100));
        }
        try (RawClient other = new RawClient(server.dataPort())) {
            other.write(RawClient.keysFrame(RawClient.GET, 2, NS, key));
            assertEquals(ErrorCode.NOT_FOUND.code(), other.read().entries().get(0).status());
        }
        assertFalse(visible(key));
    }

    @Test
    void badMagicIsAnsweredThenTheConnectionClosed() throws Exception {
        try (RawClient c = new RawClient(server.dataPort())) {
            c.write(RawClient.header(0x1234, 1, RawClient.PING, 7, 0));
            RawClient.Frame answer = c.read();
            assertEquals(ErrorCode.BAD_MAGIC.code(), answer.status());
            assertEquals(7, answer.requestId());
            assertTrue(answer.message().contains("magic"), answer.message());
            assertTrue(c.closedByServer());
        }
        assertEquals(1.0, server.metrics().errorCount(ErrorCode.BAD_MAGIC));
    }

    @Test
    void badVersionIsAnsweredThenTheConnectionClosed() throws Exception {
        try (RawClient c = new RawClient(server.dataPort())) {
            c.write(RawClient.header(0x5753, 2, RawClient.PING, 8, 0));
            RawClient.Frame answer = c.read();
            assertEquals(ErrorCode.UNSUPPORTED_VERSION.code(), answer.status());
            assertTrue(answer.message().contains("version 2"), answer.message());
            assertTrue(c.closedByServer());
        }
    }

    @Test
    void frameOverTheLimitIsAnsweredThenTheConnectionClosed() throws Exception {
        try (RawClient c = new RawClient(server.dataPort())) {
            c.write(RawClient.header(0x5753, 1, RawClient.PUT, 9, 0xFFFF_FFF0L));
            assertEquals(ErrorCode.FRAME_TOO_LARGE.code(), c.read().status());
            assertTrue(c.closedByServer());
        }
    }

    @Test
    void batchOfZeroBlocksIsMalformedAndClosesTheConnection() throws Exception {
        try (RawClient c = new RawClient(server.dataPort())) {
            c.write(RawClient.keysFrame(RawClient.GET, 10, NS));
            assertEquals(ErrorCode.MALFORMED_FRAME.code(), c.read().status());
            assertTrue(c.closedByServer());
        }
    }

    @Test
    void unknownOpIsSkippedAndTheConnectionKeepsWorking() throws Exception {
        try (RawClient c = new RawClient(server.dataPort())) {
            c.write(RawClient.frame(0x7E, 11, bytes(random, 300)));
            c.write(RawClient.frame(RawClient.PING, 12, new byte[0]));
            RawClient.Frame unknown = c.read();
            assertEquals(ErrorCode.UNKNOWN_OP.code(), unknown.status());
            assertEquals(0x7E, unknown.op());
            RawClient.Frame pong = c.read();
            assertEquals(RawClient.PING, pong.op());
            assertEquals(0, pong.status());
            assertEquals(12, pong.requestId());
        }
    }

    @Test
    void blockOverTheSizeLimitIsRefusedAloneAndTheConnectionKeepsWorking() throws Exception {
        BlockKey[] keys = {key(random), key(random), key(random)};
        byte[][] blocks = {bytes(random, 1000), bytes(random, (1 << 20) + 1), bytes(random, 2000)};
        try (RawClient c = new RawClient(server.dataPort())) {
            c.write(RawClient.putFrame(13, NS, keys, blocks));
            RawClient.Frame answer = c.read();
            assertEquals(0, answer.status());
            assertArrayEquals(new int[] {0, ErrorCode.BLOCK_TOO_LARGE.code(), 0}, answer.putStatuses());
            c.write(RawClient.keysFrame(RawClient.GET, 14, NS, keys));
            List<RawClient.Entry> got = c.read().entries();
            assertArrayEquals(blocks[0], got.get(0).bytes());
            assertEquals(ErrorCode.NOT_FOUND.code(), got.get(1).status());
            assertArrayEquals(blocks[2], got.get(2).bytes());
        }
        assertFalse(visible(keys[1]));
    }

    @Test
    void unknownNamespaceIsAnsweredAndTheConnectionKeepsWorking() throws Exception {
        BlockKey stranger = key(random);
        BlockKey key = key(random);
        try (RawClient c = new RawClient(server.dataPort())) {
            c.write(RawClient.putFrame(15, stranger, new BlockKey[] {key}, new byte[][] {bytes(random, 5000)}));
            RawClient.Frame answer = c.read();
            assertEquals(ErrorCode.UNKNOWN_NAMESPACE.code(), answer.status());
            assertTrue(answer.message().contains(stranger.toHex()), answer.message());
            c.write(RawClient.frame(RawClient.PING, 16, new byte[0]));
            assertEquals(16, c.read().requestId());
        }
        assertFalse(visible(key));
    }

    @Test
    void blockWhoseChecksumDoesNotMatchIsNotStored() throws Exception {
        BlockKey[] keys = {key(random), key(random)};
        byte[][] blocks = {bytes(random, 3000), bytes(random, 3000)};
        int[] crcs = {RawClient.crc(blocks[0]), RawClient.crc(blocks[1]) ^ 1};
        try (RawClient c = new RawClient(server.dataPort())) {
            c.write(RawClient.putFrame(17, NS, keys, blocks, crcs));
            assertArrayEquals(new int[] {0, ErrorCode.CHECKSUM_MISMATCH.code()}, c.read().putStatuses());
            c.write(RawClient.keysFrame(RawClient.GET, 18, NS, keys[1]));
            assertEquals(ErrorCode.NOT_FOUND.code(), c.read().entries().get(0).status());
        }
        assertFalse(visible(keys[1]));
        assertEquals(1.0, server.metrics().errorCount(ErrorCode.CHECKSUM_MISMATCH));
    }

    @Test
    void clientThatDisconnectsMidPutLeavesNothingPartialAndOthersAreServed() throws Exception {
        BlockKey[] keys = {key(random), key(random)};
        byte[][] blocks = {bytes(random, 4000), bytes(random, 200_000)};
        byte[] frame = RawClient.putFrame(19, NS, keys, blocks);
        try (RawClient c = new RawClient(server.dataPort())) {
            c.write(Arrays.copyOf(frame, frame.length - 100_000));
            assertServesAnotherClient(server);
        }
        assertServesAnotherClient(server);
        assertFalse(visible(keys[1]), "the half-sent block must never be visible");
    }

    @Test
    void corruptBytesOnDiskAreServedAsAMiss() throws Exception {
        BlockKey key = key(random);
        byte[] block = bytes(random, 10_000);
        nvme.put(NS, key, ByteBuffer.wrap(block), RawClient.crc(block));
        nvme.corrupt(key);
        try (RawClient c = new RawClient(server.dataPort())) {
            c.write(RawClient.keysFrame(RawClient.GET, 20, NS, key));
            RawClient.Entry e = c.read().entries().get(0);
            assertEquals(ErrorCode.NOT_FOUND.code(), e.status());
            assertEquals(0, e.bytes().length);
        }
        assertEquals(1, nvme.counters().corrupt.sum());
        assertFalse(server.tiers().cpu().contains(key), "a corrupt block is never promoted");
    }
}
