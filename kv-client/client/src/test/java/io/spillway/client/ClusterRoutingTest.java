package io.spillway.client;

import static io.spillway.client.ClusterFixtures.NAMESPACE;
import static io.spillway.client.ClusterFixtures.NS;
import static io.spillway.client.ClusterFixtures.assertHitsAreTheirOwn;
import static io.spillway.client.ClusterFixtures.blocksOf;
import static io.spillway.client.ClusterFixtures.destinations;
import static io.spillway.client.ClusterFixtures.failure;
import static io.spillway.client.ClusterFixtures.fast;
import static io.spillway.client.ClusterFixtures.keys;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.spillway.cluster.NodeInfo;
import io.spillway.cluster.PartitionMap;
import io.spillway.key.BlockKey;
import io.spillway.protocol.ErrorCode;
import java.nio.ByteBuffer;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** A cluster client with a current map sends every block and key straight to its owners, and only to them. */
@Timeout(30)
class ClusterRoutingTest {
    private final FakeCluster cluster = new FakeCluster(3, 16, 1);
    private ClusterKvClient client;

    @AfterEach
    void close() {
        if (client != null) {
            client.close();
        }
        cluster.close();
    }

    @Test
    void eachNodeOnlyEverReceivesKeysItOwns() {
        cluster.register(NS, 0);
        client = KvClient.connectCluster(fast(cluster).build());
        BlockKey[] keys = keys(200, 1);
        PutResult put = client.put(NS, keys, blocksOf(keys)).join();
        assertTrue(put.allOk(), Arrays.toString(put.statuses()));
        assertEquals(1, put.topologyVersion());
        ByteBuffer[] dst = destinations(keys.length);
        GetResult got = client.get(NS, keys, dst).join();
        assertEquals(keys.length, assertHitsAreTheirOwn(keys, dst, got));
        assertEquals(1, got.topologyVersion());

        PartitionMap map = cluster.map();
        for (FakeClusterNode node : cluster.nodes) {
            assertEquals(0, node.notOwnerAnswers.get(), node.id);
            for (BlockKey k : node.received) {
                assertTrue(map.owns(node.id, NS, k), node.id + " was sent " + k + " it does not own");
            }
            assertEquals(1, node.putRequests.get(), "one batch per node");
        }
        for (BlockKey k : keys) {
            NodeInfo primary = map.owners(NS, k).get(0);
            assertTrue(cluster.byId(primary.id()).blocks.containsKey(k));
        }
        assertEquals(0, client.counters().redirects());
        assertEquals(0, client.counters().failovers());
        assertEquals(6, client.counters().attempts());
        assertEquals(0, client.counters().retries(), "a put every owner acknowledged completes at once");
    }

    @Test
    void writesFanOutToEveryOwnerOfTheNamespacesReplication() {
        client = KvClient.connectCluster(fast(cluster).build());
        assertEquals(NS, client.registerNamespace(NAMESPACE, 2).join());
        assertEquals(2, client.partitionMap().replication(NS), "the map was refreshed after registering");
        BlockKey[] keys = keys(100, 2);
        assertTrue(client.put(NS, keys, blocksOf(keys)).join().allOk());
        PartitionMap map = cluster.map();
        for (BlockKey k : keys) {
            List<NodeInfo> owners = map.owners(NS, k);
            assertEquals(2, owners.size());
            for (FakeClusterNode node : cluster.nodes) {
                assertEquals(owners.stream().anyMatch(o -> o.id().equals(node.id)), node.blocks.containsKey(k),
                    node.id + " holds " + k + " iff it owns it");
            }
        }
        for (FakeClusterNode node : cluster.nodes) {
            assertEquals(0, node.notOwnerAnswers.get());
        }
    }

    @Test
    void pingReachesEveryMemberAndNamesTheOneThatIsDown() {
        cluster.register(NS, 0);
        client = KvClient.connectCluster(fast(cluster).build());
        client.ping().join();
        cluster.node(1).close();
        KvClientException e = failure(client.ping());
        assertEquals(ErrorCode.CONNECTION_LOST, e.code());
        assertTrue(e.getMessage().contains("node-1") && e.getMessage().contains("1 of 3"), e.getMessage());
    }

    @Test
    void aSeedThatIsDownIsPassedOver() {
        cluster.register(NS, 0);
        List<String> seeds = List.of("127.0.0.1:1", cluster.node(2).seed());
        client = KvClient.connectCluster(fast(cluster).seeds(seeds).build());
        assertEquals(1, client.partitionMap().topologyVersion());
        assertEquals(3, client.partitionMap().nodes().size());
    }

    @Test
    void noSeedAnsweringFailsTheConnectWithTheSeedsNamed() {
        cluster.close();
        KvClientException e = assertThrows(KvClientException.class,
            () -> KvClient.connectCluster(fast(cluster).seeds("127.0.0.1:1").build()));
        assertEquals(ErrorCode.CONNECTION_LOST, e.code());
        assertTrue(e.getMessage().contains("127.0.0.1:1"), e.getMessage());
    }

    @Test
    void unknownNamespaceFailsThePutAndTheGet() {
        client = KvClient.connectCluster(fast(cluster).build());
        BlockKey[] keys = keys(10, 3);
        assertEquals(ErrorCode.UNKNOWN_NAMESPACE, failure(client.put(NS, keys, blocksOf(keys))).code());
        assertEquals(ErrorCode.UNKNOWN_NAMESPACE,
            failure(client.get(NS, keys, destinations(keys.length))).code());
    }

    @Test
    void singleNodeClientSeesNotOwnerPerBlockAndTheTopologyVersion() {
        cluster.register(NS, 0);
        FakeClusterNode node = cluster.node(0);
        BlockKey[] keys = keys(40, 4);
        try (KvClient direct = KvClient.connect(ClientContext.builder().server("127.0.0.1", node.dataPort())
            .controlPort(node.controlPort()).connections(1).build())) {
            PutResult put = direct.put(NS, keys, blocksOf(keys)).join();
            assertEquals(1, put.topologyVersion());
            assertTrue(put.hasTopologyVersion());
            PartitionMap map = cluster.map();
            for (int i = 0; i < keys.length; i++) {
                assertEquals(map.owns(node.id, NS, keys[i]) ? ErrorCode.OK : ErrorCode.NOT_OWNER,
                    put.statuses()[i]);
            }
            assertTrue(put.count(ErrorCode.NOT_OWNER) > 0 && put.count(ErrorCode.OK) > 0);
            cluster.bumpVersion();
            GetResult got = direct.get(NS, keys, destinations(keys.length)).join();
            assertEquals(2, got.topologyVersion());
            assertEquals(put.count(ErrorCode.NOT_OWNER), got.count(ErrorCode.NOT_OWNER));
            assertEquals(put.count(ErrorCode.OK), got.hits());
        }
    }

    @Test
    void aStandaloneNodeReportsNoTopologyVersion() {
        try (FakeKvServer server = new FakeKvServer()) {
            server.namespaces.add(NS);
            try (KvClient direct = KvClient.connect(ClientContext.builder().server("127.0.0.1", server.port())
                .controlPort(server.port() == 65_535 ? 1 : server.port() + 1).connections(1).build())) {
                BlockKey[] keys = keys(3, 5);
                PutResult put = direct.put(NS, keys, blocksOf(keys)).join();
                assertEquals(-1, put.topologyVersion());
                assertFalse(put.hasTopologyVersion());
                assertEquals(-1, direct.get(NS, keys, destinations(3)).join().topologyVersion());
            }
        }
    }
}
