package io.spillway.protocol;

import org.jspecify.annotations.Nullable;

/** The data-plane ops (docs/protocol.md, "Ops"); {@link #code()} is the header's {@code op} byte. */
public enum OpCode {
    PUT_BATCH(0x01),
    GET_BATCH(0x02),
    LOOKUP_PREFIX(0x03),
    PING(0x04);

    private static final OpCode[] BY_CODE = {null, PUT_BATCH, GET_BATCH, LOOKUP_PREFIX, PING};

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
