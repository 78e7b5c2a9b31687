package io.spillway.client;

import static io.spillway.client.ClusterFixtures.NS;
import static io.spillway.client.ClusterFixtures.assertHitsAreTheirOwn;
import static io.spillway.client.ClusterFixtures.await;
import static io.spillway.client.ClusterFixtures.blocksOf;
import static io.spillway.client.ClusterFixtures.destinations;
import static io.spillway.client.ClusterFixtures.fast;
import static io.spillway.client.ClusterFixtures.keys;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
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
import java.util.Set;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * A slow member (node-0 behind a {@link DelayingProxy} that holds bytes 1.5 s each way, longer than the 2 s
 * request timeout round trip): gets are hedged to the other owner, puts time out quickly and land on the other owner
 * and a stand-in, the member becomes suspect and is cleared once it answers fast again.
 */
@Timeout(60)
class ClusterSlowNodeTest {
    private static final long SLOW_MS = 1_500;
    private final FakeCluster cluster = new FakeCluster(3, 16, 2);
    private DelayingProxy proxy;
    private ClusterKvClient client;

    @BeforeEach
    void slowNodeZeroThroughAProxy() throws InterruptedException {
        proxy = new DelayingProxy(cluster.node(0).dataPort());
        cluster.node(0).advertisedDataPort = proxy.port();
        cluster.bumpVersion();
        cluster.register(NS, 0);
        client = KvClient.connectCluster(fast(cluster).requestTimeout(Duration.ofSeconds(2))
            .retryDeadline(Duration.ofSeconds(10)).hedgeDelay(Duration.ofMillis(5), Duration.ofMillis(25))
            .slowPutTimeout(Duration.ofMillis(50), Duration.ofMillis(150)).suspectAfter(3)
            .suspectProbeInterval(Duration.ofMillis(50)).build());
        assertEquals(proxy.port(), client.partitionMap().node("node-0").dataPort(), "the map advertises the proxy");
        BlockKey[] warm = keys(3 * LatencyWindow.MIN_SAMPLES, 7);
        for (BlockKey k : warm) { // a put p99 per member: the quick put timeout needs one
            assertTrue(client.put(NS, new BlockKey[] {k}, blocksOf(new BlockKey[] {k})).join().allOk());
        }
        for (FakeClusterNode n : cluster.nodes) {
            NodeHealth h = client.members().health(client.partitionMap().node(n.id));
            await(() -> h.puts.p99Nanos() >= 0, "a put p99 of " + n.id);
        }
    }

    @AfterEach
    void close() {
        client.close();
        proxy.close();
        cluster.close();
    }

    /** Keys whose owners are exactly {@code first} then {@code second}. */
    private List<BlockKey> ownedBy(BlockKey[] keys, String first, String second) {
        PartitionMap map = cluster.map();
        List<BlockKey> out = new ArrayList<>();
        for (BlockKey k : keys) {
            List<NodeInfo> o = map.owners(NS, k);
            if (o.get(0).id().equals(first) && o.get(1).id().equals(second)) {
                out.add(k);
            }
        }
        return out;
    }

    private GetResult getOne(BlockKey key, ByteBuffer dst) throws Exception {
        return client.get(NS, new BlockKey[] {key}, new ByteBuffer[] {dst}).get(1, TimeUnit.SECONDS);
    }

    @Test
    void aGetToTheSlowPrimaryIsHedgedToTheReplicaBeforeTheRequestTimeout() throws Exception {
        BlockKey[] keys = keys(120, 41);
        assertTrue(client.put(NS, keys, blocksOf(keys)).join().allOk());
        List<BlockKey> slowFirst = ownedBy(keys, "node-0", "node-1");
        assertTrue(slowFirst.size() >= 3, "keys primaried by node-0: " + slowFirst.size());
        proxy.delayMillis = SLOW_MS;
        int replicaGets = cluster.node(1).getRequests.get();
        for (BlockKey k : slowFirst) {
            ByteBuffer[] dst = destinations(1);
            // unhedged, node-0 would answer after 3 s or time out after 2 s: a reply within 1 s came from node-1
            GetResult got = getOne(k, dst[0]);
            assertEquals(1, assertHitsAreTheirOwn(new BlockKey[] {k}, dst, got), Arrays.toString(got.statuses()));
        }
        assertEquals(3, client.counters().hedges(), "hedged until suspect: " + client.counters());
        assertEquals(Set.of("node-0"), client.suspectMembers());
        assertEquals(slowFirst.size(), client.counters().suspectSkips() + 3, client.counters().toString());
        assertEquals(replicaGets + slowFirst.size(), cluster.node(1).getRequests.get());
    }

    @Test
    void aPutPastTheQuickTimeoutIsAcknowledgedByTheOtherOwnerAndAStandIn() throws Exception {
        proxy.delayMillis = SLOW_MS;
        BlockKey[] keys = keys(120, 42);
        for (int from = 0; from < keys.length; from += 40) { // three puts: three quick timeouts make it suspect
            BlockKey[] part = Arrays.copyOfRange(keys, from, from + 40);
            PutResult put = client.put(NS, part, blocksOf(part)).get(2, TimeUnit.SECONDS);
            assertTrue(put.allOk(), Arrays.toString(put.statuses()));
        }
        assertTrue(client.counters().slowPuts() >= 1, client.counters().toString());
        PartitionMap map = cluster.map();
        int onStandIns = 0;
        for (BlockKey k : keys) {
            List<NodeInfo> owners = map.owners(NS, k);
            if (!owners.get(0).id().equals("node-0") && !owners.get(1).id().equals("node-0")) {
                continue;
            }
            String standIn = map.standIns(NS, k).get(0).id();
            NodeInfo other = owners.get(0).id().equals("node-0") ? owners.get(1) : owners.get(0);
            assertTrue(cluster.byId(other.id()).blocks.containsKey(k), k + " not on its other owner " + other.id());
            assertTrue(cluster.byId(standIn).blocks.containsKey(k), k + " not on its stand-in " + standIn);
            assertTrue(cluster.byId(standIn).standInKeys.contains(k));
            onStandIns++;
        }
        assertTrue(onStandIns > 0);
        // at least those; a healthy member's put may also pass its quick timeout on a busy machine and add a few
        assertTrue(client.counters().standInBlocks() >= onStandIns, onStandIns + " " + client.counters());
        assertEquals(Set.of("node-0"), client.suspectMembers(), "puts alone make the slow member suspect");
    }

    @Test
    void aBlockWhoseOtherOwnerDiedIsReadFromItsStandIn() throws Exception {
        proxy.delayMillis = SLOW_MS;
        BlockKey[] keys = keys(120, 43);
        assertTrue(client.put(NS, keys, blocksOf(keys)).get(2, TimeUnit.SECONDS).allOk());
        List<BlockKey> slowAndOne = ownedBy(keys, "node-0", "node-1");
        assertFalse(slowAndOne.isEmpty());
        cluster.node(1).close();
        for (BlockKey k : slowAndOne) {
            ByteBuffer[] dst = destinations(1);
            GetResult got = getOne(k, dst[0]);
            assertEquals(1, assertHitsAreTheirOwn(new BlockKey[] {k}, dst, got), k + " " + Arrays.toString(
                got.statuses()) + " " + client.counters());
        }
        assertTrue(cluster.node(2).getRequests.get() >= slowAndOne.size());
    }

    @Test
    void aHungPrimaryWhoseBackupIsSuspectIsAbandonedOnceAskedOnceMoreAndTheGetEnds() throws Exception {
        BlockKey[] keys = keys(120, 45);
        assertTrue(client.put(NS, keys, blocksOf(keys)).join().allOk());
        proxy.delayMillis = SLOW_MS;
        List<BlockKey> slowFirst = ownedBy(keys, "node-0", "node-1");
        for (int i = 0; i < 3; i++) {
            getOne(slowFirst.get(i), ByteBuffer.allocate(4096));
        }
        assertEquals(Set.of("node-0"), client.suspectMembers());
        BlockKey key = ownedBy(keys, "node-2", "node-0").get(0);
        cluster.node(2).silent = true; // the primary hangs, the backup is suspect, the stand-in never had the key
        GetResult got = client.get(NS, new BlockKey[] {key}, new ByteBuffer[] {ByteBuffer.allocate(4096)})
            .get(5, TimeUnit.SECONDS); // hedged at 25 ms, stand-in NOT_FOUND, primary once more for 2 s: then it ends
        assertEquals(ErrorCode.NOT_FOUND, got.statuses()[0], client.counters().toString());
        assertEquals(5, client.counters().hedges(), "3 to make node-0 suspect, the primary, the suspect backup "
            + "(hedge cap); the second ask of the primary is not hedged again");
    }

    @Test
    void aSuspectMemberIsClearedOnceItAnswersFastAgainAndIsAskedAgain() throws Exception {
        BlockKey[] keys = keys(120, 44);
        assertTrue(client.put(NS, keys, blocksOf(keys)).join().allOk());
        List<BlockKey> slowFirst = ownedBy(keys, "node-0", "node-1");
        proxy.delayMillis = SLOW_MS;
        for (int i = 0; i < 3; i++) {
            getOne(slowFirst.get(i), ByteBuffer.allocate(4096));
        }
        assertEquals(Set.of("node-0"), client.suspectMembers());
        assertEquals(1, client.counters().suspected());
        proxy.delayMillis = 0;
        await(() -> client.suspectMembers().isEmpty(), "node-0 cleared by a fast ping");
        assertEquals(1, client.counters().recovered());
        int before = cluster.node(0).getRequests.get();
        ByteBuffer[] dst = destinations(1);
        GetResult got = getOne(slowFirst.get(0), dst[0]);
        assertEquals(1, assertHitsAreTheirOwn(new BlockKey[] {slowFirst.get(0)}, dst, got));
        assertEquals(before + 1, cluster.node(0).getRequests.get(), "the primary is asked again");
    }
}
