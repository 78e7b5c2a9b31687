package io.spillway.protocol;

import io.netty.buffer.ByteBuf;
import org.jspecify.annotations.Nullable;

/**
 * Flyweight over the 16-byte frame header (docs/protocol.md, "Frame"); all integers little-endian.
 * {@link #wrap(ByteBuf, int)} reads in place without moving indexes; {@link #write} appends a header.
 */
public final class FrameHeader {
    public static final int LENGTH = 16;
    public static final int MAGIC_OFFSET = 0;
    public static final int VERSION_OFFSET = 2;
    public static final int OP_OFFSET = 3;
    public static final int FLAGS_OFFSET = 4;
    public static final int STATUS_OFFSET = 6;
    public static final int REQUEST_ID_OFFSET = 8;
    public static final int BODY_LENGTH_OFFSET = 12;

    /** Bytes {@code 'S' 'W'} read as a little-endian uint16. */
    public static final int MAGIC = 0x5753;
    public static final int VERSION = 1;
    public static final int FLAG_RESPONSE = 0x1;
    /**
     * On a PUT_BATCH or GET_BATCH response: the body ends with the 8-byte topology version (uint64 LE) of the
     * node's partition map, so a client learns that its map is stale (docs/protocol.md, "Topology trailer").
     */
    public static final int FLAG_TOPOLOGY = 0x2;
    /** Length of the topology trailer. */
    public static final int TOPOLOGY_TRAILER_LENGTH = 8;
    /**
     * On a PUT_BATCH or GET_BATCH request: the client asks this node as a stand-in for an owner it suspects of being
     * slow, so the node also takes keys of which it is a stand-in ({@code PartitionMap#standsIn}), not only keys it
     * owns (docs/protocol.md, "Stand-in requests"; docs/cluster-client.md, "Slow and hung nodes").
     */
    public static final int FLAG_STAND_IN = 0x4;
    public static final int KNOWN_FLAGS = FLAG_RESPONSE | FLAG_TOPOLOGY | FLAG_STAND_IN;

    /** The flags of a response frame: {@link #FLAG_RESPONSE}, plus {@link #FLAG_TOPOLOGY} when versioned. */
    public static int responseFlags(long topologyVersion) {
        return topologyVersion >= 0 ? FLAG_RESPONSE | FLAG_TOPOLOGY : FLAG_RESPONSE;
    }

    @SuppressWarnings("NullAway.Init") // a flyweight: wrap() comes before every read
    private ByteBuf buffer;
    private int offset;

    public FrameHeader wrap(ByteBuf buffer, int offset) {
        this.buffer = buffer;
        this.offset = offset;
        return this;
    }

    public int magic() {
        return buffer.getUnsignedShortLE(offset + MAGIC_OFFSET);
    }

    public int version() {
        return buffer.getUnsignedByte(offset + VERSION_OFFSET);
    }

    /** The raw op byte; {@link #op()} maps it. */
    public int opCode() {
        return buffer.getUnsignedByte(offset + OP_OFFSET);
    }

    /** The op, or {@code null} when the op byte is unknown. */
    public @Nullable OpCode op() {
        return OpCode.fromCode(opCode());
    }

    public int flags() {
        return buffer.getUnsignedShortLE(offset + FLAGS_OFFSET);
    }

    public boolean isResponse() {
        return (flags() & FLAG_RESPONSE) != 0;
    }

    /** The raw status value; {@link #status()} maps it. */
    public int statusCode() {
        return buffer.getUnsignedShortLE(offset + STATUS_OFFSET);
    }

    /** The status, or {@code null} when the value is not a known {@link ErrorCode}. */
    public @Nullable ErrorCode status() {
        return ErrorCode.fromCode(statusCode());
    }

    /** The request id, a uint32 carried in an int. */
    public int requestId() {
        return buffer.getIntLE(offset + REQUEST_ID_OFFSET);
    }

    public long bodyLength() {
        return buffer.getUnsignedIntLE(offset + BODY_LENGTH_OFFSET);
    }

    /**
     * Checks the fields every frame must satisfy, in the order the spec lists them: {@code BAD_MAGIC},
     * {@code UNSUPPORTED_VERSION}, {@code MALFORMED_FRAME} (unknown flag bits), {@code FRAME_TOO_LARGE},
     * {@code UNKNOWN_OP}; {@code OK} when the header is good. Direction-specific checks are the decoders'.
     */
    public ErrorCode validate(ProtocolLimits limits) {
        if (magic() != MAGIC) {
            return ErrorCode.BAD_MAGIC;
        }
        if (version() != VERSION) {
            return ErrorCode.UNSUPPORTED_VERSION;
        }
        if ((flags() & ~KNOWN_FLAGS) != 0) {
            return ErrorCode.MALFORMED_FRAME;
        }
        if (bodyLength() > limits.maxFrameBytes()) {
            return ErrorCode.FRAME_TOO_LARGE;
        }
        if (op() == null) {
            return ErrorCode.UNKNOWN_OP;
        }
        return ErrorCode.OK;
    }

    /** A message for a {@link #validate} failure that names the offending values. */
    public String explain(ErrorCode code, ProtocolLimits limits) {
        return switch (code) {
            case BAD_MAGIC -> String.format("bad magic 0x%04x, expected 0x%04x ('SW')", magic(), MAGIC);
            case UNSUPPORTED_VERSION -> "unsupported version " + version() + ", expected " + VERSION;
            case MALFORMED_FRAME -> String.format("unknown flag bits 0x%04x", flags() & ~KNOWN_FLAGS);
            case FRAME_TOO_LARGE -> "body length " + bodyLength() + " over the limit " + limits.maxFrameBytes();
            case UNKNOWN_OP -> String.format("unknown op 0x%02x", opCode());
            default -> code.description();
        };
    }

    /** Appends a header at the writer index. */
    /** A request header carrying {@code flags} (only {@link #FLAG_STAND_IN}, on PUT_BATCH and GET_BATCH). */
    public static void writeRequest(ByteBuf out, OpCode op, int flags, int requestId, long bodyLength) {
        write(out, op.code(), flags, ErrorCode.OK, requestId, bodyLength);
    }

    public static void write(ByteBuf out, int opCode, int flags, ErrorCode status, int requestId, long bodyLength) {
        if (bodyLength < 0 || bodyLength > ProtocolLimits.WIRE_MAX_FRAME_BYTES) {
            throw new IllegalArgumentException("body length must fit a uint32, got " + bodyLength);
        }
        out.writeShortLE(MAGIC);
        out.writeByte(VERSION);
        out.writeByte(opCode);
        out.writeShortLE(flags);
        out.writeShortLE(status.code());
        out.writeIntLE(requestId);
        out.writeIntLE((int) bodyLength);
    }

    public static void writeRequest(ByteBuf out, OpCode op, int requestId, long bodyLength) {
        write(out, op.code(), 0, ErrorCode.OK, requestId, bodyLength);
    }

    public static void writeResponse(ByteBuf out, int opCode, ErrorCode status, int requestId, long bodyLength) {
        write(out, opCode, FLAG_RESPONSE, status, requestId, bodyLength);
    }

    @Override
    public String toString() {
        return buffer == null ? "FrameHeader{unwrapped}" : String.format(
            "FrameHeader{magic=0x%04x, version=%d, op=0x%02x, flags=0x%04x, status=%d, requestId=%d, body=%d}",
            magic(), version(), opCode(), flags(), statusCode(), Integer.toUnsignedLong(requestId()), bodyLength());
    }
}
