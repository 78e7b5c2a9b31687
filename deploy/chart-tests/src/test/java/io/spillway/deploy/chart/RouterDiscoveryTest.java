package io.spillway.deploy.chart;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.server.mock.KubernetesCrudDispatcher;
import io.fabric8.kubernetes.client.server.mock.KubernetesMockServer;
import io.fabric8.mockwebserver.Context;
import io.fabric8.mockwebserver.MockWebServer;
import io.spillway.router.discovery.InferencePoolPods;
import io.spillway.router.discovery.KubernetesPods;
import io.spillway.router.discovery.PodEndpoint;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The chart in fabric8's mock API server (see MockCluster), and the router's own discovery configured from the
 * router pod's rendered settings: in extProc mode InferencePoolPods follows the chart's InferencePool and finds the
 * example vLLM pods on the pool's target port; in proxy mode KubernetesPods finds them by the rendered label selector.
 * Every request the informers made is one the router's Role allows, which grants nothing more.
 */
class RouterDiscoveryTest {
    // a fresh mock server for each test (informers of one test must not watch the next one's)
    private KubernetesMockServer server;
    private KubernetesClient client;

    @BeforeEach
    void start() {
        server = new KubernetesMockServer(new Context(), new MockWebServer(), new HashMap<>(),
            new KubernetesCrudDispatcher(List.of()), false);
        server.init();
        client = server.createClient();
    }

    /**
     * The mock's shutdown waits up to 10 s for connections to close, and a closed informer's watch connection
     * sometimes outlives it here (the server then reports a timeout, after the test's checks have all passed): the
     * shutdown runs on its own daemon thread, and the next test gets a new server on a new port.
     */
    @AfterEach
    void stop() {
        client.close();
        Thread t = new Thread(server::destroy, "mock-server-shutdown");
        t.setDaemon(true);
        t.start();
    }

    @TempDir
    Path dir;

    @Test
    void theEndpointPickerFindsTheInferencePoolsModelServersWithTheRoutersRole() throws Exception {
        MockCluster cluster = new MockCluster(client, server);
        cluster.apply(Chart.Variant.OPERATIONS);
        Map<String, String> settings = cluster.settings(dir, "spillway-router", "router.properties", "spillway-router",
            "router").values();
        assertEquals("spillway", settings.get("spillway.router.inferencePool"));
        cluster.drainRequests();
        try (InferencePoolPods discovery = new InferencePoolPods(client, settings.get("spillway.router.k8sNamespace"),
            settings.get("spillway.router.inferencePool"), KubernetesPods.DEFAULT_ROLE_LABEL)) {
            MockCluster.await(() -> discovery.synced() && discovery.pods().size() == 2, "both model servers");
            assertEquals(MockCluster.addresses(cluster.pods.get("spillway-vllm"), 8000),
                MockCluster.addresses(discovery));
        }
        cluster.assertRoleAllowsExactly("spillway-router", "spillway-router", cluster.drainRequests());
    }

    @Test
    void theProxyFindsTheModelServersByLabelWithTheRoutersRole() throws Exception {
        MockCluster cluster = new MockCluster(client, server);
        cluster.apply(Chart.Variant.PROXY_WITH_VLLM);
        Map<String, String> settings = cluster.settings(dir, "spillway-router", "router.properties", "spillway-router",
            "router").values();
        cluster.drainRequests();
        try (KubernetesPods discovery = new KubernetesPods(client, settings.get("spillway.router.k8sNamespace"),
            KubernetesPods.selector(settings.get("spillway.router.k8sSelector")),
            Integer.parseInt(settings.get("spillway.router.podPort")), KubernetesPods.DEFAULT_ROLE_LABEL)) {
            MockCluster.await(() -> discovery.synced() && discovery.pods().size() == 2, "both model servers");
            assertEquals(MockCluster.addresses(cluster.pods.get("spillway-vllm"), 8000),
                MockCluster.addresses(discovery));
            assertTrue(discovery.pods().stream().allMatch(PodEndpoint::ready));
        }
        cluster.assertRoleAllowsExactly("spillway-router", "spillway-router", cluster.drainRequests());
    }
}
