package io.spillway.server;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.spillway.cluster.PartitionMap;
import io.spillway.key.BlockKey;
import io.spillway.protocol.ErrorCode;
import java.nio.file.Path;
import java.util.Random;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.apache.ignite.Ignition;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A member whose embedded Ignite node is stopped under it (what Ignite's failure handler does to a node it finds
 * segmented) stops serving at once: {@code ready()} false with the reason, an empty map, {@code NOT_OWNER} for keys
 * it owned a moment before; then it restarts Ignite against the seeds on its own and serves the whole map again, the
 * blocks in its tiers still there, each step counted on /metrics. Three real in-JVM members on loopback (discovery
 * 29700+, communication 29800+: below the ephemeral range).
 */
class PartitionRejoinTest {
    @TempDir
    Path dir;

    private SpillwayServer a;
    private SpillwayServer b;
    private SpillwayServer c;

    private SpillwayServer member(String name) {
        return SpillwayServer.start(TestNode.member(dir, name, 29700, 29800, 3)
            .cluster("maxReplication", "2").cluster("replication", "2")
            .cluster("rejoinBackoffMaxMs", "1000").build());
    }

    @BeforeEach
    void startThree() {
        a = member("node-a");
        b = member("node-b");
        c = member("node-c");
        ClusterNodesTest.await(() -> a.cluster().currentMap().nodes().size() == 3
            && b.cluster().currentMap().nodes().size() == 3 && c.cluster().currentMap().nodes().size() == 3,
            "three members everywhere");
    }

    @AfterEach
    void stop() {
        for (SpillwayServer s : new SpillwayServer[] {c, b, a}) {
            if (s != null) {
                s.close();
            }
        }
    }

    @Test
    void aMemberWhoseIgniteNodeIsStoppedStopsServingAndRejoinsOnItsOwn() throws Exception {
        c.namespaces().register(TestNode.NAMESPACE);
        PartitionMap before = c.cluster().currentMap();
        Random random = new Random(5);
        BlockKey key;
        do {
            key = TestNode.key(random);
        } while (!before.owns("node-c", TestNode.NS, key));
        byte[] block = TestNode.bytes(random, 4096);
        try (RawClient raw = new RawClient(c.dataPort())) {
            raw.write(RawClient.putFrame(1, TestNode.NS, new BlockKey[] {key}, new byte[][] {block}));
            assertArrayEquals(new int[] {ErrorCode.OK.code()}, raw.read().putStatuses(), "stored on node-c");
        }
        assertTrue(c.ready());
        assertEquals(0.0, metric(c, "spillway_cluster_segmented_total"));

        Ignition.stop("spillway-node-c", true); // as Ignite's StopNodeFailureHandler does on segmentation

        ClusterNodesTest.await(() -> !c.ready(), "node-c not ready");
        assertTrue(c.notReadyReason().contains("cut off from the cluster's majority"), c.notReadyReason());
        assertEquals(0, c.cluster().currentMap().nodes().size(), "owns nothing while cut off");
        try (RawClient raw = new RawClient(c.dataPort())) {
            raw.write(RawClient.keysFrame(RawClient.GET, 2, TestNode.NS, key));
            assertEquals(ErrorCode.NOT_OWNER.code(), raw.read().entries().get(0).status(),
                "a key it owned is NOT_OWNER while it cannot prove it still does");
        }
        assertEquals(1.0, metric(c, "spillway_cluster_segmented_total"));
        assertEquals(0.0, metric(c, "spillway_cluster_serving"));
        assertTrue(a.ready() && b.ready(), "the others go on");

        ClusterNodesTest.await(() -> c.ready() && c.cluster().currentMap().nodes().size() == 3
            && a.cluster().currentMap().topologyVersion() == c.cluster().currentMap().topologyVersion(),
            "node-c back in the map, serving");
        assertTrue(a.cluster().currentMap().nodes().size() == 3);
        assertEquals(1.0, metric(c, "spillway_cluster_rejoined_total"));
        assertTrue(metric(c, "spillway_cluster_rejoin_attempts_total") >= 1);
        assertTrue(metric(c, "spillway_cluster_not_ready_seconds_total") > 0);
        assertEquals(1.0, metric(c, "spillway_cluster_serving"));
        assertEquals("", c.notReadyReason());
        if (c.cluster().currentMap().owns("node-c", TestNode.NS, key)) {
            try (RawClient raw = new RawClient(c.dataPort())) {
                raw.write(RawClient.keysFrame(RawClient.GET, 3, TestNode.NS, key));
                assertArrayEquals(block, raw.read().entries().get(0).bytes(), "its tiers kept the block");
            }
        }
        c.namespaces().register(TestNode.NAMESPACE); // the replicated registry follows the new Ignite node
    }

    @Test
    void membersThatLeaveCleanlyNeverTakeTheQuorumWithThem() {
        b.close();
        b = null;
        c.close();
        c = null;
        ClusterNodesTest.await(() -> a.cluster().currentMap().nodes().size() == 1, "node-a alone");
        assertTrue(a.ready(), "two clean leaves of three: node-a is the whole stable membership");
        assertFalse(a.cluster().currentMap().owners(TestNode.NS, TestNode.key(new Random(1))).isEmpty());
        assertEquals(0.0, metric(a, "spillway_cluster_segmented_total"));
    }

    private static double metric(SpillwayServer s, String name) {
        Matcher m = Pattern.compile("(?m)^" + Pattern.quote(name) + "(?:\\{[^}]*\\})? (\\S+)$")
            .matcher(s.metrics().scrape());
        assertTrue(m.find(), "metric " + name);
        return Double.parseDouble(m.group(1));
    }
}
