package io.spillway.server.harness;

import static io.spillway.server.harness.ClusterSupport.NS;
import static io.spillway.server.harness.ClusterSupport.bytes;
import static io.spillway.server.harness.ClusterSupport.key;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.spillway.client.GetResult;
import io.spillway.client.KvClient;
import io.spillway.client.PutResult;
import io.spillway.cluster.PartitionMap;
import io.spillway.key.BlockKey;
import io.spillway.protocol.ErrorCode;
import io.spillway.server.cluster.ClusterStatusCommand;
import io.spillway.tier.TierKind;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import picocli.CommandLine;

/**
 * Acceptance (issue 3): SIGTERM of one node with replication 1 — at least 95% of the CPU-tier hits it served are
 * still hits after it leaves, because it hands its CPU-tier blocks to their new owners before it exits.
 */
class GracefulLeaveIT {
    private static final int BLOCK = 64 << 10;
    private static final int BLOCKS = 600; // 37.5 MiB over 3 nodes: all in the 64 MiB CPU tiers

    @Test
    void aLeavingNodeHandsItsHotBlocksToTheNextOwners() throws Exception {
        try (NodeCluster cluster = NodeCluster.startClustered(3, Path.of("target", "it", "GracefulLeaveIT"),
            ClusterSupport.args(1))) {
            ClusterSupport.awaitMap(cluster.node(0), m -> m.nodes().size() == 3, "3 members");
            NodeProcess leaving = cluster.node(1);
            List<BlockKey> servedByLeaving = new ArrayList<>();
            try (KvClient client = ClusterSupport.connect(cluster)) {
                client.registerNamespace(ClusterSupport.NAMESPACE, 1).join();
                List<BlockKey> keys = new ArrayList<>();
                for (int i = 0; i < BLOCKS; i++) {
                    keys.add(key(1, i));
                }
                for (int from = 0; from < BLOCKS; from += 50) {
                    List<BlockKey> part = keys.subList(from, from + 50);
                    ByteBuffer[] data = part.stream().map(k -> bytes(k, BLOCK)).toArray(ByteBuffer[]::new);
                    PutResult put = client.put(NS, part.toArray(BlockKey[]::new), data).join();
                    assertTrue(put.allOk(), "puts acknowledged");
                }
                PartitionMap map = ClusterSupport.map(cluster.node(0));
                for (BlockKey k : keys) {
                    if (map.owners(NS, k).get(0).id().equals(leaving.name())) {
                        GetResult got = get(client, k);
                        assertEquals(ErrorCode.OK, got.statuses()[0]);
                        assertEquals(TierKind.CPU, got.tiers()[0], "a CPU-tier hit on the leaving node");
                        servedByLeaving.add(k);
                    }
                }
                assertTrue(servedByLeaving.size() > BLOCKS / 6, "the leaving node served " + servedByLeaving.size());
                assertClusterStatusListsEveryMemberWithItsBlocks(cluster);

                assertEquals(143, leaving.terminate(ClusterSupport.TIMEOUT), leaving.log());
                ClusterSupport.awaitMap(cluster.node(0), m -> m.nodes().size() == 2, "the leave seen");

                int hits = 0;
                for (BlockKey k : servedByLeaving) {
                    ByteBuffer dst = ByteBuffer.allocateDirect(BLOCK);
                    GetResult got = client.get(NS, new BlockKey[] {k}, new ByteBuffer[] {dst}).join();
                    if (got.statuses()[0] == ErrorCode.OK) {
                        assertEquals(bytes(k, BLOCK), dst, "bytes of " + k);
                        hits++;
                    } else {
                        assertEquals(ErrorCode.NOT_FOUND, got.statuses()[0], "a miss, never an error");
                    }
                }
                double kept = hits / (double) servedByLeaving.size();
                System.out.printf("GracefulLeaveIT: %d of %d CPU-tier hits of the leaving node are hits after it"
                    + " left (%.1f%%)%n", hits, servedByLeaving.size(), 100 * kept);
                assertTrue(kept >= 0.95, "kept " + kept + "; leaving node log:\n" + leaving.log());
            }
        }
    }

    /** {@code bin/spillway cluster status} against the real members: one line per node, up, with CPU blocks. */
    private static void assertClusterStatusListsEveryMemberWithItsBlocks(NodeCluster cluster) {
        ByteArrayOutputStream text = new ByteArrayOutputStream();
        int code = new CommandLine(new ClusterStatusCommand(
            new PrintStream(text, true, StandardCharsets.UTF_8), System.err))
            .execute("--seed", "127.0.0.1:" + cluster.node(2).controlPort());
        String out = text.toString(StandardCharsets.UTF_8);
        System.out.println(out);
        assertEquals(0, code, out);
        int cpuBlocks = 0;
        for (NodeProcess node : cluster.nodes()) {
            String line = out.lines().filter(l -> l.startsWith(node.name() + " ")).findFirst()
                .orElseThrow(() -> new AssertionError(node.name() + " missing from\n" + out));
            String[] cols = line.trim().split("\\s+");
            assertEquals("up", cols[cols.length - 1], line);
            assertEquals("127.0.0.1:" + node.dataPort(), cols[2], line);
            assertTrue(Integer.parseInt(cols[3]) > 0, "owns primary partitions: " + line);
            cpuBlocks += Integer.parseInt(cols[5]);
        }
        assertEquals(BLOCKS, cpuBlocks, "every block in some CPU tier, once (replication 1)\n" + out);
    }

    private static GetResult get(KvClient client, BlockKey k) {
        ByteBuffer dst = ByteBuffer.allocateDirect(BLOCK);
        GetResult got = client.get(NS, new BlockKey[] {k}, new ByteBuffer[] {dst}).join();
        if (got.statuses()[0] == ErrorCode.OK) {
            assertEquals(bytes(k, BLOCK), dst, "bytes of " + k);
        }
        return got;
    }
}
