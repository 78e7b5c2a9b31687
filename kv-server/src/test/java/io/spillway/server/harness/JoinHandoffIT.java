package io.spillway.server.harness;

import static io.spillway.server.harness.ClusterSupport.NS;
import static io.spillway.server.harness.ClusterSupport.bytes;
import static io.spillway.server.harness.ClusterSupport.key;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.spillway.client.ClientContext;
import io.spillway.client.GetResult;
import io.spillway.client.KvClient;
import io.spillway.client.PutResult;
import io.spillway.cluster.PartitionMap;
import io.spillway.key.BlockKey;
import io.spillway.protocol.ErrorCode;
import io.spillway.tier.TierKind;
import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * Issue 3, topology changes: when a node joins, the old owners hand it the CPU-tier blocks it now owns in the
 * background, so it serves them from its own CPU tier before any client has missed on it. Read straight from the
 * newcomer with a single-node client (no cluster-client fallback, so no read repair fills it).
 */
class JoinHandoffIT {
    private static final int BLOCK = 64 << 10;
    private static final int BLOCKS = 300;

    @Test
    void aJoiningNodeReceivesTheHotBlocksItNowOwns() throws Exception {
        try (NodeCluster cluster = NodeCluster.startClustered(2, Path.of("target", "it", "JoinHandoffIT"),
            ClusterSupport.args(1))) {
            ClusterSupport.awaitMap(cluster.node(0), m -> m.nodes().size() == 2, "2 members");
            List<BlockKey> keys = new ArrayList<>();
            try (KvClient client = ClusterSupport.connect(cluster)) {
                client.registerNamespace(ClusterSupport.NAMESPACE, 1).join();
                for (int i = 0; i < BLOCKS; i++) {
                    keys.add(key(3, i));
                }
                for (int from = 0; from < BLOCKS; from += 50) {
                    List<BlockKey> part = keys.subList(from, from + 50);
                    PutResult put = client.put(NS, part.toArray(BlockKey[]::new),
                        part.stream().map(k -> bytes(k, BLOCK)).toArray(ByteBuffer[]::new)).join();
                    assertTrue(put.allOk(), "puts acknowledged");
                }
            }

            NodeProcess joined = cluster.addNode();
            PartitionMap map = ClusterSupport.awaitMap(cluster.node(0), m -> m.node(joined.name()) != null
                && m.nodes().size() == 3, "the join");
            List<BlockKey> moved = keys.stream()
                .filter(k -> map.owners(NS, k).get(0).id().equals(joined.name())).toList();
            assertTrue(moved.size() > BLOCKS / 6, "the newcomer owns " + moved.size() + " of the blocks");

            try (KvClient direct = KvClient.connect(ClientContext.builder().server("127.0.0.1", joined.dataPort())
                .controlPort(joined.controlPort()).requestTimeout(Duration.ofSeconds(5)).build())) {
                long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
                int polls = 0;
                List<BlockKey> missing = moved;
                while (!missing.isEmpty() && System.nanoTime() < deadline) {
                    polls++;
                    List<BlockKey> still = new ArrayList<>();
                    for (BlockKey k : missing) {
                        if (getDirect(direct, k) != ErrorCode.OK) {
                            still.add(k);
                        }
                    }
                    missing = still;
                    if (!missing.isEmpty()) {
                        Thread.sleep(200);
                    }
                }
                System.out.printf("JoinHandoffIT: the newcomer served %d of %d blocks it now owns from its CPU tier"
                    + " (%d polls)%n", moved.size() - missing.size(), moved.size(), polls);
                assertEquals(List.of(), missing, "blocks the newcomer never received; its log:\n" + joined.log());
            }
        }
    }

    /** One get straight from the node: OK only with the key's bytes, from the CPU tier. */
    private static ErrorCode getDirect(KvClient direct, BlockKey k) {
        ByteBuffer dst = ByteBuffer.allocateDirect(BLOCK);
        GetResult got = direct.get(NS, new BlockKey[] {k}, new ByteBuffer[] {dst}).join();
        ErrorCode s = got.statuses()[0];
        if (s == ErrorCode.OK) {
            assertEquals(bytes(k, BLOCK), dst, "bytes of " + k);
            assertEquals(TierKind.CPU, got.tiers()[0], "handed-off blocks land in the CPU tier");
        } else {
            assertTrue(s == ErrorCode.NOT_FOUND, "a miss until the hand-off arrives, never " + s);
        }
        return s;
    }
}
