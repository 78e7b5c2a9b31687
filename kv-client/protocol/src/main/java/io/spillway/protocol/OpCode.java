package io.spillway.protocol;

import org.jspecify.annotations.Nullable;

/** The data-plane ops (docs/protocol.md, "Ops"); {@link #code()} is the header's {@code op} byte. */
public enum OpCode {
    PUT_BATCH(0x01),
    GET_BATCH(0x02),
    LOOKUP_PREFIX(0x03),
    PING(0x04),
    /** Token mode: the connection's first frame, carrying its signed token (docs/protocol.md, "AUTH"). */
    AUTH(0x05);

    /** Longest AUTH body (the token's UTF-8 bytes) a decoder takes. */
    public static final int MAX_AUTH_BYTES = 8192;

    private static final OpCode[] BY_CODE = {null, PUT_BATCH, GET_BATCH, LOOKUP_PREFIX, PING, AUTH};

    private final int code;

    OpCode(int code) {
        this.code = code;
    }

    public int code() {
        return code;
    }

    /** The op for a wire value, or {@code null} when the value is not a known op. */
    public static @Nullable OpCode fromCode(int code) {
        return code > 0 && code < BY_CODE.length ? BY_CODE[code] : null;
    }
}
