package io.spillway.router.discovery;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.fabric8.kubernetes.api.model.GenericKubernetesResource;
import io.fabric8.kubernetes.api.model.GenericKubernetesResourceBuilder;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.dsl.base.CustomResourceDefinitionContext;
import io.spillway.placement.routing.PodRole;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.BooleanSupplier;
import java.util.function.Supplier;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Pods from an InferencePool ({@code inference.networking.k8s.io/v1}) in fabric8's mock API server (CRUD mode): every
 * matched pod once per target port, the set following the pool's selector and ports as they change, pods not ready
 * or unmatched left out of the routable set, IPv6 endpoints bracketed, {@code synced()} only once the pool exists.
 * Each test has its own mock server ({@link MockApiServer}, which says why its teardown waits for the mock).
 */
class InferencePoolPodsTest {
    private static final String NS = "models";

    private MockApiServer api;
    private KubernetesClient client;

    @BeforeEach
    void startTheMockAndRegisterTheCrd() {
        api = new MockApiServer();
        client = api.client();
        api.server().expectCustomResource(new CustomResourceDefinitionContext.Builder()
            .withGroup("inference.networking.k8s.io").withVersion("v1").withKind("InferencePool")
            .withPlural("inferencepools").withScope("Namespaced").build());
    }

    @AfterEach
    void stopTheMock() {
        api.close();
    }

    private static GenericKubernetesResource pool(String name, Map<String, String> selector, int... ports) {
        List<Map<String, Object>> targets = new ArrayList<>();
        for (int p : ports) {
            targets.add(Map.of("number", p));
        }
        Map<String, Object> spec = new LinkedHashMap<>();
        spec.put("selector", Map.of("matchLabels", selector));
        spec.put("targetPorts", targets);
        spec.put("endpointPickerRef", Map.of("name", "spillway-router", "port", Map.of("number", 9002)));
        return new GenericKubernetesResourceBuilder().withApiVersion("inference.networking.k8s.io/v1")
            .withKind("InferencePool").withNewMetadata().withName(name).withNamespace(NS).endMetadata()
            .withAdditionalProperties(Map.of("spec", spec)).build();
    }

    private static Pod pod(String name, String ip, boolean ready, Map<String, String> labels) {
        return new PodBuilder().withNewMetadata().withName(name).withNamespace(NS).withLabels(labels).endMetadata()
            .withNewStatus().withPodIP(ip).addNewCondition().withType("Ready").withStatus(ready ? "True" : "False")
            .endCondition().endStatus().build();
    }

    private void put(GenericKubernetesResource pool) {
        client.genericKubernetesResources(InferencePool.RESOURCE).inNamespace(NS).resource(pool).createOr(
            r -> r.update());
    }

    private void put(Pod pod) {
        client.pods().inNamespace(NS).resource(pod).createOr(r -> r.update());
    }

    private static List<String> routable(PodDiscovery pods) {
        return pods.routable().stream().map(PodEndpoint::address).toList();
    }

    @Test
    void everyReadyPodOfThePoolIsAnEndpointOnEachTargetPortAndTheSetFollowsTheSelector() {
        put(pool("llama", Map.of("app", "vllm-llama"), 8000, 8001));
        put(pod("a", "10.0.0.1", true, Map.of("app", "vllm-llama")));
        put(pod("b", "10.0.0.2", true, Map.of("app", "vllm-llama", "llm-d.ai/role", "prefill")));
        put(pod("c", "10.0.0.3", false, Map.of("app", "vllm-llama")));
        put(pod("other", "10.0.0.9", true, Map.of("app", "vllm-qwen")));
        put(pod("odd", "10.0.0.7", true, Map.of("app", "vllm-llama", "llm-d.ai/role", "chef")));
        List<List<PodEndpoint>> told = new CopyOnWriteArrayList<>();
        try (InferencePoolPods pods = new InferencePoolPods(client, NS, "llama", KubernetesPods.DEFAULT_ROLE_LABEL)) {
            pods.onChange(told::add);
            await(pods::synced, () -> "synced");
            await(() -> pods.pods().size() == 6, () -> "a, b and c on two ports: " + pods.pods());
            assertEquals(List.of("10.0.0.1:8000", "10.0.0.1:8001", "10.0.0.2:8000", "10.0.0.2:8001"),
                routable(pods), "the unready pod, the other app's and the bad role's are not routable");
            assertEquals(List.of(PodRole.UNLABELED, PodRole.UNLABELED, PodRole.PREFILL, PodRole.PREFILL),
                pods.routable().stream().map(PodEndpoint::role).toList());

            // the pool's selector moves to the other app: the llama pods leave, the qwen pod comes on both ports
            put(pool("llama", Map.of("app", "vllm-qwen"), 8000, 8001));
            await(() -> routable(pods).equals(List.of("10.0.0.9:8000", "10.0.0.9:8001")),
                () -> "re-selected: " + pods.pods());
            assertEquals(List.of("other", "other"), pods.pods().stream().map(PodEndpoint::name).toList(),
                "pods no longer matched are dropped, ready or not");

            // back, with one port: each pod once
            put(pool("llama", Map.of("app", "vllm-llama"), 8002));
            await(() -> routable(pods).equals(List.of("10.0.0.1:8002", "10.0.0.2:8002")),
                () -> "one port: " + pods.pods());

            // a pod made ready joins, one made unready leaves
            put(pod("c", "10.0.0.3", true, Map.of("app", "vllm-llama")));
            put(pod("a", "10.0.0.1", false, Map.of("app", "vllm-llama")));
            await(() -> routable(pods).equals(List.of("10.0.0.2:8002", "10.0.0.3:8002")),
                () -> "readiness followed: " + pods.pods());
            assertFalse(told.isEmpty());
            assertEquals(pods.pods(), told.get(told.size() - 1), "the listeners heard the last state");

            // the pool deleted: no pods, and discovery is not synced (nothing to pick from)
            client.genericKubernetesResources(InferencePool.RESOURCE).inNamespace(NS).withName("llama").delete();
            await(() -> pods.pods().isEmpty(), () -> "pool deleted: " + pods.pods());
            assertFalse(pods.synced());
            assertNull(pods.pool());
        }
    }

    @Test
    void ipv6PodsAreBracketedAndActivePortsNarrowAPod() {
        put(pool("v6", Map.of("app", "v6"), 8000, 8001, 8002));
        put(pod("v6-a", "fd00::1", true, Map.of("app", "v6")));
        Pod narrowed = pod("v6-b", "fd00::2", true, Map.of("app", "v6"));
        narrowed.getMetadata().setAnnotations(Map.of(InferencePoolPods.ACTIVE_PORTS, "8001, 9999"));
        put(narrowed);
        try (InferencePoolPods pods = new InferencePoolPods(client, NS, "v6", KubernetesPods.DEFAULT_ROLE_LABEL)) {
            await(() -> pods.pods().size() == 4, () -> "3 + 1 endpoints: " + pods.pods());
            assertEquals(List.of("[fd00::1]:8000", "[fd00::1]:8001", "[fd00::1]:8002", "[fd00::2]:8001"),
                routable(pods));
        }
    }

    @Test
    void aPoolThatDoesNotExistLeavesDiscoveryUnsyncedUntilItIsCreated() {
        put(pod("late-a", "10.0.1.1", true, Map.of("app", "late")));
        try (InferencePoolPods pods = new InferencePoolPods(client, NS, "late", KubernetesPods.DEFAULT_ROLE_LABEL)) {
            assertFalse(pods.synced(), "no pool yet");
            assertTrue(pods.pods().isEmpty());
            put(pool("late", Map.of("app", "late"), 8000));
            await(pods::synced, () -> "synced once the pool exists");
            await(() -> routable(pods).equals(List.of("10.0.1.1:8000")), () -> "late pool: " + pods.pods());
        }
    }

    @Test
    void aPoolIsReadStrictly() {
        assertEquals(List.of(8000, 8001), InferencePool.of(pool("p", Map.of("a", "b"), 8000, 8001)).ports());
        assertTrue(InferencePool.of(pool("p", Map.of("a", "b"), 8000)).selects(Map.of("a", "b", "c", "d")));
        assertFalse(InferencePool.of(pool("p", Map.of("a", "b"), 8000)).selects(Map.of("a", "c")));
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
            () -> InferencePool.of(pool("p", Map.of("a", "b"))));
        assertTrue(e.getMessage().contains("targetPorts"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class,
            () -> InferencePool.of(pool("p", Map.of("a", "b"), 1, 2, 3, 4, 5, 6, 7, 8, 9)));
        assertTrue(e.getMessage().contains("1 to 8"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> InferencePool.of(pool("p", Map.of("a", "b"), 8000,
            8000)));
        assertTrue(e.getMessage().contains("twice"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> InferencePool.of(pool("p", Map.of(), 8000)));
        assertTrue(e.getMessage().contains("matchLabels"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> InferencePool.of(pool("p", Map.of("a", "b"), 70000)));
        assertTrue(e.getMessage().contains("70000"), e.getMessage());
    }

    @Test
    void addressesBracketIpv6Only() {
        assertEquals("10.0.0.1:8000", new PodEndpoint("a", "10.0.0.1", 8000, PodRole.BOTH, true).address());
        assertEquals("[fd00::1]:8000", new PodEndpoint("a", "fd00::1", 8000, PodRole.BOTH, true).address());
        assertEquals("[fd00::1]:8000", StaticPods.parse(List.of("[fd00::1]:8000")).pods().get(0).address());
        assertEquals("pod.example:8000", PodEndpoint.address("pod.example", 8000));
        assertTrue(StaticPods.parse(List.of("h:1")).synced());
    }

    private static void await(BooleanSupplier condition, Supplier<String> what) {
        long deadline = System.nanoTime() + 10_000_000_000L;
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() > deadline) {
                throw new AssertionError("timed out: " + what.get());
            }
            try {
                Thread.sleep(20);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new AssertionError(e);
            }
        }
    }
}
