package io.spillway.event.vllm;

/**
 * A vLLM KV-event payload or frame that cannot be decoded; {@link #reason()} says what kind of fault and the message
 * names the place ({@code events[2].token_ids[7]}) and what was found there. The one exception type of this package:
 * malformed input never surfaces as another exception. It carries no stack trace: the message names the place in
 * the payload, and a pod that sends a batch of bad events (each rejected alone, so each makes one) would otherwise
 * cost the router a captured stack per event.
 */
public final class VllmDecodeException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    /** What was wrong with the input. */
    public enum Reason {
        /** The input ended inside a value (or a length claims more bytes than are left). */
        TRUNCATED,
        /** Not valid msgpack, bad UTF-8, trailing bytes, or a frame of the wrong size. */
        MALFORMED,
        /** A value of the wrong msgpack type. */
        WRONG_TYPE,
        /** A required field or the event tag is absent. */
        MISSING_FIELD,
        /** A count or length over the decoder's limits. */
        TOO_LARGE,
        /** A value of the right type out of range (a negative token id, a block size of 0, ...). */
        BAD_VALUE
    }

    private final Reason reason;

    public VllmDecodeException(Reason reason, String message) {
        super(reason + ": " + message, null, false, false);
        this.reason = reason;
    }

    public VllmDecodeException(Reason reason, String message, Throwable cause) {
        super(reason + ": " + message, cause, false, false);
        this.reason = reason;
    }

    public Reason reason() {
        return reason;
    }
}
