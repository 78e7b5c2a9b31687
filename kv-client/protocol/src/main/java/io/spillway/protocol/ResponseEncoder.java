package io.spillway.protocol;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufUtil;
import io.spillway.tier.TierKind;

/**
 * Writes response frames (docs/protocol.md). A GET_BATCH response is written in pieces so that block bytes can
 * follow as their own buffers: {@link #writeGetBatchStart}, then per entry {@link #writeGetEntryHeader} followed
 * by the block's bytes (none for a miss).
 */
public final class ResponseEncoder {
    private ResponseEncoder() {
    }

    /** A PUT_BATCH response with {@code statuses[0 .. count)}, without a topology trailer. */
    public static void writePutBatch(ByteBuf out, int requestId, ErrorCode[] statuses, int count) {
        writePutBatch(out, requestId, statuses, count, -1);
    }

    /**
     * A PUT_BATCH response with {@code statuses[0 .. count)}, ending with the topology trailer when
     * {@code topologyVersion >= 0}.
     */
    public static void writePutBatch(ByteBuf out, int requestId, ErrorCode[] statuses, int count,
                                     long topologyVersion) {
        FrameHeader.write(out, OpCode.PUT_BATCH.code(), FrameHeader.responseFlags(topologyVersion), ErrorCode.OK,
            requestId, BodyLayout.putBatchResponseBodyLength(count) + trailerLength(topologyVersion));
        out.writeIntLE(count);
        for (int i = 0; i < count; i++) {
            out.writeShortLE(statuses[i].code());
        }
        if (topologyVersion >= 0) {
            writeTopologyTrailer(out, topologyVersion);
        }
    }

    /** Header and count of a GET_BATCH response whose hit blocks total {@code totalBlockBytes}. */
    public static void writeGetBatchStart(ByteBuf out, int requestId, int count, long totalBlockBytes) {
        writeGetBatchStart(out, requestId, count, totalBlockBytes, -1);
    }

    /**
     * Header and count of a GET_BATCH response; when {@code topologyVersion >= 0} the header announces a topology
     * trailer, which the caller writes after the last entry with {@link #writeTopologyTrailer}.
     */
    public static void writeGetBatchStart(ByteBuf out, int requestId, int count, long totalBlockBytes,
                                          long topologyVersion) {
        FrameHeader.write(out, OpCode.GET_BATCH.code(), FrameHeader.responseFlags(topologyVersion), ErrorCode.OK,
            requestId, BodyLayout.getBatchResponseBodyLength(count, totalBlockBytes) + trailerLength(topologyVersion));
        out.writeIntLE(count);
    }

    /** The 8-byte topology trailer that ends a response whose header has {@link FrameHeader#FLAG_TOPOLOGY}. */
    public static void writeTopologyTrailer(ByteBuf out, long topologyVersion) {
        if (topologyVersion < 0) {
            throw new IllegalArgumentException("topology version must be >= 0, got " + topologyVersion);
        }
        out.writeLongLE(topologyVersion);
    }

    private static int trailerLength(long topologyVersion) {
        return topologyVersion >= 0 ? FrameHeader.TOPOLOGY_TRAILER_LENGTH : 0;
    }

    /** The 12 bytes before a hit's bytes. */
    public static void writeGetEntryHeader(ByteBuf out, TierKind tier, int length, int crc32c) {
        out.writeShortLE(ErrorCode.OK.code());
        out.writeByte(tier.ordinal());
        out.writeByte(0);
        out.writeIntLE(length);
        out.writeIntLE(crc32c);
    }

    /** The entry of a key that is not answered with bytes: {@code NOT_FOUND} or {@code INTERNAL}. */
    public static void writeGetMiss(ByteBuf out, ErrorCode status) {
        if (status == ErrorCode.OK) {
            throw new IllegalArgumentException("a miss cannot have status OK");
        }
        out.writeShortLE(status.code());
        out.writeByte(0);
        out.writeByte(0);
        out.writeIntLE(0);
        out.writeIntLE(0);
    }

    /** A LOOKUP_PREFIX response with tiers {@code [0 .. tierCount)}. */
    public static void writeLookupPrefix(ByteBuf out, int requestId, int prefixLength, TierKind[] tiers,
                                         int[] longestRun, int[] blocksInPrefix, int tierCount) {
        if (tierCount < 0 || tierCount > 0xFF) {
            throw new IllegalArgumentException("tier count must fit a byte, got " + tierCount);
        }
        FrameHeader.writeResponse(out, OpCode.LOOKUP_PREFIX.code(), ErrorCode.OK, requestId,
            BodyLayout.lookupResponseBodyLength(tierCount));
        out.writeIntLE(prefixLength);
        out.writeByte(tierCount);
        for (int i = 0; i < tierCount; i++) {
            out.writeByte(tiers[i].ordinal());
            out.writeIntLE(longestRun[i]);
            out.writeIntLE(blocksInPrefix[i]);
        }
    }

    public static void writePong(ByteBuf out, int requestId) {
        FrameHeader.writeResponse(out, OpCode.PING.code(), ErrorCode.OK, requestId, 0);
    }

    /** The answer to an AUTH whose token was accepted: empty body. */
    public static void writeAuthOk(ByteBuf out, int requestId) {
        FrameHeader.writeResponse(out, OpCode.AUTH.code(), ErrorCode.OK, requestId, 0);
    }

    /**
     * A request-level failure: status {@code code} and a UTF-8 message, cut to 65535 bytes. {@code opCode} is the
     * request's raw op byte (echoed even when unknown).
     */
    public static void writeError(ByteBuf out, int opCode, int requestId, ErrorCode code, String message) {
        if (code == ErrorCode.OK) {
            throw new IllegalArgumentException("an error response cannot have status OK");
        }
        String text = message == null ? code.description() : message;
        int utf8 = ByteBufUtil.utf8Bytes(text);
        while (utf8 > BodyLayout.MAX_ERROR_MESSAGE_BYTES) {
            text = text.substring(0, text.length() / 2);
            utf8 = ByteBufUtil.utf8Bytes(text);
        }
        FrameHeader.writeResponse(out, opCode, code, requestId, BodyLayout.ERROR_MESSAGE_LENGTH_LENGTH + utf8);
        out.writeShortLE(utf8);
        ByteBufUtil.writeUtf8(out, text);
    }
}
