package io.spillway.client;

import static io.spillway.client.ClusterFixtures.NS;
import static io.spillway.client.ClusterFixtures.assertHitsAreTheirOwn;
import static io.spillway.client.ClusterFixtures.await;
import static io.spillway.client.ClusterFixtures.blocksOf;
import static io.spillway.client.ClusterFixtures.destinations;
import static io.spillway.client.ClusterFixtures.fast;
import static io.spillway.client.ClusterFixtures.keys;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.spillway.cluster.PartitionMap;
import io.spillway.key.BlockKey;
import io.spillway.protocol.ErrorCode;
import io.spillway.tier.TierKind;
import java.nio.ByteBuffer;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** Reads: primary first, then the backups; read repair; dead nodes skipped; prefix lookups combined exactly. */
@Timeout(30)
class ClusterReadFallbackTest {
    private final FakeCluster cluster = new FakeCluster(3, 16, 2);
    private ClusterKvClient client;

    @AfterEach
    void close() {
        if (client != null) {
            client.close();
        }
        cluster.close();
    }

    private BlockKey[] connectAndPut(ClientContext.Builder b, int n, long seed) {
        cluster.register(NS, 0);
        client = KvClient.connectCluster(b.build());
        BlockKey[] keys = keys(n, seed);
        assertTrue(client.put(NS, keys, blocksOf(keys)).join().allOk());
        return keys;
    }

    private List<BlockKey> primariedBy(BlockKey[] keys, String nodeId) {
        PartitionMap map = cluster.map();
        List<BlockKey> out = new ArrayList<>();
        for (BlockKey k : keys) {
            if (map.owners(NS, k).get(0).id().equals(nodeId)) {
                out.add(k);
            }
        }
        return out;
    }

    @Test
    void readsFallBackToTheBackupWhenThePrimaryIsDown() {
        BlockKey[] keys = connectAndPut(fast(cluster), 90, 20);
        int onDead = primariedBy(keys, "node-0").size();
        assertTrue(onDead > 0);
        cluster.node(0).close();
        ByteBuffer[] dst = destinations(keys.length);
        GetResult got = client.get(NS, keys, dst).join();
        assertEquals(keys.length, assertHitsAreTheirOwn(keys, dst, got), Arrays.toString(got.statuses()));
        assertEquals(onDead, client.counters().failovers());
    }

    @Test
    void aHungPrimaryCostsOneHedgeDelayNotARequestTimeoutThenTheBackupAnswers() {
        BlockKey[] keys = connectAndPut(fast(cluster).requestTimeout(Duration.ofMillis(300))
            .hedgeDelay(Duration.ofMillis(5), Duration.ofMillis(25)).slowPutTimeout(Duration.ofMillis(50),
                Duration.ofMillis(100)), 60, 28);
        int onHung = primariedBy(keys, "node-2").size();
        cluster.node(2).silent = true;
        long start = System.nanoTime();
        ByteBuffer[] dst = destinations(keys.length);
        GetResult got = client.get(NS, keys, dst).join();
        long millis = (System.nanoTime() - start) / 1_000_000;
        assertEquals(keys.length, assertHitsAreTheirOwn(keys, dst, got), Arrays.toString(got.statuses()));
        assertEquals(onHung, client.counters().failovers());
        assertEquals(1, client.counters().hedges(), client.counters().toString()); // one batch to node-2
        assertTrue(millis < 290, millis + " ms: the hung primary was abandoned at the hedge delay (25 ms cap), "
            + "not at the 300 ms request timeout");
    }

    @Test
    void aPrimaryThatMissesIsRepairedFromTheBackup() throws Exception {
        BlockKey[] keys = connectAndPut(fast(cluster), 90, 21);
        List<BlockKey> lost = primariedBy(keys, "node-1");
        FakeClusterNode primary = cluster.node(1);
        lost.forEach(primary.blocks::remove); // a primary that restarted empty
        ByteBuffer[] dst = destinations(keys.length);
        GetResult got = client.get(NS, keys, dst).join();
        assertEquals(keys.length, assertHitsAreTheirOwn(keys, dst, got));
        assertEquals(lost.size(), client.counters().failovers());
        await(() -> client.counters().repairs() == lost.size(), "read repair of " + lost.size() + " blocks");
        for (BlockKey k : lost) {
            assertTrue(Arrays.equals(ClusterFixtures.bytesOf(k), primary.blocks.get(k)), "repaired " + k);
        }
        long attempts = client.counters().attempts();
        dst = destinations(keys.length);
        assertEquals(keys.length, assertHitsAreTheirOwn(keys, dst, client.get(NS, keys, dst).join()));
        assertEquals(attempts + 3, client.counters().attempts(), "after repair every key hits on its primary");
        assertEquals(lost.size(), client.counters().failovers());
    }

    @Test
    void readRepairCanBeTurnedOff() throws Exception {
        BlockKey[] keys = connectAndPut(fast(cluster).readRepairConcurrency(0), 30, 22);
        List<BlockKey> lost = primariedBy(keys, "node-2");
        lost.forEach(cluster.node(2).blocks::remove);
        assertEquals(keys.length, client.get(NS, keys, destinations(keys.length)).join().hits());
        Thread.sleep(50);
        assertEquals(0, client.counters().repairs());
        lost.forEach(k -> assertTrue(!cluster.node(2).blocks.containsKey(k)));
    }

    @Test
    void aKeyMissingOnEveryOwnerIsNotFound() {
        BlockKey[] stored = connectAndPut(fast(cluster), 10, 23);
        BlockKey[] absent = keys(10, 24);
        BlockKey[] mixed = new BlockKey[20];
        for (int i = 0; i < 10; i++) {
            mixed[2 * i] = stored[i];
            mixed[2 * i + 1] = absent[i];
        }
        ByteBuffer[] dst = destinations(mixed.length);
        GetResult got = client.get(NS, mixed, dst).join();
        assertEquals(10, assertHitsAreTheirOwn(mixed, dst, got));
        for (int i = 0; i < 10; i++) {
            assertEquals(ErrorCode.NOT_FOUND, got.statuses()[2 * i + 1]);
            assertEquals(0, dst[2 * i + 1].position(), "a miss leaves its destination alone");
            assertEquals(4096, dst[2 * i + 1].limit());
        }
        assertEquals(0, client.counters().repairs());
    }

    @Test
    void aDeadNodeCostsOneFailedConnectThenIsSkipped() {
        BlockKey[] keys = connectAndPut(fast(cluster), 30, 25);
        cluster.node(0).close();
        long start = System.nanoTime();
        for (int round = 0; round < 50; round++) {
            ByteBuffer[] dst = destinations(keys.length);
            assertEquals(keys.length, assertHitsAreTheirOwn(keys, dst, client.get(NS, keys, dst).join()));
        }
        long millis = (System.nanoTime() - start) / 1_000_000;
        int onDead = primariedBy(keys, "node-0").size();
        assertTrue(onDead > 0);
        // the first get may end its request to the killed node at the hedge delay, before the closed connection is
        // seen, so that only the second get's connect is refused: at most two gets ask it
        assertTrue(client.counters().deadNodeSkips() >= 48L * onDead, client.counters().toString());
        assertTrue(millis < 3000, millis + " ms for 50 gets");
    }

    @Test
    void prefixLookupAcrossNodesIsExact() {
        cluster.register(NS, 1);
        client = KvClient.connectCluster(fast(cluster).build());
        BlockKey[] chain = keys(40, 26);
        assertTrue(client.put(NS, chain, blocksOf(chain)).join().allOk());
        assertLookup(chain, 40);
        for (int cut : new int[] {33, 17, 4, 0}) {
            BlockKey gone = chain[cut];
            PartitionMap map = cluster.map();
            cluster.byId(map.owners(NS, gone).get(0).id()).blocks.remove(gone);
            assertLookup(chain, cut);
        }
    }

    private void assertLookup(BlockKey[] chain, int expected) {
        PrefixLookup lookup = client.lookupPrefix(NS, chain).join();
        assertEquals(expected, lookup.prefixLength(), lookup.toString());
        assertEquals(expected, lookup.longestRun().get(TierKind.CPU), lookup.toString());
        assertEquals(expected, lookup.blocksInPrefix().get(TierKind.CPU), "exact after the second ask: " + lookup);
    }

    @Test
    void prefixLookupFallsBackToABackupWhenThePrimaryIsDown() {
        BlockKey[] chain = connectAndPut(fast(cluster), 30, 27);
        cluster.node(1).close();
        PrefixLookup lookup = client.lookupPrefix(NS, chain).join();
        assertEquals(30, lookup.prefixLength(), lookup.toString());
        assertEquals(30, lookup.blocksInPrefix().get(TierKind.CPU));
    }
}
