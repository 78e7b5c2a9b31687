package io.spillway.deploy.chart;

import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.EnvVar;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodBuilder;
import io.fabric8.kubernetes.api.model.PodTemplateSpec;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * What the controllers and kubelet would do with a rendered pod template, which the mock API server does not: a Pod
 * made from it (name, IP, Ready), and a container's environment as the process would see it (downward API fields
 * filled from the pod, {@code $(VAR)} references expanded as kubelet expands them).
 */
final class Kubelet {
    private static final Pattern REF = Pattern.compile("\\$\\(([A-Za-z_][A-Za-z0-9_]*)\\)");
    private static final Pattern LABEL = Pattern.compile("metadata\\.labels\\['([^']+)'\\]");

    private Kubelet() {
    }

    /** A running, Ready pod of the template, with its IP and any further labels (what a node would add). */
    static Pod pod(PodTemplateSpec template, String name, String ip, Map<String, String> extraLabels) {
        Map<String, String> labels = new LinkedHashMap<>(template.getMetadata().getLabels());
        labels.putAll(extraLabels);
        return new PodBuilder().withNewMetadata().withName(name).withNamespace(Chart.NAMESPACE).withLabels(labels)
            .withAnnotations(template.getMetadata().getAnnotations()).endMetadata()
            .withSpec(Models.SERIALIZATION.clone(template.getSpec()))
            .withNewStatus().withPhase("Running").withPodIP(ip).addNewPodIP().withIp(ip).endPodIP()
            .addNewCondition().withType("Ready").withStatus("True").endCondition().endStatus().build();
    }

    /** The container's environment in {@code pod}, as kubelet gives it to the process. */
    static Map<String, String> env(Container container, Pod pod) {
        Map<String, String> env = new LinkedHashMap<>();
        if (container.getEnv() == null) {
            return env;
        }
        for (EnvVar v : container.getEnv()) {
            String value;
            if (v.getValueFrom() != null) {
                value = field(pod, v.getValueFrom().getFieldRef().getFieldPath());
            } else {
                value = expand(v.getValue() == null ? "" : v.getValue(), env);
            }
            env.put(v.getName(), value);
        }
        return env;
    }

    /** {@code $(VAR)} of variables defined before, as kubelet expands env values, args and commands. */
    static String expand(String text, Map<String, String> env) {
        Matcher m = REF.matcher(text);
        StringBuilder sb = new StringBuilder();
        while (m.find()) {
            String v = env.get(m.group(1));
            m.appendReplacement(sb, Matcher.quoteReplacement(v != null ? v : m.group()));
        }
        m.appendTail(sb);
        return sb.toString();
    }

    private static String field(Pod pod, String path) {
        Matcher label = LABEL.matcher(path);
        if (label.matches()) {
            String v = pod.getMetadata().getLabels().get(label.group(1));
            return v == null ? "" : v;  // a missing label gives the empty string
        }
        return switch (path) {
            case "metadata.name" -> pod.getMetadata().getName();
            case "metadata.namespace" -> pod.getMetadata().getNamespace();
            case "status.podIP" -> pod.getStatus().getPodIP();
            default -> throw new AssertionError("downward API field not simulated: " + path);
        };
    }

    static Container container(Pod pod, String name) {
        return pod.getSpec().getContainers().stream().filter(c -> c.getName().equals(name)).findFirst()
            .orElseThrow(() -> new AssertionError("no container " + name + " in pod " + pod.getMetadata().getName()));
    }
}
