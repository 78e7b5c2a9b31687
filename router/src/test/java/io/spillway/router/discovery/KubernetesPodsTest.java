package io.spillway.router.discovery;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.server.mock.EnableKubernetesMockClient;
import io.fabric8.kubernetes.client.server.mock.KubernetesMockServer;
import io.spillway.placement.routing.PodRole;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.BooleanSupplier;
import java.util.function.Supplier;
import org.junit.jupiter.api.Assertions;
import org.junit.jupiter.api.Test;

/**
 * The routable set follows the pods of fabric8's mock API server (CRUD mode): pods added, made unready, deleted; the
 * role label read; pods outside the selector, without an IP, or with a bad role label left out.
 */
@EnableKubernetesMockClient(crud = true)
class KubernetesPodsTest {
    static KubernetesMockServer server;
    static KubernetesClient client;

    private static final String NS = "models";

    private static Pod pod(String name, String ip, boolean ready, Map<String, String> labels) {
        return new PodBuilder().withNewMetadata().withName(name).withNamespace(NS).withLabels(labels).endMetadata()
            .withNewStatus().withPodIP(ip).addNewCondition().withType("Ready").withStatus(ready ? "True" : "False")
            .endCondition().endStatus().build();
    }

    @Test
    void theRoutableSetFollowsPodsAddedMadeUnreadyAndDeleted() {
        AtomicInteger changes = new AtomicInteger();
        try (KubernetesPods pods = new KubernetesPods(client, NS, KubernetesPods.selector("app=vllm"), 8000,
            KubernetesPods.DEFAULT_ROLE_LABEL)) {
            pods.onChange(list -> changes.incrementAndGet());
            client.pods().inNamespace(NS).resource(pod("a", "10.0.0.1", true, Map.of("app", "vllm"))).create();
            client.pods().inNamespace(NS).resource(pod("b", "10.0.0.2", true,
                Map.of("app", "vllm", "llm-d.ai/role", "prefill"))).create();
            client.pods().inNamespace(NS).resource(pod("other", "10.0.0.9", true, Map.of("app", "web"))).create();
            client.pods().inNamespace(NS).resource(pod("pending", null, false, Map.of("app", "vllm"))).create();
            client.pods().inNamespace(NS).resource(pod("odd", "10.0.0.7", true,
                Map.of("app", "vllm", "llm-d.ai/role", "chef"))).create();
            await(() -> pods.pods().size() == 3, () -> "a, b and pending known: " + pods.pods());
            assertEquals(List.of("10.0.0.1:8000", "10.0.0.2:8000"),
                pods.routable().stream().map(PodEndpoint::address).toList());
            assertEquals(PodRole.PREFILL, pods.routable().get(1).role());
            assertEquals(PodRole.UNLABELED, pods.routable().get(0).role(), "no llm-d.ai/role: decode only, as llm-d");

            client.pods().inNamespace(NS).resource(pod("a", "10.0.0.1", false, Map.of("app", "vllm"))).update();
            await(() -> pods.routable().size() == 1, () -> "a unready: " + pods.routable());
            assertEquals("b", pods.routable().get(0).name());

            client.pods().inNamespace(NS).resource(pod("pending", "10.0.0.3", true, Map.of("app", "vllm"))).update();
            await(() -> pods.routable().size() == 2, () -> "pending became ready: " + pods.routable());

            client.pods().inNamespace(NS).withName("b").delete();
            await(() -> pods.pods().stream().noneMatch(p -> p.name().equals("b")), () -> "b deleted: " + pods.pods());
            assertEquals(List.of("pending"), pods.routable().stream().map(PodEndpoint::name).toList());
            assertTrue(changes.get() >= 5, "listeners told of each change: " + changes.get());
        }
    }

    @Test
    void staticPodsParseRolesAndRejectBadEntries() {
        StaticPods pods = StaticPods.parse(List.of("10.0.0.5:8000=prefill", "10.0.0.6:8001"));
        assertEquals(List.of(PodRole.PREFILL, PodRole.UNLABELED), pods.routable().stream().map(PodEndpoint::role).toList());
        assertEquals("10.0.0.6:8001", pods.pods().get(1).address());
        for (String bad : List.of("10.0.0.5", "10.0.0.5:", "10.0.0.5:http", "10.0.0.5:8000=chef", "h:70000")) {
            IllegalArgumentException e = Assertions.assertThrows(IllegalArgumentException.class,
                () -> StaticPods.parse(List.of(bad)));
            assertTrue(e.getMessage().contains(bad.contains("=") ? "chef" : bad.contains("70000") ? "70000" : bad),
                e.getMessage());
        }
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
