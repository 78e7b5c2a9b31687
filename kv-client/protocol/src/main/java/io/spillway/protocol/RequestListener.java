package io.spillway.protocol;

import io.netty.buffer.ByteBuf;
import io.spillway.key.BlockKey;

/**
 * What a {@link RequestDecoder} reports, in wire order. Buffers passed in are the decoder's input: read the given
 * range during the call (copy or {@code retainedSlice} it to keep it); never release them.
 *
 * <p>PUT_BATCH: {@link #onPutStart}, then per block either {@link #onPutBlock}, zero or more {@link #onPutBytes},
 * {@link #onPutBlockEnd}; or, for a block over {@code maxBlockBytes}, only {@link #onPutBlockEnd} with
 * {@code BLOCK_TOO_LARGE} (its bytes were skipped); then {@link #onRequestEnd}.
 * GET_BATCH and LOOKUP_PREFIX: {@link #onKeysStart}, {@link #onKey} per key, {@link #onRequestEnd}.
 */
public interface RequestListener {

    /**
     * The request about to start carries {@code flags} (only {@link FrameHeader#FLAG_STAND_IN}, on PUT_BATCH and
     * GET_BATCH); called before {@link #onPutStart} or {@link #onKeysStart}, and only when the flags are not 0.
     */
    default void onRequestFlags(int requestId, int flags) {
    }

    /** Return {@code false} to skip the rest of the body (e.g. unknown namespace): no further callbacks for it. */
    boolean onPutStart(int requestId, BlockKey namespace, int count);

    /** Block {@code index} starts: {@code length} bytes follow, with the client's CRC32C {@code crc32c}. */
    void onPutBlock(int index, BlockKey key, int length, int crc32c);

    /** The next {@code length} bytes of the current block, at {@code index} in {@code buffer}. */
    void onPutBytes(ByteBuf buffer, int index, int length);

    /**
     * Block {@code index} is complete. {@code verdict}: {@code OK} (the bytes match their CRC32C: store them),
     * {@code CHECKSUM_MISMATCH} or {@code BLOCK_TOO_LARGE} (do not store).
     */
    void onPutBlockEnd(int index, ErrorCode verdict);

    /**
     * A GET_BATCH or LOOKUP_PREFIX starts ({@code op} says which). Return {@code false} to skip the rest of the body.
     */
    boolean onKeysStart(OpCode op, int requestId, BlockKey namespace, int count);

    void onKey(int index, BlockKey key);

    /** The last body callback of a PUT_BATCH, GET_BATCH or LOOKUP_PREFIX has been made: answer it. */
    void onRequestEnd(OpCode op, int requestId);

    void onPing(int requestId);

    /**
     * An AUTH frame: {@code token} is its whole body (1 to {@link OpCode#MAX_AUTH_BYTES} bytes, a copy). A listener
     * that takes no tokens answers it as an unknown op (its body was consumed either way).
     */
    default void onAuth(int requestId, byte[] token) {
        onUnknownOp(OpCode.AUTH.code(), requestId);
    }

    /** A frame with an unknown op: its body was skipped and the connection can keep serving. */
    void onUnknownOp(int opCode, int requestId);

    /**
     * The stream is broken ({@code BAD_MAGIC}, {@code UNSUPPORTED_VERSION}, {@code FRAME_TOO_LARGE},
     * {@code MALFORMED_FRAME}, {@code TOO_MANY_BLOCKS}): answer with {@code code} and {@code message}, then close.
     * The decoder discards all further input. {@code requestId} and {@code opCode} are as read from the header.
     */
    void onProtocolError(int requestId, int opCode, ErrorCode code, String message);
}
