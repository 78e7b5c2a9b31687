package io.spillway.router.extproc;

import com.google.protobuf.Struct;
import com.google.protobuf.Value;
import io.envoyproxy.envoy.service.ext_proc.v3.ProcessingRequest;
import io.spillway.placement.routing.Pod;
import java.util.LinkedHashSet;
import java.util.Set;
import java.util.function.Predicate;

/**
 * The gateway's subset hint ({@code envoy.lb.subset_hint} / {@code x-gateway-destination-endpoint-subset}): the
 * endpoints the picker must choose from. Matched as the reference picker matches it: by host alone, so an entry's
 * port (or its absence) does not matter and every target port of a listed pod qualifies. Entries come as a list
 * (the protocol's form); a string entry, or a string instead of the list, may hold a comma-separated list. An
 * empty list allows nothing (503), as the protocol says.
 */
final class EndpointSubset implements Predicate<Pod> {
    static final String NAMESPACE = "envoy.lb.subset_hint";
    static final String KEY = "x-gateway-destination-endpoint-subset";

    private final Set<String> hosts;
    private final String text;

    private EndpointSubset(Set<String> hosts, String text) {
        this.hosts = hosts;
        this.text = text;
    }

    /** The hint in {@code request}'s metadata, or null when it carries none (every pod allowed). */
    static EndpointSubset of(ProcessingRequest request) {
        if (!request.hasMetadataContext()) {
            return null;
        }
        Struct hint = request.getMetadataContext().getFilterMetadataMap().get(NAMESPACE);
        if (hint == null || !hint.containsFields(KEY)) {
            return null;
        }
        Value v = hint.getFieldsOrThrow(KEY);
        Set<String> entries = new LinkedHashSet<>();
        if (v.hasListValue()) {
            for (Value e : v.getListValue().getValuesList()) {
                if (e.hasStringValue()) {
                    split(e.getStringValue(), entries);
                }
            }
        } else if (v.hasStringValue()) {
            split(v.getStringValue(), entries);
        } else {
            return null; // neither a list nor a string: not a hint this protocol defines
        }
        Set<String> hosts = new LinkedHashSet<>();
        entries.forEach(e -> hosts.add(HostPort.host(e)));
        return new EndpointSubset(hosts, entries.toString());
    }

    private static void split(String s, Set<String> into) {
        for (String part : s.split(",")) {
            if (!part.isBlank()) {
                into.add(part.trim());
            }
        }
    }

    @Override
    public boolean test(Pod pod) {
        return hosts.contains(HostPort.podHost(pod.address()));
    }

    @Override
    public String toString() {
        return text;
    }
}
