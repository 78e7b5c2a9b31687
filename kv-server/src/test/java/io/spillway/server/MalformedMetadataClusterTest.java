package io.spillway.server;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.spillway.server.cluster.IgniteMembership;
import io.spillway.server.harness.NodeCluster;
import io.spillway.tier.TierKind;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.apache.ignite.IgniteCache;
import org.apache.ignite.Ignition;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Issue 21 item 7: malformed entries planted in the replicated metadata, namespaces and tenant quotas (through Ignite
 * directly, as any writer that reaches it could), are skipped and counted by every member, and the partition map keeps following the
 * membership: a member that joins afterwards, and then leaves, shows up in and drops out of every member's map.
 * In-JVM members on loopback ports below the ephemeral range ({@link NodeCluster#freePort}).
 */
class MalformedMetadataClusterTest {
    private static final Pattern MALFORMED = Pattern.compile("spillway_cluster_metadata_malformed_total ([0-9.]+)");

    @TempDir
    Path dir;

    private final List<SpillwayServer> nodes = new ArrayList<>();
    private final Set<Integer> taken = new HashSet<>();
    private final List<int[]> ports = new ArrayList<>();

    @AfterEach
    void stop() {
        for (int i = nodes.size() - 1; i >= 0; i--) {
            nodes.get(i).close();
        }
    }

    private SpillwayServer member(int i) {
        List<String> seeds = new ArrayList<>();
        for (int[] p : ports) {
            seeds.add("127.0.0.1:" + p[0]);
        }
        SpillwayServer s = SpillwayServer.start(TestNode.context(dir.resolve("node-" + i))
            .tierFactory(HeapTier.factory(4 << 20, new HeapTier(TierKind.NVME, 4 << 20)))
            .cluster("enabled", "true").cluster("nodeName", "node-" + i).cluster("zone", "z" + i)
            .cluster("partitions", "32").cluster("seeds", String.join(",", seeds))
            .cluster("discoveryPort", String.valueOf(ports.get(i)[0])).cluster("discoveryPortRange", "0")
            .cluster("communicationPort", String.valueOf(ports.get(i)[1])).cluster("communicationPortRange", "0")
            .cluster("failureDetectionTimeoutMs", "2000").build());
        nodes.add(s);
        return s;
    }

    private void awaitMembers(int count, List<SpillwayServer> members) {
        ClusterNodesTest.await(() -> members.stream().allMatch(s -> s.cluster().currentMap().nodes().size() == count),
            "every member's map lists " + count + " nodes");
    }

    private static double malformedCount(SpillwayServer s) {
        Matcher m = MALFORMED.matcher(s.metrics().scrape());
        assertTrue(m.find(), "spillway_cluster_metadata_malformed_total is on /metrics");
        return Double.parseDouble(m.group(1));
    }

    private static Map<String, Long> quotas(SpillwayServer s) {
        return ((IgniteMembership) s.cluster()).tenants().cpuQuotas();
    }

    @Test
    @SuppressWarnings({"unchecked", "rawtypes"})
    void malformedEntriesAreSkippedAndCountedWhileTheMapFollowsMembership() {
        for (int i = 0; i < 3; i++) {
            ports.add(new int[] {NodeCluster.freePort(taken), NodeCluster.freePort(taken)});
        }
        SpillwayServer a = member(0);
        SpillwayServer b = member(1);
        awaitMembers(2, List.of(a, b));
        long before = a.cluster().currentMap().topologyVersion();

        IgniteCache raw = Ignition.ignite("spillway-node-0").cache("spillway-namespaces");
        raw.put("not-a-namespace-id", "1 1\nspec");
        raw.put("00112233445566778899aabbccddeeff", "two 7\nspec");
        raw.put("ffeeddccbbaa99887766554433221100", Integer.valueOf(42));
        IgniteCache tenants = Ignition.ignite("spillway-node-1").cache("spillway-tenants");
        tenants.put("tenant-words", "a lot");
        tenants.put("tenant-number", Long.valueOf(7));
        tenants.put("tenant-ok", "1048576");
        ClusterNodesTest.await(() -> malformedCount(a) == 5 && malformedCount(b) == 5,
            "both members counted the five planted entries");
        ClusterNodesTest.await(() -> quotas(a).equals(Map.of("tenant-ok", 1048576L)),
            "the valid quota beside them is applied");

        SpillwayServer c = member(2);
        awaitMembers(3, List.of(a, b, c));
        assertTrue(a.cluster().currentMap().topologyVersion() > before, "a's map moved on after the planting");
        assertEquals(a.cluster().currentMap(), b.cluster().currentMap(), "a and b agree");
        ClusterNodesTest.await(() -> c.cluster().currentMap().equals(a.cluster().currentMap()), "c agrees");
        assertEquals(5.0, malformedCount(c), "the joiner skipped the same five entries");
        assertEquals(Map.of("tenant-ok", 1048576L), quotas(c));

        c.close();
        nodes.remove(c);
        awaitMembers(2, List.of(a, b));
        assertEquals(5.0, malformedCount(a), "each distinct entry is counted once, however many maps meet it");
        assertEquals(5.0, malformedCount(b));
    }
}
