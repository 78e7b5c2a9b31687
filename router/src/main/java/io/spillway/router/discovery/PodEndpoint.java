package io.spillway.router.discovery;

import io.spillway.placement.routing.PodRole;
import java.util.Objects;

/**
 * A model-server pod as discovery sees it: its name, where it listens, its role and whether it is ready.
 *
 * @param name  the pod's name (the static list's entry for a static pod)
 * @param ip    the pod's IP
 * @param port  the serving port
 * @param role  prefill, decode or both
 * @param ready whether it may take requests: Ready, with an IP, and not being deleted
 */
public record PodEndpoint(String name, String ip, int port, PodRole role, boolean ready) {
    public PodEndpoint {
        Objects.requireNonNull(role, "role");
        if (name == null || name.isEmpty()) {
            throw new IllegalArgumentException("a pod endpoint needs a name");
        }
        if (port < 1 || port > 65_535) {
            throw new IllegalArgumentException("pod " + name + ": port must be 1..65535, got " + port);
        }
    }

    /**
     * {@code ip:port}, an IPv6 address bracketed ({@code [fd00::1]:8000}, as Envoy, agentgateway and URIs take it):
     * the pod's address, and its id in the index (its KV events' topic names it so).
     */
    public String address() {
        return address(ip, port);
    }

    /** {@code host:port}, bracketing a host that is an IPv6 address and is not bracketed already. */
    public static String address(String host, int port) {
        return host.indexOf(':') >= 0 && !host.startsWith("[") ? "[" + host + "]:" + port : host + ":" + port;
    }
}
