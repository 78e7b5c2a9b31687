package io.spillway.deploy.chart;

import static org.junit.jupiter.api.Assertions.assertEquals;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.fabric8.kubernetes.api.model.ContainerPort;
import io.fabric8.kubernetes.api.model.EndpointPort;
import io.fabric8.kubernetes.api.model.EndpointPortBuilder;
import io.fabric8.kubernetes.api.model.Endpoints;
import io.fabric8.kubernetes.api.model.EndpointsBuilder;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.Service;
import io.fabric8.kubernetes.api.model.ServicePort;
import io.fabric8.kubernetes.api.model.apiextensions.v1.CustomResourceDefinition;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import io.fabric8.kubernetes.api.model.apps.StatefulSet;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.dsl.base.CustomResourceDefinitionContext;
import io.fabric8.kubernetes.client.server.mock.KubernetesMockServer;
import io.fabric8.mockwebserver.http.RecordedRequest;
import io.spillway.config.PropertySources;
import io.spillway.router.discovery.PodDiscovery;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;

/**
 * The rendered chart applied to fabric8's mock API server in CRUD mode (the CRDs first), with the Pods its StatefulSet
 * and Deployments would make and the Endpoints its Services would get: the mock runs no controllers, so this makes
 * them (loopback IPs, never connected to; node pods get the zone label Kubernetes copies from their node). And the
 * check that the API requests a component made are exactly what the chart's Role for it allows.
 */
final class MockCluster {
    private static final CrdSchemas CRDS = new CrdSchemas();

    private final KubernetesClient client;
    private final KubernetesMockServer server;
    /** The pods the controllers made, by owner name. */
    final Map<String, List<Pod>> pods = new LinkedHashMap<>();
    Chart.Rendered rendered;

    MockCluster(KubernetesClient client, KubernetesMockServer server) {
        this.client = client;
        this.server = server;
    }

    Chart.Rendered apply(Chart.Variant variant) {
        for (ObjectNode def : CRDS.definitions()) {
            CustomResourceDefinition crd = Models.SERIALIZATION.convertValue(def, CustomResourceDefinition.class);
            client.apiextensions().v1().customResourceDefinitions().resource(crd).create();
            server.expectCustomResource(CustomResourceDefinitionContext.fromCrd(crd));
        }
        rendered = Chart.render(variant);
        int subnet = 1;
        for (ObjectNode o : rendered.objects()) {
            HasMetadata m = Models.parse(o);
            client.resource(m).inNamespace(Chart.NAMESPACE).create();
            if (m instanceof StatefulSet sts) {
                List<Pod> made = new ArrayList<>();
                for (int i = 0; i < sts.getSpec().getReplicas(); i++) {
                    String name = sts.getMetadata().getName() + "-" + i;
                    made.add(Kubelet.pod(sts.getSpec().getTemplate(), name, "127.0." + subnet + "." + (i + 1),
                        Map.of("statefulset.kubernetes.io/pod-name", name,
                            "topology.kubernetes.io/zone", "zone-" + (char) ('a' + i))));
                }
                pods.put(sts.getMetadata().getName(), made);
                subnet++;
            } else if (m instanceof Deployment d) {
                List<Pod> made = new ArrayList<>();
                for (int i = 0; i < Math.max(2, d.getSpec().getReplicas()); i++) {
                    made.add(Kubelet.pod(d.getSpec().getTemplate(), d.getMetadata().getName() + "-7d9f8-" + i,
                        "127.0." + subnet + "." + (i + 1), Map.of()));
                }
                pods.put(d.getMetadata().getName(), made);
                subnet++;
            }
        }
        pods.values().forEach(list -> list.forEach(p -> client.pods().inNamespace(Chart.NAMESPACE).resource(p)
            .create()));
        for (Service s : client.services().inNamespace(Chart.NAMESPACE).list().getItems()) {
            client.endpoints().inNamespace(Chart.NAMESPACE).resource(endpoints(s)).create();
        }
        return rendered;
    }

    /** What the endpoints controller makes of a Service: its ready pods' IPs and the ports resolved by name. */
    private Endpoints endpoints(Service s) {
        Map<String, String> selector = s.getSpec().getSelector();
        List<Pod> selected = pods.values().stream().flatMap(List::stream)
            .filter(p -> p.getMetadata().getLabels().entrySet().containsAll(selector.entrySet())).toList();
        EndpointsBuilder b = new EndpointsBuilder().withNewMetadata().withName(s.getMetadata().getName())
            .withNamespace(Chart.NAMESPACE).endMetadata();
        if (selected.isEmpty()) {
            return b.build();
        }
        List<EndpointPort> ports = new ArrayList<>();
        for (ServicePort sp : s.getSpec().getPorts()) {
            int number = sp.getTargetPort().getIntVal() != null ? sp.getTargetPort().getIntVal()
                : selected.get(0).getSpec().getContainers().stream().flatMap(c -> c.getPorts().stream())
                    .filter(cp -> sp.getTargetPort().getStrVal().equals(cp.getName()))
                    .map(ContainerPort::getContainerPort).findFirst()
                    .orElseThrow(() -> new AssertionError("Service " + s.getMetadata().getName() + " port "
                        + sp.getName() + ": no container port named " + sp.getTargetPort().getStrVal()));
            ports.add(new EndpointPortBuilder().withName(sp.getName()).withPort(number)
                .withProtocol(sp.getProtocol()).build());
        }
        var subset = b.addNewSubset().withPorts(ports);
        for (Pod p : selected) {
            subset.addNewAddress().withIp(p.getStatus().getPodIP()).withNewTargetRef().withKind("Pod")
                .withName(p.getMetadata().getName()).withNamespace(Chart.NAMESPACE).endTargetRef().endAddress();
        }
        return subset.endSubset().build();
    }

    /** A component's settings as its pod reads them: the ConfigMap's file, then the container's environment. */
    PropertySources settings(Path dir, String configMap, String file, String owner, String container)
        throws java.io.IOException {
        Path props = dir.resolve(file);
        Files.writeString(props, rendered.configData(configMap, file), StandardCharsets.UTF_8);
        Pod pod = pods.get(owner).get(0);
        return new PropertySources().file(props).environment(Kubelet.env(Kubelet.container(pod, container), pod));
    }

    static Set<String> addresses(List<Pod> list, int port) {
        Set<String> out = new TreeSet<>();
        list.forEach(p -> out.add(p.getStatus().getPodIP() + ":" + port));
        return out;
    }

    static Set<String> addresses(PodDiscovery discovery) {
        Set<String> out = new TreeSet<>();
        discovery.pods().forEach(p -> out.add(p.address()));
        return out;
    }

    List<RecordedRequest> drainRequests() throws InterruptedException {
        List<RecordedRequest> out = new ArrayList<>();
        RecordedRequest req;
        while ((req = server.takeRequest(200, TimeUnit.MILLISECONDS)) != null) {
            out.add(req);
        }
        return out;
    }

    /**
     * Every request is allowed by one of the Role's rules (its verb, API group, resource and, when the rule names
     * some, resource name), the RoleBinding gives the Role to the ServiceAccount the pods run as, and every
     * permission the Role grants was used.
     */
    void assertRoleAllowsExactly(String role, String owner, List<RecordedRequest> requests) {
        assertRoleAllowsExactly(rendered, role, pods.get(owner).get(0).getSpec().getServiceAccountName(), requests);
    }

    /** As above, for the ServiceAccount {@code serviceAccount} of {@code rendered} (e.g. a hook Job's). */
    static void assertRoleAllowsExactly(Chart.Rendered rendered, String role, String serviceAccount,
        List<RecordedRequest> requests) {
        JsonNode binding = rendered.get("RoleBinding", role);
        assertEquals(role, binding.path("roleRef").path("name").asText());
        assertEquals(serviceAccount, binding.path("subjects").get(0).path("name").asText());
        assertEquals(Chart.NAMESPACE, binding.path("subjects").get(0).path("namespace").asText());
        JsonNode rules = rendered.get("Role", role).path("rules");
        Set<String> used = new TreeSet<>();
        List<String> denied = new ArrayList<>();
        for (RecordedRequest req : requests) {
            Access a = Access.of(req);
            boolean allowed = false;
            for (JsonNode rule : rules) {
                if (contains(rule.path("apiGroups"), a.group) && contains(rule.path("resources"), a.resource)
                    && contains(rule.path("verbs"), a.verb) && (rule.path("resourceNames").isEmpty()
                        || contains(rule.path("resourceNames"), a.name))) {
                    allowed = true;
                    used.add(a.group + "/" + a.resource + ":" + a.verb);
                }
            }
            if (!allowed) {
                denied.add(req.getMethod() + " " + req.getPath() + " (" + a + ")");
            }
        }
        assertEquals(List.of(), denied, "requests Role " + role + " does not allow");
        Set<String> granted = new TreeSet<>();
        for (JsonNode rule : rules) {
            for (JsonNode g : rule.path("apiGroups")) {
                for (JsonNode res : rule.path("resources")) {
                    for (JsonNode v : rule.path("verbs")) {
                        granted.add(g.asText() + "/" + res.asText() + ":" + v.asText());
                    }
                }
            }
        }
        assertEquals(granted, used, "Role " + role + ": every permission granted is one that was needed");
        System.out.println("Role " + role + ": " + requests.size() + " requests, all allowed; permissions used: "
            + used);
    }

    private static boolean contains(JsonNode list, String value) {
        for (JsonNode v : list) {
            if (v.asText().equals(value) || v.asText().equals("*")) {
                return true;
            }
        }
        return false;
    }

    /** An API request as RBAC sees it. */
    record Access(String verb, String group, String resource, String name) {
        static Access of(RecordedRequest req) {
            String path = req.getPath();
            int q = path.indexOf('?');
            String query = q < 0 ? "" : path.substring(q + 1);
            String[] s = (q < 0 ? path : path.substring(0, q)).replaceAll("^/", "").split("/");
            // api/v1/namespaces/NS/RES[/NAME] or apis/GROUP/VERSION/namespaces/NS/RES[/NAME]
            int base = s[0].equals("api") ? 2 : 3;
            String group = s[0].equals("api") ? "" : s[1];
            if (s.length < base + 3 || !s[base].equals("namespaces")) {
                return new Access(req.getMethod(), group, String.join("/", s), "");
            }
            String resource = s[base + 2];
            String name = s.length > base + 3 ? s[base + 3] : "";
            String verb = switch (req.getMethod()) {
                case "GET" -> !name.isEmpty() ? "get" : query.matches("(.*&)?watch=(true|1)(&.*)?") ? "watch" : "list";
                case "POST" -> "create";
                case "PUT" -> "update";
                case "PATCH" -> "patch";
                case "DELETE" -> "delete";
                default -> req.getMethod();
            };
            return new Access(verb, group, resource, name);
        }
    }

    static void await(BooleanSupplier condition, String what) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() > deadline) {
                throw new AssertionError("timed out waiting for " + what);
            }
            Thread.sleep(20);
        }
    }
}
