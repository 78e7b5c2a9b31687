package io.spillway.placement.routing;

import java.util.Locale;

/**
 * What a model-server pod serves, read from llm-d's role label ({@code llm-d.ai/role}) with llm-d's meaning: its
 * {@code decode-filter} admits decode, prefill-decode (and its alias both), encode-prefill-decode and pods without the
 * label; its {@code prefill-filter} admits prefill, encode-prefill, prefill-decode and encode-prefill-decode, never an
 * unlabelled pod; its {@code encode-filter} admits encode, encode-prefill and encode-prefill-decode.
 */
public enum PodRole {
    PREFILL(false, true, false),
    DECODE(true, false, false),
    /** {@code prefill-decode}, or {@code both}: takes either side of a split. */
    BOTH(true, true, false),
    ENCODE(false, false, true),
    ENCODE_PREFILL(false, true, true),
    ENCODE_PREFILL_DECODE(true, true, true),
    /** No role label: llm-d admits such a pod to decode only, never to prefill. */
    UNLABELED(true, false, false);

    private final boolean decodes;
    private final boolean prefills;
    private final boolean encodes;

    PodRole(boolean decodes, boolean prefills, boolean encodes) {
        this.decodes = decodes;
        this.prefills = prefills;
        this.encodes = encodes;
    }

    /** Whether llm-d's prefill-filter admits the pod: it can take the prefill of a split request. */
    public boolean prefills() {
        return prefills;
    }

    /** Whether llm-d's decode-filter admits the pod: it can take a request's decode (every unsplit request is one). */
    public boolean decodes() {
        return decodes;
    }

    /** Whether llm-d's encode-filter admits the pod. */
    public boolean encodes() {
        return encodes;
    }

    /**
     * Reads a role label's value ({@code prefill}, {@code decode}, {@code prefill-decode} or {@code both}, {@code
     * encode}, {@code encode-prefill}, {@code encode-prefill-decode}; case and surrounding blanks ignored); an absent
     * or empty label is {@link #UNLABELED}.
     *
     * @throws IllegalArgumentException naming the value when it is none of those
     */
    public static PodRole parse(String label) {
        if (label == null || label.isBlank()) {
            return UNLABELED;
        }
        return switch (label.trim().toLowerCase(Locale.ROOT)) {
            case "prefill" -> PREFILL;
            case "decode" -> DECODE;
            case "both", "prefill-decode" -> BOTH;
            case "encode" -> ENCODE;
            case "encode-prefill" -> ENCODE_PREFILL;
            case "encode-prefill-decode" -> ENCODE_PREFILL_DECODE;
            default -> throw new IllegalArgumentException("unknown pod role '" + label + "': expected prefill, decode,"
                + " prefill-decode (or both), encode, encode-prefill or encode-prefill-decode");
        };
    }
}
