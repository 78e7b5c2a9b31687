package io.spillway.server;

import static io.spillway.server.TestNode.NS;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.spillway.key.BlockKey;
import io.spillway.protocol.ErrorCode;
import io.spillway.tier.TierKind;
import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.util.Random;
import java.util.zip.CRC32C;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Direct memory that runs out while a GET_BATCH reads NVMe (the tier's read buffer cannot be allocated) is answered
 * {@code RESOURCE_EXHAUSTED} at once, with what ran out, every block already read unpinned, and the same connection
 * then serves the next request. Before, the error escaped the tier executor's task: no answer ever came and the
 * connection's request slot stayed taken. The real exhaustion, in a node process with a small
 * {@code -XX:MaxDirectMemorySize}, is DirectMemoryExhaustionIT's.
 */
class DirectMemoryExhaustionTest {
    @TempDir
    Path dir;

    @Test
    void exhaustedDirectMemoryMidGetIsANamedErrorAndTheConnectionServesTheNextRequest() throws Exception {
        HeapTier nvme = new HeapTier(TierKind.NVME, 64 << 20);
        byte[][] blocks = new byte[3][];
        BlockKey[] keys = new BlockKey[3];
        Random random = new Random(21);
        for (int i = 0; i < 3; i++) {
            keys[i] = new BlockKey(0xD1EC7, i);
            blocks[i] = TestNode.bytes(random, 64 << 10);
            CRC32C crc = new CRC32C();
            crc.update(blocks[i]);
            assertEquals(ErrorCode.OK, nvme.put(NS, keys[i], ByteBuffer.wrap(blocks[i]), (int) crc.getValue()));
        }
        nvme.exhaustDirectMemoryOn = keys[2];
        try (SpillwayServer server = TestNode.start(dir, 1 << 20, nvme);
             RawClient c = new RawClient(server.dataPort())) {
            c.write(RawClient.keysFrame(RawClient.GET, 7, NS, keys));
            RawClient.Frame failed = c.read();
            assertEquals(7, failed.requestId());
            assertEquals(ErrorCode.RESOURCE_EXHAUSTED.code(), failed.status(), failed.message());
            assertTrue(failed.message().startsWith("direct memory exhausted while reading block 3 of 3"),
                failed.message());
            assertEquals(0, nvme.openHandles.get(), "the blocks read before the failure were unpinned");

            c.write(RawClient.keysFrame(RawClient.GET, 8, NS, keys[0], keys[1]));
            RawClient.Frame next = c.read();
            assertEquals(8, next.requestId());
            assertEquals(0, next.status());
            assertArrayEquals(blocks[0], next.entries().get(0).bytes());
            assertArrayEquals(blocks[1], next.entries().get(1).bytes());
            assertEquals(1.0, server.metrics().registry().get("spillway.errors")
                .tag("code", ErrorCode.RESOURCE_EXHAUSTED.name()).counter().count());
        }
    }

    @Test
    void aPutBlockWhoseReservationExhaustsDirectMemoryIsRefusedByNameAndItsNeighboursAreStored() throws Exception {
        HeapTier cpu = new HeapTier(TierKind.CPU, 64 << 20);
        BlockKey[] keys = {new BlockKey(0xD1EC8, 0), new BlockKey(0xD1EC8, 1), new BlockKey(0xD1EC8, 2)};
        Random random = new Random(22);
        byte[][] blocks = {TestNode.bytes(random, 4096), TestNode.bytes(random, 4096), TestNode.bytes(random, 4096)};
        cpu.exhaustDirectMemoryOn = keys[1];
        try (SpillwayServer server = SpillwayServer.start(TestNode.context(dir)
                .tierFactory(ctx -> new TierChain(new TierChain.Stage(cpu, 64 << 20), null, null, false)).build());
             RawClient c = new RawClient(server.dataPort())) {
            server.namespaces().register(TestNode.NAMESPACE);
            c.write(RawClient.putFrame(9, NS, keys, blocks));
            RawClient.Frame put = c.read();
            assertEquals(0, put.status());
            assertArrayEquals(new int[] {0, ErrorCode.RESOURCE_EXHAUSTED.code(), 0}, put.putStatuses());
            assertTrue(cpu.contains(keys[0]) && cpu.contains(keys[2]));
            assertTrue(!cpu.contains(keys[1]), "the refused block's bytes were dropped");

            c.write(RawClient.keysFrame(RawClient.GET, 10, NS, keys[2]));
            RawClient.Frame next = c.read();
            assertEquals(0, next.status(), "the connection serves the next request");
            assertArrayEquals(blocks[2], next.entries().get(0).bytes());
        }
    }

    @Test
    void otherErrorsAreNotMistakenForExhaustedDirectMemory() {
        assertTrue(DirectMemory.exhausted(new OutOfMemoryError("Direct buffer memory")));
        assertTrue(!DirectMemory.exhausted(new OutOfMemoryError("Java heap space")));
        assertTrue(!DirectMemory.exhausted(new IllegalStateException("direct buffer memory")));
    }
}
