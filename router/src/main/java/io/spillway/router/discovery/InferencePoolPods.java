package io.spillway.router.discovery;

import io.fabric8.kubernetes.api.model.GenericKubernetesResource;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import io.fabric8.kubernetes.client.informers.ResourceEventHandler;
import io.fabric8.kubernetes.client.informers.SharedIndexInformer;
import io.spillway.placement.routing.PodRole;
import java.lang.System.Logger;
import java.lang.System.Logger.Level;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.BiConsumer;
import java.util.function.Consumer;

/**
 * Pods from a Gateway API Inference Extension InferencePool, as the protocol's endpoint picker selects them: an
 * informer on the named pool ({@link InferencePool}: its selector and target ports) and one on the namespace's pods;
 * every pod the pool's selector matches gives one endpoint per target port, {@code <ip>:<port>} ({@code
 * [ip]:port} for IPv6). A pod may narrow its ports with the annotation {@code inference.networking.k8s.io/active-ports}
 * ({@code 8000,8001}: only those of the pool's ports), as GIE's reference picker reads it. Readiness, the role label
 * and the left-out pods are as {@link KubernetesPods} has them.
 *
 * <p>The pod informer watches the whole namespace and the pool's selector is applied here, as GIE's reference picker
 * does: a change of selector or ports re-selects from the informer's cache at once, without a new list from the API
 * server, and pods the new selector no longer matches leave. The endpoints are rebuilt from both caches on each event
 * (a pass over the namespace's pods); listeners hear only changes. {@link #synced()} holds once both informers have
 * had their first list and the pool exists.
 */
public final class InferencePoolPods implements PodDiscovery {
    private static final Logger LOG = System.getLogger(InferencePoolPods.class.getName());
    /** GIE's annotation narrowing a pod's ports to some of the pool's. */
    public static final String ACTIVE_PORTS = "inference.networking.k8s.io/active-ports";

    private final String poolName;
    private final String roleLabel;
    private final List<Consumer<List<PodEndpoint>>> listeners = new CopyOnWriteArrayList<>();
    private final SharedIndexInformer<Pod> podInformer;
    private final SharedIndexInformer<GenericKubernetesResource> poolInformer;
    private final Set<String> warned = new HashSet<>();
    private volatile InferencePool pool;
    private volatile List<PodEndpoint> endpoints = List.of();

    /**
     * Starts both informers and waits for their first lists.
     *
     * @param namespace the pool's namespace (its pods are in the same)
     * @param poolName  the InferencePool's name
     * @throws IllegalStateException when the API server cannot list InferencePools (the CRD not installed, no RBAC)
     */
    public InferencePoolPods(KubernetesClient client, String namespace, String poolName, String roleLabel) {
        if (poolName == null || poolName.isBlank()) {
            throw new IllegalArgumentException("an InferencePool needs a name");
        }
        this.poolName = poolName;
        this.roleLabel = roleLabel;
        this.podInformer = client.pods().inNamespace(namespace).inform(new Handler<>((p, deleted) -> rebuild()));
        try {
            this.poolInformer = client.genericKubernetesResources(InferencePool.RESOURCE).inNamespace(namespace)
                .withName(poolName).inform(new Handler<>(this::poolChanged));
        } catch (KubernetesClientException e) {
            podInformer.close();
            throw new IllegalStateException("cannot follow InferencePool " + namespace + "/" + poolName + " ("
                + InferencePool.RESOURCE.getGroup() + "/" + InferencePool.RESOURCE.getVersion() + "): "
                + e.getMessage(), e);
        }
    }

    /** The pool as last read, or null when it does not exist or is not valid. */
    public InferencePool pool() {
        return pool;
    }

    @Override
    public List<PodEndpoint> pods() {
        return endpoints;
    }

    @Override
    public void onChange(Consumer<List<PodEndpoint>> listener) {
        listeners.add(listener);
    }

    @Override
    public boolean synced() {
        return podInformer.hasSynced() && poolInformer.hasSynced() && pool != null;
    }

    @Override
    public void close() {
        poolInformer.close();
        podInformer.close();
    }

    private void poolChanged(GenericKubernetesResource resource, boolean deleted) {
        InferencePool read = null;
        if (!deleted && poolName.equals(resource.getMetadata().getName())) {
            try {
                read = InferencePool.of(resource);
            } catch (IllegalArgumentException e) {
                LOG.log(Level.WARNING, "no pods: " + e.getMessage());
            }
        }
        pool = read;
        rebuild();
    }

    /** The endpoints from both caches now; listeners told when they differ from the last. */
    private synchronized void rebuild() {
        InferencePool p = pool;
        List<PodEndpoint> next = new ArrayList<>();
        if (p != null && podInformer != null) {
            for (Pod pod : podInformer.getStore().list()) {
                if (p.selects(pod.getMetadata().getLabels())) {
                    addEndpoints(pod, p, next);
                }
            }
            next.sort(Comparator.comparing(PodEndpoint::name).thenComparingInt(PodEndpoint::port));
        }
        List<PodEndpoint> now = List.copyOf(next);
        if (now.equals(endpoints)) {
            return;
        }
        endpoints = now;
        for (Consumer<List<PodEndpoint>> l : listeners) {
            l.accept(now);
        }
    }

    private void addEndpoints(Pod pod, InferencePool p, List<PodEndpoint> out) {
        String name = pod.getMetadata().getName();
        String ip = PodStates.ip(pod);
        if (ip.isEmpty()) {
            return; // no address to give yet
        }
        PodRole role;
        try {
            role = PodStates.role(pod, roleLabel);
        } catch (IllegalArgumentException e) {
            if (warned.add(name)) {
                LOG.log(Level.WARNING, "left out: " + e.getMessage());
            }
            return;
        }
        boolean ready = PodStates.ready(pod);
        for (int port : activePorts(pod, p.ports())) {
            out.add(new PodEndpoint(name, ip, port, role, ready));
        }
    }

    /** The pool's ports, narrowed by the pod's {@link #ACTIVE_PORTS} annotation when it has one. */
    static List<Integer> activePorts(Pod pod, List<Integer> ports) {
        Map<String, String> annotations = pod.getMetadata().getAnnotations();
        String active = annotations == null ? null : annotations.get(ACTIVE_PORTS);
        if (active == null) {
            return ports;
        }
        Set<Integer> listed = new HashSet<>();
        for (String part : active.split(",")) {
            try {
                listed.add(Integer.parseInt(part.trim()));
            } catch (NumberFormatException e) {
                // GIE's picker skips what is not a port number
            }
        }
        return ports.stream().filter(listed::contains).toList();
    }

    /** Each event of an informer runs {@code onEvent} with the object and whether it was deleted. */
    private static final class Handler<T> implements ResourceEventHandler<T> {
        private final BiConsumer<T, Boolean> onEvent;

        Handler(BiConsumer<T, Boolean> onEvent) {
            this.onEvent = onEvent;
        }

        @Override
        public void onAdd(T obj) {
            onEvent.accept(obj, false);
        }

        @Override
        public void onUpdate(T before, T after) {
            onEvent.accept(after, false);
        }

        @Override
        public void onDelete(T obj, boolean finalStateUnknown) {
            onEvent.accept(obj, true);
        }
    }
}
