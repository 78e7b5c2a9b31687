package io.spillway.tier;

import io.spillway.protocol.ErrorCode;
import java.nio.ByteBuffer;

/** A stateless {@link BlockWriter} that wants no bytes: a refusal, or a key already present. One per code. */
final class NoBytesWriter implements BlockWriter {
    private static final NoBytesWriter[] BY_CODE = new NoBytesWriter[ErrorCode.values().length];

    static {
        for (ErrorCode code : ErrorCode.values()) {
            BY_CODE[code.ordinal()] = new NoBytesWriter(code);
        }
    }

    static final NoBytesWriter PRESENT = BY_CODE[ErrorCode.OK.ordinal()];

    private final ErrorCode status;

    private NoBytesWriter(ErrorCode status) {
        this.status = status;
    }

    static NoBytesWriter refusing(ErrorCode code) {
        if (code == ErrorCode.OK) {
            throw new IllegalArgumentException("a refusal needs a code other than OK");
        }
        return BY_CODE[code.ordinal()];
    }

    @Override
    public ErrorCode status() {
        return status;
    }

    @Override
    public ByteBuffer target() {
        return null;
    }

    @Override
    public ErrorCode commit(int crc32c) {
        return status;
    }

    @Override
    public void abort() {
    }

    @Override
    public String toString() {
        return status == ErrorCode.OK ? "BlockWriter{present}" : "BlockWriter{refused " + status + "}";
    }
}
