package io.spillway.router.discovery;

import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodCondition;
import io.spillway.placement.routing.PodRole;
import java.util.List;
import java.util.Map;

/** How discovery reads a Kubernetes pod: its role label, its IP and whether it may take requests. */
final class PodStates {
    private PodStates() {
    }

    /**
     * The pod's role from {@code roleLabel} (absent: both).
     *
     * @throws IllegalArgumentException naming the pod and the bad value
     */
    static PodRole role(Pod pod, String roleLabel) {
        Map<String, String> labels = pod.getMetadata().getLabels();
        try {
            return PodRole.parse(labels == null ? null : labels.get(roleLabel));
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("pod " + pod.getMetadata().getName() + ": " + e.getMessage(), e);
        }
    }

    /** The pod's IP, or "" when it has none yet. */
    static String ip(Pod pod) {
        String ip = pod.getStatus() == null ? null : pod.getStatus().getPodIP();
        return ip == null ? "" : ip;
    }

    /** Ready: its Ready condition True, an IP, and not being deleted. */
    static boolean ready(Pod pod) {
        if (ip(pod).isEmpty() || pod.getMetadata().getDeletionTimestamp() != null) {
            return false;
        }
        List<PodCondition> conditions = pod.getStatus().getConditions();
        return conditions != null && conditions.stream()
            .anyMatch(c -> "Ready".equals(c.getType()) && "True".equals(c.getStatus()));
    }
}
