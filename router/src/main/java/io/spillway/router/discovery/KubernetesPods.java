package io.spillway.router.discovery;

import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.informers.ResourceEventHandler;
import io.fabric8.kubernetes.client.informers.SharedIndexInformer;
import io.spillway.placement.routing.PodRole;
import java.lang.System.Logger;
import java.lang.System.Logger.Level;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentSkipListMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.Consumer;

/**
 * Pods from a Kubernetes informer (fabric8) on a namespace and label selector: a pod is routable when its Ready
 * condition is True, it has an IP, and it is not being deleted; its role comes from a label ({@code llm-d.ai/role}
 * by default: an llm-d role, see PodRole; absent means decode only). The informer's list-then-watch keeps the set
 * current; pods whose role label is bad are left out and logged.
 */
public final class KubernetesPods implements PodDiscovery {
    private static final Logger LOG = System.getLogger(KubernetesPods.class.getName());
    public static final String DEFAULT_ROLE_LABEL = "llm-d.ai/role";

    private final int port;
    private final String roleLabel;
    private final Map<String, PodEndpoint> pods = new ConcurrentSkipListMap<>();
    private final List<Consumer<List<PodEndpoint>>> listeners = new CopyOnWriteArrayList<>();
    private final SharedIndexInformer<Pod> informer;

    /**
     * Starts the informer and waits for its first list.
     *
     * @param selector label selector, e.g. {@code app=vllm} ({@code k=v} pairs, comma-separated)
     * @param port     the port requests go to on each pod
     */
    public KubernetesPods(KubernetesClient client, String namespace, Map<String, String> selector, int port,
                          String roleLabel) {
        if (port < 1 || port > 65_535) {
            throw new IllegalArgumentException("pod port must be 1..65535, got " + port);
        }
        this.port = port;
        this.roleLabel = roleLabel;
        this.informer = client.pods().inNamespace(namespace).withLabels(selector).inform(new Handler());
    }

    /** Parses a selector {@code k=v,k2=v2}. */
    public static Map<String, String> selector(String text) {
        Map<String, String> out = new LinkedHashMap<>();
        for (String part : text.split(",")) {
            String p = part.trim();
            int eq = p.indexOf('=');
            if (eq <= 0 || eq == p.length() - 1) {
                throw new IllegalArgumentException("label selector '" + text + "': expected k=v[,k=v...]");
            }
            out.put(p.substring(0, eq), p.substring(eq + 1));
        }
        return out;
    }

    @Override
    public List<PodEndpoint> pods() {
        return List.copyOf(pods.values());
    }

    @Override
    public void onChange(Consumer<List<PodEndpoint>> listener) {
        listeners.add(listener);
    }

    /** Whether the informer's first list has arrived. */
    @Override
    public boolean synced() {
        return informer.hasSynced();
    }

    @Override
    public void close() {
        informer.close();
    }

    private void update(Pod pod, boolean deleted) {
        String name = pod.getMetadata().getName();
        if (deleted) {
            pods.remove(name);
        } else {
            PodEndpoint endpoint = endpoint(pod);
            if (endpoint == null) {
                pods.remove(name);
            } else {
                pods.put(name, endpoint);
            }
        }
        List<PodEndpoint> now = pods();
        for (Consumer<List<PodEndpoint>> l : listeners) {
            l.accept(now);
        }
    }

    private PodEndpoint endpoint(Pod pod) {
        PodRole role;
        try {
            role = PodStates.role(pod, roleLabel);
        } catch (IllegalArgumentException e) {
            LOG.log(Level.WARNING, "left out: " + e.getMessage());
            return null;
        }
        return new PodEndpoint(pod.getMetadata().getName(), PodStates.ip(pod), port, role, PodStates.ready(pod));
    }

    private final class Handler implements ResourceEventHandler<Pod> {
        @Override
        public void onAdd(Pod pod) {
            update(pod, false);
        }

        @Override
        public void onUpdate(Pod before, Pod after) {
            update(after, false);
        }

        @Override
        public void onDelete(Pod pod, boolean finalStateUnknown) {
            update(pod, true);
        }
    }
}
