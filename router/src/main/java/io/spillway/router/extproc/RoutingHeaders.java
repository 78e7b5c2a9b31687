package io.spillway.router.extproc;

import io.netty.handler.codec.http.HttpHeaders;
import java.util.List;

/**
 * The routing headers only the router may set: the prefill pod of a split request ({@value EndpointPicker#PREFILLER},
 * which llm-d's routing sidecar obeys), the destination ({@value EndpointPicker#DESTINATION}, and its served report
 * {@value EndpointPicker#SERVED}) and the gateway's subset hint ({@value EndpointSubset#KEY}). A client that sends
 * them must not steer a pod: the proxy removes them from every request it forwards and then sets its own; ext_proc
 * answers overwrite the destination and remove the rest (see {@link Replies#routing}).
 */
public final class RoutingHeaders {
    /** Lower-case names, as HTTP/2 and Envoy carry them. */
    public static final List<String> ROUTER_ONLY = List.of(EndpointPicker.PREFILLER, EndpointPicker.DESTINATION,
        EndpointPicker.SERVED, EndpointSubset.KEY);

    private RoutingHeaders() {
    }

    /** Removes every router-only header from {@code headers} (names match case-insensitively). */
    public static void strip(HttpHeaders headers) {
        for (String name : ROUTER_ONLY) {
            headers.remove(name);
        }
    }
}
