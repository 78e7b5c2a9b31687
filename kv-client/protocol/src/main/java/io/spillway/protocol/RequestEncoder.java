package io.spillway.protocol;

import io.netty.buffer.ByteBuf;
import io.spillway.key.BlockKey;

/**
 * Writes request frames (docs/protocol.md, "Ops"). A PUT_BATCH is written in pieces so that block bytes can follow
 * as their own (wrapped, not copied) buffers: {@link #writePutBatchStart}, then per block
 * {@link #writePutBlockHeader} followed by the block's bytes.
 */
public final class RequestEncoder {
    private RequestEncoder() {
    }

    /** Header, namespace id and count of a PUT_BATCH whose blocks total {@code totalBlockBytes}. */
    public static void writePutBatchStart(ByteBuf out, int requestId, BlockKey namespace, int count,
                                          long totalBlockBytes) {
        writePutBatchStart(out, 0, requestId, namespace, count, totalBlockBytes);
    }

    /** As {@link #writePutBatchStart(ByteBuf, int, BlockKey, int, long)}, with request {@code flags} (0 or stand-in). */
    public static void writePutBatchStart(ByteBuf out, int flags, int requestId, BlockKey namespace, int count,
                                          long totalBlockBytes) {
        requireCount(count);
        FrameHeader.writeRequest(out, OpCode.PUT_BATCH, flags, requestId,
            BodyLayout.putBatchRequestBodyLength(count, totalBlockBytes));
        BodyLayout.writeKey(out, namespace);
        out.writeIntLE(count);
    }

    /** The 24 bytes before a block's bytes: key, length, CRC32C. */
    public static void writePutBlockHeader(ByteBuf out, BlockKey key, int length, int crc32c) {
        BodyLayout.writeKey(out, key);
        out.writeIntLE(length);
        out.writeIntLE(crc32c);
    }

    public static void writeGetBatch(ByteBuf out, int requestId, BlockKey namespace, BlockKey[] keys) {
        writeKeys(out, OpCode.GET_BATCH, 0, requestId, namespace, keys);
    }

    /** A GET_BATCH with request {@code flags} (0 or {@link FrameHeader#FLAG_STAND_IN}). */
    public static void writeGetBatch(ByteBuf out, int flags, int requestId, BlockKey namespace, BlockKey[] keys) {
        writeKeys(out, OpCode.GET_BATCH, flags, requestId, namespace, keys);
    }

    /** {@code keys} in chain order. */
    public static void writeLookupPrefix(ByteBuf out, int requestId, BlockKey namespace, BlockKey[] keys) {
        writeKeys(out, OpCode.LOOKUP_PREFIX, 0, requestId, namespace, keys);
    }

    public static void writePing(ByteBuf out, int requestId) {
        FrameHeader.writeRequest(out, OpCode.PING, requestId, 0);
    }

    /** An AUTH frame carrying {@code token} (1 to {@link OpCode#MAX_AUTH_BYTES} bytes). */
    public static void writeAuth(ByteBuf out, int requestId, byte[] token) {
        if (token.length < 1 || token.length > OpCode.MAX_AUTH_BYTES) {
            throw new IllegalArgumentException("an AUTH token has 1 to " + OpCode.MAX_AUTH_BYTES + " bytes, got "
                + token.length);
        }
        FrameHeader.writeRequest(out, OpCode.AUTH, requestId, token.length);
        out.writeBytes(token);
    }

    /** Bytes {@link #writeGetBatch} and {@link #writeLookupPrefix} write, header included. */
    public static int keysFrameLength(int count) {
        return FrameHeader.LENGTH + (int) BodyLayout.keysRequestBodyLength(count);
    }

    private static void writeKeys(ByteBuf out, OpCode op, int flags, int requestId, BlockKey namespace,
                                  BlockKey[] keys) {
        requireCount(keys.length);
        FrameHeader.writeRequest(out, op, flags, requestId, BodyLayout.keysRequestBodyLength(keys.length));
        BodyLayout.writeKey(out, namespace);
        out.writeIntLE(keys.length);
        for (BlockKey key : keys) {
            BodyLayout.writeKey(out, key);
        }
    }

    private static void requireCount(int count) {
        if (count <= 0) {
            throw new IllegalArgumentException("a batch needs at least one block, got " + count);
        }
    }
}
