package io.spillway.deploy.chart;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;

import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.server.mock.EnableKubernetesMockClient;
import io.fabric8.kubernetes.client.server.mock.KubernetesMockServer;
import io.fabric8.mockwebserver.http.RecordedRequest;
import io.spillway.config.PropertySources;
import io.spillway.server.cluster.ClusterContext;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import org.apache.ignite.kubernetes.configuration.KubernetesConnectionConfiguration;
import org.apache.ignite.spi.discovery.tcp.ipfinder.kubernetes.TcpDiscoveryKubernetesIpFinder;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The chart in fabric8's mock API server (HTTPS, which is all Ignite's IP finder speaks; see MockCluster): Ignite
 * 2.17's TcpDiscoveryKubernetesIpFinder, configured from a node pod's rendered settings as IgniteSettings configures
 * it (only the API server's address and the token file are the test's), finds every node of the StatefulSet on its
 * discovery port through the headless Service's Endpoints, and every request it made is one the nodes' Role allows,
 * which grants nothing more.
 */
@EnableKubernetesMockClient(https = true, crud = true)
class NodeDiscoveryTest {
    KubernetesMockServer server;
    KubernetesClient client;

    @TempDir
    Path dir;

    @Test
    void ignitesKubernetesIpFinderFindsEveryNodeWithTheNodesRole() throws Exception {
        MockCluster cluster = new MockCluster(client, server);
        cluster.apply(Chart.Variant.DEFAULT);
        List<Pod> nodes = cluster.pods.get("spillway-node");
        assertEquals(3, nodes.size());
        PropertySources sources = cluster.settings(dir, "spillway-node", "node.properties", "spillway-node", "node");
        Map<String, String> origins = new LinkedHashMap<>();
        sources.values().keySet().forEach(k -> origins.put(k, sources.origin(k)));
        ClusterContext settings = ClusterContext.from(sources.values(), origins, dir.resolve("ignite"));
        assertEquals(ClusterContext.Discovery.KUBERNETES, settings.discovery());
        assertEquals(Chart.NAMESPACE, settings.k8sNamespace(), "the namespace, from the downward API");

        Path token = dir.resolve("token");
        Files.writeString(token, "node-token", StandardCharsets.UTF_8);
        TcpDiscoveryKubernetesIpFinder finder = new TcpDiscoveryKubernetesIpFinder(
            new KubernetesConnectionConfiguration().setMasterUrl(server.url("/").replaceAll("/$", ""))
                .setNamespace(settings.k8sNamespace()).setServiceName(settings.k8sServiceName())
                .setAccountToken(token.toString()).setIncludeNotReadyAddresses(settings.k8sIncludeNotReadyAddresses())
                .setDiscoveryPort(settings.discoveryPort()));
        cluster.drainRequests();
        Set<String> found = new TreeSet<>();
        for (InetSocketAddress a : finder.getRegisteredAddresses()) {
            found.add(a.getHostString() + ":" + a.getPort());
        }
        assertEquals(MockCluster.addresses(nodes, 47500), found, "every node, on its discovery port");
        List<RecordedRequest> requests = cluster.drainRequests();
        assertFalse(requests.isEmpty());
        assertEquals("Bearer node-token", requests.get(0).getHeaders().get("Authorization"));
        cluster.assertRoleAllowsExactly("spillway-node", "spillway-node", requests);
    }
}
