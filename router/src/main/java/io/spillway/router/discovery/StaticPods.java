package io.spillway.router.discovery;

import io.spillway.placement.routing.PodRole;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Consumer;

/**
 * A fixed list of pods, each {@code host:port} with an optional {@code =role} ({@code 10.0.0.5:8000=prefill});
 * all ready (the router's health of upstreams is the proxy's concern).
 */
public final class StaticPods implements PodDiscovery {
    private final List<PodEndpoint> pods;

    private StaticPods(List<PodEndpoint> pods) {
        this.pods = List.copyOf(pods);
    }

    /**
     * @throws IllegalArgumentException naming the entry that is not {@code host:port[=role]}
     */
    public static StaticPods parse(List<String> entries) {
        List<PodEndpoint> pods = new ArrayList<>();
        for (String entry : entries) {
            String spec = entry.trim();
            String role = null;
            int eq = spec.indexOf('=');
            if (eq >= 0) {
                role = spec.substring(eq + 1);
                spec = spec.substring(0, eq);
            }
            int colon = spec.lastIndexOf(':');
            if (colon <= 0 || colon == spec.length() - 1) {
                throw new IllegalArgumentException("pod '" + entry + "' must be host:port[=role]");
            }
            int port;
            try {
                port = Integer.parseInt(spec.substring(colon + 1));
            } catch (NumberFormatException e) {
                throw new IllegalArgumentException("pod '" + entry + "': port is not a number", e);
            }
            pods.add(new PodEndpoint(spec, spec.substring(0, colon), port, PodRole.parse(role), true));
        }
        if (pods.isEmpty()) {
            throw new IllegalArgumentException("a static pod list needs at least one pod");
        }
        return new StaticPods(pods);
    }

    @Override
    public List<PodEndpoint> pods() {
        return pods;
    }

    @Override
    public void onChange(Consumer<List<PodEndpoint>> listener) {
        // a static list never changes
    }

    /** A static list is known from the start. */
    @Override
    public boolean synced() {
        return true;
    }

    @Override
    public void close() {
    }
}
