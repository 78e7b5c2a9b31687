package io.spillway.client;

import io.spillway.protocol.ErrorCode;

/** A failed request, with the wire error code that says why. */
public class KvClientException extends RuntimeException {
    private static final long serialVersionUID = 1L;
    private final ErrorCode code;

    public KvClientException(ErrorCode code, String message) {
        super(code + ": " + message);
        this.code = code;
    }

    public KvClientException(ErrorCode code, String message, Throwable cause) {
        super(code + ": " + message, cause);
        this.code = code;
    }

    public ErrorCode code() {
        return code;
    }

    public boolean retryable() {
        return code.category() == ErrorCode.Category.RETRYABLE;
    }
}
