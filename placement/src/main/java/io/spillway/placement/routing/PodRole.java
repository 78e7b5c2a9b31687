package io.spillway.placement.routing;

import java.util.Locale;

/** What a model-server pod serves in a prefill/decode split; {@link #BOTH} when it is not split. */
public enum PodRole {
    PREFILL,
    DECODE,
    BOTH;

    /** Whether the pod can take the prefill of a split request. */
    public boolean prefills() {
        return this != DECODE;
    }

    /** Whether the pod can take a request's decode (every unsplit request is one). */
    public boolean decodes() {
        return this != PREFILL;
    }

    /**
     * Reads a role label as llm-d's pods carry it ({@code llm-d.ai/role}: prefill, decode, both; {@code
     * prefill-decode} also means both); an empty or null label is {@link #BOTH}.
     *
     * @throws IllegalArgumentException naming the value when it is none of those
     */
    public static PodRole parse(String label) {
        if (label == null || label.isBlank()) {
            return BOTH;
        }
        return switch (label.trim().toLowerCase(Locale.ROOT)) {
            case "prefill" -> PREFILL;
            case "decode" -> DECODE;
            case "both", "prefill-decode" -> BOTH;
            default -> throw new IllegalArgumentException("unknown pod role '" + label
                + "': expected prefill, decode or both");
        };
    }
}
