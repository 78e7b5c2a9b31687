package io.spillway.router.discovery;

import io.fabric8.kubernetes.api.model.GenericKubernetesResource;
import io.fabric8.kubernetes.client.dsl.base.ResourceDefinitionContext;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * What the router reads of a Gateway API Inference Extension InferencePool ({@code inference.networking.k8s.io/v1},
 * as of GIE v1.6.2's {@code api/v1/inferencepool_types.go}): the label selector that makes pods its members ({@code
 * spec.selector.matchLabels}) and the ports requests go to on each ({@code spec.targetPorts}, 1 to 8 {@code
 * {number}} entries, each unique). {@code spec.endpointPickerRef} names the picker (this router) and {@code
 * spec.appProtocol} the gateway's protocol to the pods: neither changes which endpoints exist.
 *
 * @param selector the pods' labels, all required ({@code matchLabels}; the API has no other selector form)
 * @param ports    the target ports, in the pool's order
 */
public record InferencePool(Map<String, String> selector, List<Integer> ports) {
    /** The resource the informer follows. */
    public static final ResourceDefinitionContext RESOURCE = new ResourceDefinitionContext.Builder()
        .withGroup("inference.networking.k8s.io").withVersion("v1").withKind("InferencePool")
        .withPlural("inferencepools").withNamespaced(true).build();
    /** The API's bound on {@code targetPorts}. */
    public static final int MAX_PORTS = 8;

    public InferencePool {
        selector = Map.copyOf(selector);
        ports = List.copyOf(ports);
    }

    /**
     * @throws IllegalArgumentException naming what is wrong: no selector, no ports, more than 8, a port outside
     *                                  1..65535 or given twice (what the API server's schema would have refused)
     */
    public static InferencePool of(GenericKubernetesResource pool) {
        String name = pool.getMetadata() == null ? "?" : pool.getMetadata().getName();
        Object labels = pool.get("spec", "selector", "matchLabels");
        if (!(labels instanceof Map<?, ?> matchLabels) || matchLabels.isEmpty()) {
            throw new IllegalArgumentException("InferencePool " + name + ": spec.selector.matchLabels is missing or "
                + "empty");
        }
        Map<String, String> selector = new LinkedHashMap<>();
        for (Map.Entry<?, ?> e : matchLabels.entrySet()) {
            if (!(e.getValue() instanceof String value)) {
                throw new IllegalArgumentException("InferencePool " + name + ": label " + e.getKey() + " has no "
                    + "string value: " + e.getValue());
            }
            selector.put(String.valueOf(e.getKey()), value);
        }
        Object targets = pool.get("spec", "targetPorts");
        if (!(targets instanceof List<?> list) || list.isEmpty() || list.size() > MAX_PORTS) {
            throw new IllegalArgumentException("InferencePool " + name + ": spec.targetPorts must list 1 to "
                + MAX_PORTS + " ports, got " + targets);
        }
        List<Integer> ports = new ArrayList<>();
        for (Object entry : list) {
            Object number = entry instanceof Map<?, ?> m ? m.get("number") : null;
            if (!(number instanceof Number n) || n.intValue() < 1 || n.intValue() > 65_535
                || n.doubleValue() != n.intValue()) {
                throw new IllegalArgumentException("InferencePool " + name + ": a target port must be {number: "
                    + "1..65535}, got " + entry);
            }
            if (ports.contains(n.intValue())) {
                throw new IllegalArgumentException("InferencePool " + name + ": target port " + n + " given twice");
            }
            ports.add(n.intValue());
        }
        return new InferencePool(selector, ports);
    }

    /** Whether a pod with these labels is a member. */
    public boolean selects(Map<String, String> labels) {
        if (labels == null) {
            return false;
        }
        for (Map.Entry<String, String> e : selector.entrySet()) {
            if (!e.getValue().equals(labels.get(e.getKey()))) {
                return false;
            }
        }
        return true;
    }
}
