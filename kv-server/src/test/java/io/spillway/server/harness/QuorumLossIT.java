package io.spillway.server.harness;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.spillway.cluster.PartitionMap;
import java.io.IOException;
import java.io.InputStream;
import java.net.HttpURLConnection;
import java.net.URL;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

/**
 * The topology validator on real processes, where peers really fail (SIGKILL, so the survivor's Ignite sees
 * {@code NODE_FAILED}, not a clean leave): of three members, two are killed at once; the survivor, 1 of the last
 * stable membership of 3, answers {@code /ready} 503 with the reason within failure detection + 1 s, refuses the
 * PartitionMap call ({@code UNAVAILABLE}, with the reason: a client asks another member), and restarts its Ignite
 * node to rejoin. One killed member comes back: within 10 s the survivor
 * serves again (2 of 3), both list the same two-member map, and the survivor's metrics count the loss and the
 * rejoin.
 */
class QuorumLossIT {
    private static final long FAILURE_DETECTION_MS = 3000;

    @Test
    void aMemberLeftAloneByTwoFailuresStopsServingAndServesAgainWhenOneReturns() throws Exception {
        List<String> args = new ArrayList<>(ClusterSupport.args(2));
        args.addAll(List.of("--set", "spillway.cluster.rejoinBackoffMaxMs=1000"));
        try (NodeCluster cluster = NodeCluster.startClustered(3, Path.of("target", "it", "QuorumLossIT"), args)) {
            NodeProcess survivor = cluster.node(0);
            for (NodeProcess n : cluster.nodes()) {
                ClusterSupport.awaitMap(n, m -> m.nodes().size() == 3, "3 members");
            }
            assertTrue(survivor.ready());

            long killedAt = System.nanoTime();
            cluster.node(1).kill();
            cluster.node(2).kill();
            while (survivor.ready()) {
                assertTrue(System.nanoTime() - killedAt < 20_000_000_000L, "still ready 20 s after the kills");
                Thread.sleep(20);
            }
            double notReadyS = (System.nanoTime() - killedAt) / 1e9;
            String why = get(survivor, "/ready");
            System.out.printf("quorum-loss-it: node-0 not ready %.2f s after two of three were killed: %s%n",
                notReadyS, why.strip());
            assertTrue(notReadyS <= FAILURE_DETECTION_MS / 1000.0 + 1, "not ready after " + notReadyS + " s");
            assertTrue(why.contains("cut off from the cluster's majority"), why);
            StatusRuntimeException refused = assertThrows(StatusRuntimeException.class,
                () -> ClusterSupport.map(survivor), "no map from a member cut off from the majority");
            assertEquals(Status.Code.UNAVAILABLE, refused.getStatus().getCode(), "a client asks another member");
            assertTrue(refused.getStatus().getDescription().contains("cut off from the cluster's majority"),
                refused.getStatus().getDescription());
            assertEquals(1.0, metric(survivor, "spillway_cluster_segmented_total"));

            NodeProcess back = cluster.node(1);
            back.start().awaitReady(NodeCluster.READY_TIMEOUT);
            long backAt = System.nanoTime();
            while (!survivor.ready()) {
                assertTrue(System.nanoTime() - backAt < 30_000_000_000L, "node-0 not ready 30 s after node-1 was");
                Thread.sleep(20);
            }
            double rejoinS = (System.nanoTime() - backAt) / 1e9;
            PartitionMap two = ClusterSupport.awaitMap(survivor, m -> m.nodes().size() == 2, "2 members");
            assertEquals(two.topologyVersion(), ClusterSupport.awaitMap(back,
                m -> m.topologyVersion() == two.topologyVersion(), "the same map").topologyVersion());
            System.out.printf("quorum-loss-it: node-0 ready again %.2f s after node-1 came back; metrics: %s%n",
                rejoinS, metrics(survivor));
            assertTrue(rejoinS <= 10, "rejoined " + rejoinS + " s after node-1 came back");
            assertEquals(1.0, metric(survivor, "spillway_cluster_rejoined_total"));
            assertTrue(metric(survivor, "spillway_cluster_not_ready_seconds_total") > 0);
        }
    }

    private static String get(NodeProcess node, String path) throws IOException {
        HttpURLConnection c = (HttpURLConnection) new URL("http://127.0.0.1:" + node.httpPort() + path)
            .openConnection();
        c.setConnectTimeout(1000);
        c.setReadTimeout(5000);
        try {
            InputStream in = c.getResponseCode() >= 400 ? c.getErrorStream() : c.getInputStream();
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        } finally {
            c.disconnect();
        }
    }

    private static double metric(NodeProcess node, String name) throws IOException {
        Matcher m = Pattern.compile("(?m)^" + Pattern.quote(name) + "(?:\\{[^}]*\\})? (\\S+)$")
            .matcher(get(node, "/metrics"));
        assertTrue(m.find(), "metric " + name);
        return Double.parseDouble(m.group(1));
    }

    private static String metrics(NodeProcess node) throws IOException {
        StringBuilder b = new StringBuilder();
        for (String l : get(node, "/metrics").split("\n")) {
            if (l.startsWith("spillway_cluster_")) {
                b.append(l).append("; ");
            }
        }
        return b.toString();
    }
}
