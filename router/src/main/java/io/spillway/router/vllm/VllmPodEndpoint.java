package io.spillway.router.vllm;

/**
 * Where one vLLM publisher (one pod, or one data-parallel rank of a pod: vLLM offsets both ports by the rank) sends
 * its KV events.
 *
 * @param pod            the pod's address ({@code <ip>:<port>}), used as the location owner when the topic is not
 *                       of the form {@code kv@<pod>@<model>}; a topic of that form names the pod itself
 * @param eventsEndpoint the publisher's PUB endpoint to connect to, e.g. {@code tcp://10.0.0.7:5557}
 * @param replayEndpoint the publisher's replay ROUTER endpoint, e.g. {@code tcp://10.0.0.7:5558}, or {@code null}
 *                       when replay is off (vLLM's default): then every gap clears the pod's locations
 * @param model          the model when the topic does not name one, or {@code null}
 */
public record VllmPodEndpoint(String pod, String eventsEndpoint, String replayEndpoint, String model) {
    public VllmPodEndpoint {
        if (pod == null || pod.isBlank()) {
            throw new IllegalArgumentException("a pod endpoint needs the pod's address, got '" + pod + "'");
        }
        requireEndpoint("eventsEndpoint", eventsEndpoint);
        if (replayEndpoint != null) {
            requireEndpoint("replayEndpoint", replayEndpoint);
        }
    }

    /** A pod publishing on {@code host:eventsPort} with replay on {@code host:replayPort}, topics in llm-d form. */
    public static VllmPodEndpoint of(String host, int eventsPort, int replayPort) {
        return new VllmPodEndpoint(host, "tcp://" + host + ":" + eventsPort,
            "tcp://" + host + ":" + replayPort, null);
    }

    private static void requireEndpoint(String name, String endpoint) {
        if (endpoint == null || !endpoint.matches("[a-z]+://.+")) {
            throw new IllegalArgumentException(name + " must be a ZMQ endpoint like tcp://host:port, got '"
                + endpoint + "'");
        }
    }
}
