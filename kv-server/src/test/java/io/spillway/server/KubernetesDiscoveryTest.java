package io.spillway.server;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.fabric8.kubernetes.api.model.EndpointsBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.server.mock.EnableKubernetesMockClient;
import io.fabric8.kubernetes.client.server.mock.KubernetesMockServer;
import io.spillway.cluster.NodeInfo;
import io.spillway.tier.TierKind;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Discovery through Ignite's Kubernetes IP finder: fabric8's mock API server (HTTPS, CRUD mode) serves the
 * Endpoints of a headless service whose address is 127.0.0.1, and two nodes configured with
 * {@code discovery=kubernetes} find each other through it, with a service-account token read from a file.
 */
@EnableKubernetesMockClient(https = true, crud = true)
class KubernetesDiscoveryTest {
    static KubernetesMockServer server;
    static KubernetesClient client;

    @TempDir
    Path dir;

    private SpillwayServer node(Path token, String name) {
        String master = server.url("/").replaceAll("/$", "");
        return SpillwayServer.start(TestNode.context(dir.resolve(name))
            .tierFactory(HeapTier.factory(4 << 20, new HeapTier(TierKind.NVME, 4 << 20)))
            .cluster("enabled", "true").cluster("nodeName", name).cluster("partitions", "32")
            .cluster("discovery", "kubernetes").cluster("k8s.masterUrl", master)
            .cluster("k8s.namespace", "spillway-test").cluster("k8s.serviceName", "spillway-headless")
            .cluster("k8s.accountToken", token.toString())
            .cluster("discoveryPort", "28700").cluster("discoveryPortRange", "2")
            .cluster("communicationPort", "28800").cluster("communicationPortRange", "2")
            .cluster("failureDetectionTimeoutMs", "2000").build());
    }

    @Test
    void twoNodesFindEachOtherThroughTheServiceEndpoints() throws Exception {
        client.endpoints().inNamespace("spillway-test").resource(new EndpointsBuilder()
            .withNewMetadata().withName("spillway-headless").withNamespace("spillway-test").endMetadata()
            .addNewSubset().addNewAddress().withIp("127.0.0.1").endAddress().endSubset().build()).create();
        Path token = dir.resolve("token");
        Files.writeString(token, "test-token", StandardCharsets.UTF_8);
        try (SpillwayServer a = node(token, "k8s-a"); SpillwayServer b = node(token, "k8s-b")) {
            ClusterNodesTest.await(() -> a.cluster().currentMap().nodes().size() == 2
                && b.cluster().currentMap().equals(a.cluster().currentMap()), "both nodes in one map");
            assertEquals(List.of("k8s-a", "k8s-b"), a.cluster().currentMap().nodes().stream().map(NodeInfo::id)
                .toList());
        }
        assertEquals("Bearer test-token", server.getLastRequest().getHeader("Authorization"),
            "the IP finder sent the token from the file");
    }
}
