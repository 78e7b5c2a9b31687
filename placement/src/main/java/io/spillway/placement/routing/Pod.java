package io.spillway.placement.routing;

import java.util.Objects;

/**
 * A model-server pod as the router sees it at one moment: where it is, what it serves, and its load figures.
 *
 * @param id           the pod's name in the index: the {@code <ip>:<port>} its vLLM KV events' topic names
 * @param address      where requests go, {@code host:port}
 * @param role         prefill, decode or both
 * @param ready        whether it may take requests now
 * @param waiting      {@code vllm:num_requests_waiting}
 * @param running      {@code vllm:num_requests_running}
 * @param kvUtilization {@code vllm:kv_cache_usage_perc}, 0 to 1
 * @param inFlight     requests this router sent it that have not finished
 */
public record Pod(String id, String address, PodRole role, boolean ready, int waiting, int running,
                  double kvUtilization, int inFlight) {
    public Pod {
        Objects.requireNonNull(role, "role");
        if (id == null || id.isEmpty()) {
            throw new IllegalArgumentException("a pod needs an id, got '" + id + "'");
        }
        if (address == null || address.isEmpty()) {
            throw new IllegalArgumentException("pod " + id + " needs an address, got '" + address + "'");
        }
        if (waiting < 0 || running < 0 || inFlight < 0) {
            throw new IllegalArgumentException("pod " + id + ": counts must be >= 0, got waiting " + waiting
                + ", running " + running + ", in flight " + inFlight);
        }
        if (!(kvUtilization >= 0 && kvUtilization <= 1)) {
            throw new IllegalArgumentException("pod " + id + ": kvUtilization must be 0..1, got " + kvUtilization);
        }
    }

    /** A ready pod with no load: for tests and static configurations before the first scrape. */
    public static Pod idle(String id, PodRole role) {
        return new Pod(id, id, role, true, 0, 0, 0, 0);
    }

    /** Requests queued or running here, the router's own in-flight ones included. */
    public int load() {
        return waiting + running + inFlight;
    }
}
