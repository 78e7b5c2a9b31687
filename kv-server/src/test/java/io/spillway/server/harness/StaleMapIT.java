package io.spillway.server.harness;

import static io.spillway.server.harness.ClusterSupport.NS;
import static io.spillway.server.harness.ClusterSupport.bytes;
import static io.spillway.server.harness.ClusterSupport.key;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.spillway.client.ClientContext;
import io.spillway.client.ClusterKvClient;
import io.spillway.client.GetResult;
import io.spillway.client.KvClient;
import io.spillway.client.PutResult;
import io.spillway.cluster.PartitionMap;
import io.spillway.key.BlockKey;
import io.spillway.key.Namespace;
import io.spillway.protocol.ErrorCode;
import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * Acceptance (issue 3): a client whose partition map is two topology changes old (a join, then a leave) writes and
 * reads correctly: nodes that no longer own a key answer NOT_OWNER with their topology version, a node that is gone
 * refuses the connection, and the client refreshes its map and goes to the owners.
 */
class StaleMapIT {
    private static final int BLOCK = 32 << 10;

    @Test
    void aClientWithAMapTwoChangesOldReadsAndWritesCorrectly() throws Exception {
        try (NodeCluster cluster = NodeCluster.startClustered(2, Path.of("target", "it", "StaleMapIT"),
            ClusterSupport.args(1))) {
            ClusterSupport.awaitMap(cluster.node(0), m -> m.nodes().size() == 2, "2 members");
            ClientContext staleContext = ClientContext.builder().seeds(List.of("127.0.0.1:" + cluster.node(0)
                .controlPort(), "127.0.0.1:" + cluster.node(1).controlPort())).mapRefreshInterval(Duration.ZERO)
                .requestTimeout(Duration.ofSeconds(5)).build();
            try (ClusterKvClient stale = (ClusterKvClient) KvClient.connectCluster(staleContext)) {
                stale.registerNamespace(ClusterSupport.NAMESPACE, 1).join();
                List<BlockKey> before = putAll(stale, 1, 200);
                aSecondPutOfAKeyNeverReplacesItsValueOnAnyReplica(cluster, stale);
                PartitionMap v1 = stale.partitionMap(); // after the registrations, which bump the metadata epoch
                assertEquals(2, v1.nodes().size());

                NodeProcess joined = cluster.addNode();                            // change 1: a join
                ClusterSupport.awaitMap(cluster.node(1), m -> m.node(joined.name()) != null, "the join");
                assertEquals(143, cluster.node(0).terminate(ClusterSupport.TIMEOUT)); // change 2: a leave
                PartitionMap v3 = ClusterSupport.awaitMap(cluster.node(1),
                    m -> m.nodes().size() == 2 && m.node("node-0") == null, "the leave");
                assertTrue(v3.topologyVersion() > v1.topologyVersion());
                assertEquals(v1.topologyVersion(), stale.partitionMap().topologyVersion(), "still stale");

                long redirectsBefore = stale.counters().redirects();
                List<BlockKey> after = putAll(stale, 2, 200); // every put must succeed through the stale map
                assertTrue(stale.partitionMap().topologyVersion() >= v3.topologyVersion(), "refreshed");
                assertTrue(stale.counters().redirects() > redirectsBefore || stale.counters().refreshes() > 0,
                    "the stale map was noticed");
                for (BlockKey k : after) {
                    assertEquals(ErrorCode.OK, get(stale, k), "a block written through the stale map");
                }
                int hits = 0;
                for (BlockKey k : before) {
                    ErrorCode s = get(stale, k);
                    assertTrue(s == ErrorCode.OK || s == ErrorCode.NOT_FOUND, "a hit or a miss, got " + s);
                    hits += s == ErrorCode.OK ? 1 : 0;
                }
                System.out.printf("StaleMapIT: %d of %d blocks written before two topology changes still hit;"
                    + " client counters %s%n", hits, before.size(), stale.counters());
                assertTrue(hits >= before.size() * 95 / 100, hits + " of " + before.size());
            }
        }
    }

    /**
     * The immutability guarantee (docs/cluster.md): with replication 2 on 2 nodes, a key put with bytes X and then
     * again with bytes Y is acknowledged both times, and each replica, read directly, answers X.
     */
    private static void aSecondPutOfAKeyNeverReplacesItsValueOnAnyReplica(NodeCluster cluster, KvClient client) {
        Namespace twoCopies = Namespace.builder().modelId("it/immutable").layers(2)
            .kvHeads(2).headDim(64).build();
        BlockKey ns = client.registerNamespace(twoCopies, 2).join();
        BlockKey k = key(9, 0);
        ByteBuffer first = bytes(k, BLOCK);
        ByteBuffer second = bytes(key(9, 1), BLOCK);
        assertTrue(client.put(ns, new BlockKey[] {k}, new ByteBuffer[] {first}).join().allOk());
        assertTrue(client.put(ns, new BlockKey[] {k}, new ByteBuffer[] {second}).join().allOk(),
            "the second put is acknowledged (blocks are immutable per key: nothing to replace)");
        for (NodeProcess node : cluster.nodes()) {
            try (KvClient direct = KvClient.connect(ClientContext.builder().server("127.0.0.1", node.dataPort())
                .controlPort(node.controlPort()).build())) {
                ByteBuffer dst = ByteBuffer.allocateDirect(BLOCK);
                GetResult got = direct.get(ns, new BlockKey[] {k}, new ByteBuffer[] {dst}).join();
                assertEquals(ErrorCode.OK, got.statuses()[0], node.name() + " holds a replica");
                assertEquals(first, dst, node.name() + " answers the first value");
            }
        }
    }

    private static List<BlockKey> putAll(KvClient client, long run, int n) {
        List<BlockKey> keys = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            keys.add(key(run, i));
        }
        for (int from = 0; from < n; from += 20) {
            List<BlockKey> part = keys.subList(from, from + 20);
            PutResult put = client.put(NS, part.toArray(BlockKey[]::new),
                part.stream().map(k -> bytes(k, BLOCK)).toArray(ByteBuffer[]::new)).join();
            assertTrue(put.allOk(), () -> "put of run " + run + ": " + Arrays.toString(put.statuses()));
        }
        return keys;
    }

    /** Reads one block; a hit must carry exactly the key's bytes. */
    private static ErrorCode get(KvClient client, BlockKey k) {
        ByteBuffer dst = ByteBuffer.allocateDirect(BLOCK);
        GetResult got = client.get(NS, new BlockKey[] {k}, new ByteBuffer[] {dst}).join();
        if (got.statuses()[0] == ErrorCode.OK) {
            assertEquals(bytes(k, BLOCK), dst, "bytes of " + k);
        }
        return got.statuses()[0];
    }
}
