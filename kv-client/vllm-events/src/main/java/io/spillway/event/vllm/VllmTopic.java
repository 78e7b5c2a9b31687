package io.spillway.event.vllm;

/**
 * The ZMQ topic of a vLLM KV-event stream in llm-d's convention, {@code kv@<pod>@<model>}, where {@code <pod>} is the
 * pod's address ({@code <pod-ip>} or {@code <pod-ip>:<port>}) and {@code <model>} the served model name (which may
 * hold {@code /}). vLLM itself sends whatever its {@code topic} setting says (default empty), so a topic of another
 * form is legal and simply carries no pod or model ({@link #parse} returns {@code null}).
 *
 * @param pod   the pod's address: non-empty, no {@code @}
 * @param model the model name: non-empty
 */
public record VllmTopic(String pod, String model) {
    /** The prefix of every topic in this convention (llm-d subscribes with it as its filter). */
    public static final String PREFIX = "kv@";

    public VllmTopic {
        if (pod == null || pod.isEmpty() || pod.indexOf('@') >= 0) {
            throw new IllegalArgumentException("a topic's pod is non-empty and has no '@', got '" + pod + "'");
        }
        if (model == null || model.isEmpty()) {
            throw new IllegalArgumentException("a topic's model is non-empty, got '" + model + "'");
        }
    }

    /**
     * Parses {@code kv@<pod>@<model>}: the pod runs to the second {@code @}, the model is the rest.
     *
     * @return the topic, or {@code null} when {@code topic} is not of this form
     */
    public static VllmTopic parse(String topic) {
        if (topic == null || !topic.startsWith(PREFIX)) {
            return null;
        }
        int at = topic.indexOf('@', PREFIX.length());
        if (at <= PREFIX.length() || at == topic.length() - 1) {
            return null;
        }
        return new VllmTopic(topic.substring(PREFIX.length(), at), topic.substring(at + 1));
    }

    /** {@code kv@<pod>@<model>}. */
    @Override
    public String toString() {
        return PREFIX + pod + "@" + model;
    }
}
