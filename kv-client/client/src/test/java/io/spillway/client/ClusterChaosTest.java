package io.spillway.client;

import static io.spillway.client.ClusterFixtures.NS;
import static io.spillway.client.ClusterFixtures.assertHitsAreTheirOwn;
import static io.spillway.client.ClusterFixtures.blocksOf;
import static io.spillway.client.ClusterFixtures.destinations;
import static io.spillway.client.ClusterFixtures.fast;
import static io.spillway.client.ClusterFixtures.keys;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.spillway.key.BlockKey;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * Concurrent puts and gets of distinct per-key bytes while a node is killed and, after "failure detection", dropped
 * from the map: every put succeeds, every key written is read back, and every byte read is its own key's.
 */
@Timeout(30)
class ClusterChaosTest {

    @Test
    void zeroWrongBytesUnderMixedLoadWhileANodeIsKilled() throws Exception {
        try (FakeCluster cluster = new FakeCluster(3, 16, 2)) {
            cluster.register(NS, 0);
            try (ClusterKvClient client = KvClient.connectCluster(fast(cluster).connections(2).build())) {
                AtomicBoolean stop = new AtomicBoolean();
                AtomicLong verifiedHits = new AtomicLong();
                AtomicLong puts = new AtomicLong();
                ConcurrentLinkedQueue<Throwable> errors = new ConcurrentLinkedQueue<>();
                List<Thread> workers = new ArrayList<>();
                for (int w = 0; w < 4; w++) {
                    int worker = w;
                    Thread t = new Thread(() -> {
                        Random random = new Random(worker);
                        List<BlockKey> written = new ArrayList<>();
                        try {
                            for (int round = 0; !stop.get(); round++) {
                                BlockKey[] fresh = keys(8, worker * 1_000_003L + round);
                                PutResult put = client.put(NS, fresh, blocksOf(fresh)).get(10, TimeUnit.SECONDS);
                                assertTrue(put.allOk(), Arrays.toString(put.statuses()));
                                puts.addAndGet(fresh.length);
                                written.addAll(Arrays.asList(fresh));
                                BlockKey[] read = new BlockKey[16];
                                for (int i = 0; i < read.length; i++) {
                                    read[i] = written.get(random.nextInt(written.size()));
                                }
                                ByteBuffer[] dst = destinations(read.length);
                                GetResult got = client.get(NS, read, dst).get(10, TimeUnit.SECONDS);
                                int hits = assertHitsAreTheirOwn(read, dst, got);
                                assertEquals(read.length, hits, "every key written is readable: "
                                    + Arrays.toString(got.statuses()));
                                verifiedHits.addAndGet(hits);
                            }
                        } catch (Throwable e) {
                            errors.add(e);
                        }
                    }, "chaos-" + w);
                    t.start();
                    workers.add(t);
                }
                Thread.sleep(300);
                cluster.node(1).close();
                Thread.sleep(200); // failure detection
                cluster.publish(List.of(cluster.node(0), cluster.node(2)));
                Thread.sleep(400);
                stop.set(true);
                for (Thread t : workers) {
                    t.join(15_000);
                }
                if (!errors.isEmpty()) {
                    AssertionError e = new AssertionError(errors.size() + " worker errors; " + client.counters());
                    errors.forEach(e::addSuppressed);
                    throw e;
                }
                assertTrue(verifiedHits.get() > 100, "hits verified: " + verifiedHits);
                assertTrue(client.partitionMap().topologyVersion() >= 2);
                assertTrue(client.counters().refreshes() >= 2, client.counters().toString());
            }
        }
    }
}
