package io.spillway.client;

import static io.spillway.client.ClusterFixtures.NS;
import static io.spillway.client.ClusterFixtures.assertHitsAreTheirOwn;
import static io.spillway.client.ClusterFixtures.await;
import static io.spillway.client.ClusterFixtures.blocksOf;
import static io.spillway.client.ClusterFixtures.destinations;
import static io.spillway.client.ClusterFixtures.failure;
import static io.spillway.client.ClusterFixtures.fast;
import static io.spillway.client.ClusterFixtures.keys;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.spillway.cluster.NodeInfo;
import io.spillway.cluster.PartitionMap;
import io.spillway.key.BlockKey;
import io.spillway.protocol.ErrorCode;
import java.nio.ByteBuffer;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** Put acknowledgement across replicas, retries, deadlines, and a client whose map goes stale. */
@Timeout(30)
class ClusterPutRetryTest {
    private final FakeCluster cluster = new FakeCluster(3, 16, 2);
    private ClusterKvClient client;

    @AfterEach
    void close() {
        if (client != null) {
            client.close();
        }
        cluster.close();
    }

    private ClusterKvClient connect(ClientContext.Builder b) {
        cluster.register(NS, 0);
        client = KvClient.connectCluster(b.build());
        return client;
    }

    @Test
    void aBlockIsNotOkUntilItsRefusingReplicaStoredIt() throws Exception {
        connect(fast(cluster));
        FakeClusterNode refusing = cluster.node(1);
        refusing.putFault = k -> ErrorCode.BACK_PRESSURE;
        BlockKey[] keys = keys(60, 10);
        CompletableFuture<PutResult> put = client.put(NS, keys, blocksOf(keys));
        Thread.sleep(200);
        assertFalse(put.isDone(), "acknowledged while a replica had not stored its blocks");
        refusing.putFault = null;
        PutResult result = put.join();
        assertTrue(result.allOk(), Arrays.toString(result.statuses()));
        assertTrue(client.counters().retries() > 0);
        PartitionMap map = cluster.map();
        for (BlockKey k : keys) {
            for (NodeInfo o : map.owners(NS, k)) {
                assertTrue(cluster.byId(o.id()).blocks.containsKey(k), o.id() + " lacks " + k);
            }
        }
    }

    @Test
    void aPutStillRefusedAtTheDeadlineFailsNamingWhatIsMissing() {
        connect(fast(cluster).retryDeadline(Duration.ofMillis(300)));
        cluster.node(2).putFault = k -> ErrorCode.NOT_OWNER;
        BlockKey[] keys = keys(30, 11);
        long start = System.nanoTime();
        KvClientException e = failure(client.put(NS, keys, blocksOf(keys)));
        long millis = (System.nanoTime() - start) / 1_000_000;
        assertEquals(ErrorCode.TIMEOUT, e.code());
        assertTrue(e.getMessage().contains("not stored on all their owners within 300 ms")
            && e.getMessage().contains("node-2") && e.getMessage().contains("NOT_OWNER")
            && e.getMessage().contains(ClientContext.RETRY_DEADLINE_MS_PROP), e.getMessage());
        assertTrue(millis >= 290 && millis < 2000, millis + " ms");
        assertTrue(client.counters().redirects() > 0);
        assertTrue(client.counters().refreshes() > 1, "NOT_OWNER refreshes the map");
    }

    @Test
    void aStaleClientWritesAndReadsCorrectlyAcrossTwoTopologyChanges() {
        connect(fast(cluster));
        assertEquals(1, client.partitionMap().topologyVersion());
        List<BlockKey[]> batches = new ArrayList<>();

        FakeClusterNode joined = cluster.addNode();
        List<FakeClusterNode> four = new ArrayList<>(cluster.nodes);
        cluster.publish(four); // v2: node-3 joins; the client is not told
        BlockKey[] first = keys(80, 12);
        batches.add(first);
        assertTrue(client.put(NS, first, blocksOf(first)).join().allOk());
        assertEquals(2, client.partitionMap().topologyVersion());
        long redirects = client.counters().redirects();
        assertTrue(redirects > 0, "old owners answered NOT_OWNER");
        assertTrue(joined.blocks.size() > 0);

        cluster.publish(four.subList(1, 4)); // v3: node-0 leaves the map (still running: it answers NOT_OWNER)
        BlockKey[] second = keys(80, 13);
        batches.add(second);
        assertTrue(client.put(NS, second, blocksOf(second)).join().allOk());
        assertEquals(3, client.partitionMap().topologyVersion());
        assertTrue(client.counters().redirects() > redirects);
        assertFalse(client.members().openMembers().contains("node-0"), "a member that left is closed");

        PartitionMap v3 = cluster.map();
        for (BlockKey k : second) {
            for (NodeInfo o : v3.owners(NS, k)) {
                assertTrue(cluster.byId(o.id()).blocks.containsKey(k));
            }
        }
        ByteBuffer[] dst = destinations(second.length);
        assertEquals(second.length, assertHitsAreTheirOwn(second, dst, client.get(NS, second, dst).join()));
        ByteBuffer[] old = destinations(first.length);
        GetResult got = client.get(NS, first, old).join();
        int hits = assertHitsAreTheirOwn(first, old, got); // moved blocks may miss, never return wrong bytes
        assertEquals(first.length, hits + got.count(ErrorCode.NOT_FOUND), Arrays.toString(got.statuses()));
        assertTrue(hits > 0);
    }

    @Test
    void aNewerVersionInAReplyTrailerRefreshesTheMap() throws Exception {
        connect(fast(cluster));
        cluster.bumpVersion(); // nothing moves: no NOT_OWNER, only the trailer says v2
        BlockKey[] keys = keys(20, 14);
        PutResult put = client.put(NS, keys, blocksOf(keys)).join();
        assertTrue(put.allOk());
        assertEquals(2, put.topologyVersion());
        await(() -> client.partitionMap().topologyVersion() == 2, "a refresh to v2");
        assertEquals(0, client.counters().redirects());
    }

    @Test
    void concurrentRefreshesShareOneFetch() {
        connect(fast(cluster));
        int before = cluster.nodes.stream().mapToInt(n -> n.mapRequests.get()).sum();
        CompletableFuture<PartitionMap> a = client.refreshPartitionMap();
        CompletableFuture<PartitionMap> b = client.refreshPartitionMap();
        assertSame(a, b);
        a.join();
        assertEquals(before + 1, cluster.nodes.stream().mapToInt(n -> n.mapRequests.get()).sum());
    }

    @Test
    void writesToADeadOwnerSucceedOnceTheMapDropsIt() throws Exception {
        connect(fast(cluster));
        cluster.node(1).close();
        BlockKey[] keys = keys(40, 15);
        CompletableFuture<PutResult> put = client.put(NS, keys, blocksOf(keys));
        Thread.sleep(150); // failure detection
        assertFalse(put.isDone());
        cluster.publish(List.of(cluster.node(0), cluster.node(2)));
        PutResult result = put.join();
        assertTrue(result.allOk(), Arrays.toString(result.statuses()));
        for (BlockKey k : keys) {
            assertTrue(cluster.node(0).blocks.containsKey(k) && cluster.node(2).blocks.containsKey(k));
        }
        assertTrue(client.counters().deadNodeSkips() > 0, client.counters().toString());
    }

    @Test
    void closingTheClientCompletesAPutThatIsStillRetrying() throws Exception {
        connect(fast(cluster).retryBackoff(Duration.ofMillis(50), Duration.ofMillis(50)));
        cluster.node(0).putFault = k -> ErrorCode.BACK_PRESSURE;
        BlockKey[] keys = keys(20, 16);
        CompletableFuture<PutResult> put = client.put(NS, keys, blocksOf(keys));
        Thread.sleep(120);
        assertFalse(put.isDone());
        client.close();
        client = null;
        KvClientException e = failure(put);
        assertEquals(ErrorCode.CONNECTION_LOST, e.code());
    }

    @Test
    void periodicRefreshPicksUpANewMapWithoutTraffic() throws Exception {
        connect(fast(cluster).mapRefreshInterval(Duration.ofMillis(20)));
        cluster.bumpVersion();
        await(() -> client.partitionMap().topologyVersion() == 2, "the periodic refresh");
    }
}
