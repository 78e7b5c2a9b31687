package io.spillway.deploy.chart;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.fabric8.kubernetes.api.model.LabelSelector;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import io.fabric8.kubernetes.api.model.apps.StatefulSet;
import io.fabric8.kubernetes.api.model.networking.v1.NetworkPolicy;
import io.fabric8.kubernetes.api.model.networking.v1.NetworkPolicyIngressRule;
import io.fabric8.kubernetes.api.model.networking.v1.NetworkPolicyPeer;
import io.fabric8.kubernetes.api.model.networking.v1.NetworkPolicyPort;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * The rendered NetworkPolicies (the operations variant: ingress rules for the nodes, the router and the example
 * vLLM), evaluated as Kubernetes defines them for pods labelled as the chart's templates label them: a selected pod
 * admits a connection when some rule's peers match the source (pod labels in the policy's namespace, or a namespace
 * selector) and its ports match the port and protocol. Each port is reachable from exactly the components that use
 * it, and from nothing else.
 */
class NetworkPolicyTest {
    private static final String NS = Chart.NAMESPACE;

    /** A pod somewhere: its namespace, the namespace's labels, its own labels. */
    record Source(String name, String namespace, Map<String, String> labels) {
    }

    @Test
    void eachPortIsReachableFromExactlyItsUsers() {
        Chart.Rendered r = Chart.render(Chart.Variant.OPERATIONS);
        List<NetworkPolicy> policies = r.ofKind("NetworkPolicy").stream()
            .map(o -> (NetworkPolicy) Models.parse(o)).toList();
        Map<String, String> node = labels(r, "StatefulSet", "spillway-node");
        Map<String, String> router = labels(r, "Deployment", "spillway-router");
        Map<String, String> vllm = labels(r, "Deployment", "spillway-vllm");
        Source member = new Source("a node", NS, node);
        Source routerPod = new Source("the router", NS, router);
        Source agent = new Source("a vLLM pod (its agents)", NS, vllm);
        Source stranger = new Source("another pod of the namespace", NS, Map.of("app", "other"));
        Source gateway = new Source("the gateway", "gateway", Map.of("app", "envoy"));
        Source prometheus = new Source("Prometheus", "monitoring", Map.of("app", "prometheus"));
        List<Source> everyone = List.of(member, routerPod, agent, stranger, gateway, prometheus);

        List<String> got = new ArrayList<>();
        List<String> want = new ArrayList<>();
        check(policies, node, "node", 47500, "TCP", everyone, List.of(member), got, want);
        check(policies, node, "node", 47100, "TCP", everyone, List.of(member), got, want);
        check(policies, node, "node", 7600, "TCP", everyone, List.of(member, agent), got, want);
        check(policies, node, "node", 7601, "TCP", everyone, List.of(member, agent, routerPod), got, want);
        check(policies, node, "node", 7603, "UDP", everyone, List.of(routerPod), got, want);
        check(policies, node, "node", 7602, "TCP", everyone, List.of(prometheus), got, want);
        check(policies, router, "router", 9002, "TCP", everyone, List.of(gateway), got, want);
        check(policies, router, "router", 5557, "TCP", everyone, List.of(agent), got, want);
        check(policies, router, "router", 9090, "TCP", everyone, List.of(prometheus), got, want);
        check(policies, router, "router", 40000, "UDP", everyone, List.of(member), got, want);
        check(policies, vllm, "vLLM", 8000, "TCP", everyone, List.of(routerPod, gateway, prometheus), got, want);
        assertEquals(want, got);
    }

    private static Map<String, String> labels(Chart.Rendered r, String kind, String name) {
        Object m = Models.parse(r.get(kind, name));
        return m instanceof StatefulSet s ? s.getSpec().getTemplate().getMetadata().getLabels()
            : ((Deployment) m).getSpec().getTemplate().getMetadata().getLabels();
    }

    private static void check(List<NetworkPolicy> policies, Map<String, String> target, String what, int port,
                              String protocol, List<Source> everyone, List<Source> allowed, List<String> got,
                              List<String> want) {
        for (Source s : everyone) {
            String line = s.name + " -> " + what + " " + port + "/" + protocol + ": ";
            got.add(line + (admits(policies, target, s, port, protocol) ? "allowed" : "denied"));
            want.add(line + (allowed.contains(s) ? "allowed" : "denied"));
        }
    }

    private static boolean admits(List<NetworkPolicy> policies, Map<String, String> target, Source s, int port,
                                  String protocol) {
        boolean selected = false;
        for (NetworkPolicy p : policies) {
            if (!matches(p.getSpec().getPodSelector(), target)) {
                continue;
            }
            selected = true;
            for (NetworkPolicyIngressRule rule : p.getSpec().getIngress()) {
                boolean peer = rule.getFrom() == null || rule.getFrom().isEmpty()
                    || rule.getFrom().stream().anyMatch(f -> peerMatches(f, s));
                boolean ports = rule.getPorts() == null || rule.getPorts().isEmpty()
                    || rule.getPorts().stream().anyMatch(pp -> portMatches(pp, port, protocol));
                if (peer && ports) {
                    return true;
                }
            }
        }
        return !selected;
    }

    private static boolean peerMatches(NetworkPolicyPeer peer, Source s) {
        if (peer.getIpBlock() != null) {
            return false;
        }
        Map<String, String> nsLabels = Map.of("kubernetes.io/metadata.name", s.namespace);
        boolean ns = peer.getNamespaceSelector() == null ? s.namespace.equals(NS)
            : matches(peer.getNamespaceSelector(), nsLabels);
        boolean pod = peer.getPodSelector() == null || matches(peer.getPodSelector(), s.labels);
        return ns && pod;
    }

    private static boolean portMatches(NetworkPolicyPort p, int port, String protocol) {
        String proto = p.getProtocol() == null ? "TCP" : p.getProtocol();
        if (!proto.equals(protocol)) {
            return false;
        }
        if (p.getPort() == null) {
            return true;
        }
        int from = p.getPort().getIntVal();
        int to = p.getEndPort() != null ? p.getEndPort() : from;
        return port >= from && port <= to;
    }

    private static boolean matches(LabelSelector selector, Map<String, String> labels) {
        if (selector.getMatchExpressions() != null && !selector.getMatchExpressions().isEmpty()) {
            throw new AssertionError("matchExpressions are not evaluated here");
        }
        Map<String, String> want = selector.getMatchLabels() == null ? Map.of() : selector.getMatchLabels();
        return labels.entrySet().containsAll(want.entrySet());
    }
}
