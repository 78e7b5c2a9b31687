package io.spillway.router.discovery;

import java.util.List;
import java.util.function.Consumer;

/**
 * Where the router learns which pods exist: a static list, a Kubernetes label selector ({@link KubernetesPods}) or a
 * Gateway API Inference Extension InferencePool ({@link InferencePoolPods}).
 */
public interface PodDiscovery extends AutoCloseable {
    /** Every known pod, ready or not, by name order. */
    List<PodEndpoint> pods();

    /** The pods that may take requests now. */
    default List<PodEndpoint> routable() {
        return pods().stream().filter(PodEndpoint::ready).toList();
    }

    /** Calls {@code listener} with the whole list after each change (not for the state at registration). */
    void onChange(Consumer<List<PodEndpoint>> listener);

    /**
     * Whether discovery knows the pods: every informer has had its first list (and, for an InferencePool, the pool
     * exists). A picker is ready to take requests only once this holds (the readiness health).
     */
    boolean synced();

    @Override
    void close();
}
