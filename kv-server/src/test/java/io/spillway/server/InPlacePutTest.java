package io.spillway.server;

import static io.spillway.server.TestNode.NS;
import static io.spillway.server.TestNode.bytes;
import static io.spillway.server.TestNode.key;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;

import io.spillway.key.BlockKey;
import io.spillway.protocol.ErrorCode;
import io.spillway.tier.TierKind;
import io.spillway.tier.cpu.CpuTier;
import io.spillway.tier.cpu.CpuTierContext;
import io.spillway.tier.cpu.ThreadingMode;
import java.nio.file.Path;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * PUT_BATCH written in place into a real CPU tier: blocks are reserved when their header arrives. The tier's
 * demotion agent never runs here, so evicted blocks keep their memory and the 1 MiB cap fills deterministically.
 */
class InPlacePutTest {
    private static final int CAP = 1 << 20;
    private static final int BIG = 300 << 10;

    @TempDir
    Path dir;
    private final Random random = new Random(11);
    private final HeapTier nvme = new HeapTier(TierKind.NVME, 64 << 20);
    private CpuTier cpu;
    private SpillwayServer server;

    @AfterEach
    void stop() {
        if (server != null) {
            server.close();
            assertEquals(0, cpu.allocatedBytes(), "every reservation was committed or aborted, then freed");
        }
    }

    private void start() {
        server = TestNode.start(dir, CAP, nvme, b -> b.tierFactory(ctx -> {
            cpu = CpuTier.open(CpuTierContext.builder().capacityBytes(CAP).maxBlockBytes(CAP / 2)
                .demotionHeadroomFraction(0.5).threadingMode(ThreadingMode.INVOKER).nextTier(nvme).build());
            return new TierChain(new TierChain.Stage(cpu, CAP), new TierChain.Stage(nvme, 64 << 20), null, false);
        }));
    }

    @Test
    void blockRefusedAtReservationIsSkippedOnTheWireAndTheConnectionKeepsWorking() throws Exception {
        start();
        BlockKey[] keys = {key(random), key(random), key(random), key(random), key(random)};
        byte[][] blocks = {bytes(random, BIG), bytes(random, BIG), bytes(random, BIG), bytes(random, BIG),
            bytes(random, 100)};
        try (RawClient c = new RawClient(server.dataPort())) {
            c.write(RawClient.putFrame(1, NS, keys, blocks));
            assertArrayEquals(new int[] {0, 0, 0, ErrorCode.BACK_PRESSURE.code(), 0}, c.read().putStatuses(),
                "three 300 KiB blocks fill the 1 MiB cap; the fourth is refused, the small fifth still fits");

            c.write(RawClient.keysFrame(RawClient.GET, 2, NS, keys[3], keys[4]));
            List<RawClient.Entry> got = c.read().entries();
            assertEquals(ErrorCode.NOT_FOUND.code(), got.get(0).status(), "a refused block stores nothing");
            assertArrayEquals(blocks[4], got.get(1).bytes(), "the block after the refused one is intact");

            c.write(RawClient.frame(RawClient.PING, 3, new byte[0]));
            assertEquals(3, c.read().requestId(), "the stream is still in step");
        }
        assertEquals(1.0, server.metrics().errorCount(ErrorCode.BACK_PRESSURE));
        assertEquals(1, cpu.counters().backPressured.sum());
        assertEquals(3L * BIG + 100, cpu.allocatedBytes(), "no memory held for the refused block");
    }

    @Test
    void blocksAreStoredOnceInTheTiersMemoryAndReadBackByteIdentical() throws Exception {
        start();
        BlockKey[] keys = {key(random), key(random)};
        byte[][] blocks = {bytes(random, BIG), bytes(random, 1)};
        try (RawClient c = new RawClient(server.dataPort())) {
            c.write(RawClient.putFrame(4, NS, keys, blocks));
            assertArrayEquals(new int[] {0, 0}, c.read().putStatuses());
            c.write(RawClient.keysFrame(RawClient.GET, 5, NS, keys));
            List<RawClient.Entry> got = c.read().entries();
            assertArrayEquals(blocks[0], got.get(0).bytes());
            assertArrayEquals(blocks[1], got.get(1).bytes());
        }
        assertEquals(BIG + 1L, cpu.allocatedBytes());
        assertEquals(2, cpu.counters().puts.sum());
    }

    @Test
    void checksumMismatchAbortsTheReservation() throws Exception {
        start();
        BlockKey k = key(random);
        byte[] block = bytes(random, BIG);
        try (RawClient c = new RawClient(server.dataPort())) {
            c.write(RawClient.putFrame(6, NS, new BlockKey[] {k}, new byte[][] {block},
                new int[] {RawClient.crc(block) ^ 1}));
            assertArrayEquals(new int[] {ErrorCode.CHECKSUM_MISMATCH.code()}, c.read().putStatuses());
        }
        assertFalse(cpu.contains(k));
        assertEquals(0, cpu.allocatedBytes());
    }
}
