package io.spillway.server.cluster;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;

import io.spillway.client.ClientContext;
import io.spillway.client.GetResult;
import io.spillway.client.KvClient;
import io.spillway.cluster.NodeInfo;
import io.spillway.cluster.PartitionMap;
import io.spillway.key.BlockKey;
import io.spillway.key.Namespace;
import io.spillway.protocol.ErrorCode;
import io.spillway.server.ServerContext;
import io.spillway.server.SpillwayServer;
import io.spillway.tier.cpu.CpuTier;
import io.spillway.tier.cpu.CpuTierContext;
import io.spillway.tier.cpu.ThreadingMode;
import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.zip.CRC32C;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@link BlockHandoff} pushes exactly the planned blocks, byte-identical, to real nodes over the data plane. */
class BlockHandoffTest {
    private static final Namespace NAMESPACE = Namespace.builder().modelId("test/handoff").layers(2).kvHeads(2)
        .headDim(64).build();
    private static final BlockKey NS = NAMESPACE.id();
    private static final int BLOCK = 32 << 10;

    @TempDir
    Path dir;

    private static SpillwayServer node(Path dir) {
        SpillwayServer s = SpillwayServer.start(ServerContext.builder().plaintext().dataPort(0).controlPort(0).httpPort(0).events("port", "0")
            .dataDir(dir).ioThreads(1).tierThreads(1).cpuCapacityBytes(64L << 20).nvmeEnabled(false).build());
        s.namespaces().register(NAMESPACE);
        return s;
    }

    private static byte[] bytesOf(BlockKey key) {
        byte[] b = new byte[BLOCK];
        new Random(key.hi() ^ key.lo()).nextBytes(b);
        return b;
    }

    @Test
    void leavingNodePushesEachBlockToItsNewOwnerOnly() throws Exception {
        try (SpillwayServer b = node(dir.resolve("b")); SpillwayServer c = node(dir.resolve("c"));
             CpuTier source = CpuTier.open(CpuTierContext.builder().capacityBytes(16L << 20)
                 .maxBlockBytes(BLOCK).chunkBytes(1 << 20).arenas(1).threadingMode(ThreadingMode.INVOKER).build())) {
            NodeInfo self = new NodeInfo("a", "z", "127.0.0.1", 1, 2, 0);
            NodeInfo nb = new NodeInfo("b", "z", "127.0.0.1", b.dataPort(), b.controlPort(), 0);
            NodeInfo nc = new NodeInfo("c", "z", "127.0.0.1", c.dataPort(), c.controlPort(), 0);
            // two partitions: before, a owns both alone; after, b owns partition 0 and c partition 1
            PartitionMap before = new PartitionMap(1, List.of(self, nb, nc), new int[][] {{0, 1}, {0, 2}},
                Map.of(), 1);
            PartitionMap after = new PartitionMap(2, List.of(nb, nc), new int[][] {{0, 1}, {1, 0}}, Map.of(), 1);
            Random random = new Random(7);
            List<BlockKey> keys = new ArrayList<>();
            for (int i = 0; i < 100; i++) {
                BlockKey k = new BlockKey(random.nextLong(), random.nextLong());
                keys.add(k);
                byte[] bytes = bytesOf(k);
                CRC32C crc = new CRC32C();
                crc.update(bytes);
                assertEquals(ErrorCode.OK, source.put(NS, k, ByteBuffer.wrap(bytes), (int) crc.getValue()));
            }
            HandoffReport report;
            try (BlockHandoff handoff = new BlockHandoff(source::residents, 8, 1 << 20, Duration.ofSeconds(5))) {
                report = handoff.run(HandoffPlan.leaving("a", before, after),
                    System.nanoTime() + Duration.ofSeconds(30).toNanos(), () -> false);
            }
            assertEquals(100, report.pushedBlocks(), report.toString());
            assertEquals(100L * BLOCK, report.pushedBytes());
            assertEquals(0, report.failedBlocks());
            assertEquals(2, report.targets());
            assertFalse(report.cancelled());
            try (KvClient toB = client(b); KvClient toC = client(c)) {
                for (BlockKey k : keys) {
                    boolean onB = after.owners(NS, k).get(0).id().equals("b");
                    assertHeld(onB ? toB : toC, k, true);
                    assertHeld(onB ? toC : toB, k, false);
                }
            }
        }
    }

    private static KvClient client(SpillwayServer s) {
        return KvClient.connect(ClientContext.builder().server("127.0.0.1", s.dataPort()).controlPort(s.controlPort())
            .build());
    }

    private static void assertHeld(KvClient client, BlockKey key, boolean expected) {
        ByteBuffer dst = ByteBuffer.allocateDirect(BLOCK);
        GetResult r = client.get(NS, new BlockKey[] {key}, new ByteBuffer[] {dst}).join();
        assertEquals(expected ? ErrorCode.OK : ErrorCode.NOT_FOUND, r.statuses()[0], key.toString());
        if (expected) {
            byte[] got = new byte[dst.remaining()];
            dst.get(got);
            assertArrayEquals(bytesOf(key), got);
        }
    }
}
