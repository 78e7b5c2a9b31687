package io.spillway.event;

import io.spillway.tier.TierKind;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import org.agrona.DirectBuffer;

/**
 * Flyweight over one event-feed message (docs/events.md): {@link #wrap} it over the received bytes, {@link #validate}
 * once, then read the header and walk the body without copying. Integers are little-endian; keys are their 16
 * canonical bytes ({@code hi} then {@code lo}, big-endian), as everywhere else in Spillway.
 *
 * <pre>
 *   header (32 bytes): u16 magic "SE" | u8 version | u8 type | u32 frame length
 *                      | u64 session id | u64 sequence | u64 timestamp (ns since the epoch)
 *   BLOCKS body:       groups to the end: u8 op | u8 tier | u8 to-tier (0xFF unless MOVED) | u8 0 | u32 count
 *                      | count keys of 16 bytes
 * </pre>
 */
public final class EventMessage {
    /** Bytes {@code 'S' 'E'} read as a little-endian uint16. */
    public static final int MAGIC = 0x4553;
    public static final int VERSION = 1;

    public static final int MAGIC_OFFSET = 0;
    public static final int VERSION_OFFSET = 2;
    public static final int TYPE_OFFSET = 3;
    public static final int FRAME_LENGTH_OFFSET = 4;
    public static final int SESSION_ID_OFFSET = 8;
    public static final int SEQUENCE_OFFSET = 16;
    public static final int TIMESTAMP_OFFSET = 24;
    public static final int HEADER_LENGTH = 32;

    public static final int GROUP_HEADER_LENGTH = 8;
    public static final int GROUP_OP_OFFSET = 0;
    public static final int GROUP_TIER_OFFSET = 1;
    public static final int GROUP_TO_TIER_OFFSET = 2;
    public static final int GROUP_COUNT_OFFSET = 4;
    public static final int KEY_LENGTH = 16;

    /** The to-tier of a group that is not a move, and the tier of a {@link EventType#CLEARED} for every tier. */
    public static final int NO_TIER = 0xFF;

    /** Longest node id or host name a message may carry, in UTF-8 bytes. */
    public static final int MAX_NAME_BYTES = 1024;

    /** One group of keys in a {@link EventType#BLOCKS} message. */
    @FunctionalInterface
    public interface GroupHandler {
        /**
         * @param toTier the destination of a {@link BlockOp#MOVED}, {@code null} otherwise
         * @param keysOffset where the group's first key starts in {@code buffer}; key {@code i} is at
         *     {@code keysOffset + 16 * i}, readable with {@link #keyHi}/{@link #keyLo}
         */
        void onGroup(BlockOp op, TierKind tier, TierKind toTier, DirectBuffer buffer, int keysOffset, int count);
    }

    private final NodeStatus status = new NodeStatus();
    private DirectBuffer buffer;
    private int offset;
    private int length;

    /** Points the flyweight at {@code length} bytes of {@code buffer} from {@code offset}; checks nothing. */
    public EventMessage wrap(DirectBuffer buffer, int offset, int length) {
        this.buffer = buffer;
        this.offset = offset;
        this.length = length;
        return this;
    }

    public DirectBuffer buffer() {
        return buffer;
    }

    public int offset() {
        return offset;
    }

    public int length() {
        return length;
    }

    /**
     * Checks the whole message: header, type, and the body's layout for its type.
     *
     * @return {@code null} when the message is well formed, else why not (for a log line and a counter)
     */
    public String validate() {
        if (length < HEADER_LENGTH) {
            return "message of " + length + " bytes is shorter than the " + HEADER_LENGTH + "-byte header";
        }
        int magic = buffer.getShort(offset + MAGIC_OFFSET, ByteOrder.LITTLE_ENDIAN) & 0xFFFF;
        if (magic != MAGIC) {
            return "bad magic 0x" + Integer.toHexString(magic) + " (expected 0x" + Integer.toHexString(MAGIC) + ")";
        }
        if (version() != VERSION) {
            return "unsupported version " + version() + " (this reader knows " + VERSION + ")";
        }
        if (frameLength() != length) {
            return "frame length field " + frameLength() + " != message length " + length;
        }
        EventType type = type();
        if (type == null) {
            return "unknown message type " + typeCode();
        }
        switch (type) {
            case BLOCKS:
                return validateBlocks();
            case HEARTBEAT:
            case NODE_JOINED:
                return status.wrap(buffer, offset + HEADER_LENGTH, length - HEADER_LENGTH).validate();
            case NODE_LEFT:
                return validateName(offset + HEADER_LENGTH, offset + length, "node id");
            case CLEARED:
                if (length < HEADER_LENGTH + 1) {
                    return "CLEARED message without its tier byte";
                }
                int tier = clearedTierCode();
                return tier == NO_TIER || validTier(tier) ? null : "CLEARED of unknown tier " + tier;
            default:
                return "unknown message type " + typeCode();
        }
    }

    private String validateBlocks() {
        int at = offset + HEADER_LENGTH;
        int end = offset + length;
        if (at == end) {
            return "BLOCKS message without a group";
        }
        while (at < end) {
            if (end - at < GROUP_HEADER_LENGTH) {
                return "truncated group header at byte " + (at - offset);
            }
            int op = buffer.getByte(at + GROUP_OP_OFFSET) & 0xFF;
            int tier = buffer.getByte(at + GROUP_TIER_OFFSET) & 0xFF;
            int to = buffer.getByte(at + GROUP_TO_TIER_OFFSET) & 0xFF;
            long count = buffer.getInt(at + GROUP_COUNT_OFFSET, ByteOrder.LITTLE_ENDIAN) & 0xFFFF_FFFFL;
            BlockOp blockOp = BlockOp.fromCode(op);
            if (blockOp == null) {
                return "unknown block op " + op + " at byte " + (at - offset);
            }
            if (!validTier(tier)) {
                return "unknown tier " + tier + " at byte " + (at - offset);
            }
            if (blockOp == BlockOp.MOVED ? !validTier(to) || to == tier : to != NO_TIER) {
                return "bad to-tier " + to + " for " + blockOp + " from tier " + tier + " at byte " + (at - offset);
            }
            if (count == 0) {
                return "empty group at byte " + (at - offset);
            }
            long keysBytes = count * KEY_LENGTH;
            if (keysBytes > end - at - GROUP_HEADER_LENGTH) {
                return "group of " + count + " keys at byte " + (at - offset) + " runs past the message end";
            }
            at += GROUP_HEADER_LENGTH + (int) keysBytes;
        }
        return null;
    }

    private String validateName(int at, int end, String what) {
        return nameEnd(buffer, at, end) < 0 ? badName(what) : null;
    }

    /** Where a name ({@code u16} length, then 1..{@link #MAX_NAME_BYTES} bytes) at {@code at} ends, or -1 when bad. */
    static int nameEnd(DirectBuffer buffer, int at, int end) {
        if (end - at < 2) {
            return -1;
        }
        int n = buffer.getShort(at, ByteOrder.LITTLE_ENDIAN) & 0xFFFF;
        return n == 0 || n > MAX_NAME_BYTES || n > end - at - 2 ? -1 : at + 2 + n;
    }

    static String badName(String what) {
        return what + " missing, empty, over " + MAX_NAME_BYTES + " bytes, or past the message end";
    }

    static boolean validTier(int code) {
        return code >= 0 && code < TierKind.values().length;
    }

    public int version() {
        return buffer.getByte(offset + VERSION_OFFSET) & 0xFF;
    }

    public int typeCode() {
        return buffer.getByte(offset + TYPE_OFFSET) & 0xFF;
    }

    /** The message type, or {@code null} when unknown. */
    public EventType type() {
        return EventType.fromCode(typeCode());
    }

    public int frameLength() {
        return buffer.getInt(offset + FRAME_LENGTH_OFFSET, ByteOrder.LITTLE_ENDIAN);
    }

    /** Names one run of a publisher: a node that restarts starts a new session at sequence 1. */
    public long sessionId() {
        return buffer.getLong(offset + SESSION_ID_OFFSET, ByteOrder.LITTLE_ENDIAN);
    }

    /** 1 for the session's first message, one more for each message after it; a skipped number is a gap. */
    public long sequence() {
        return buffer.getLong(offset + SEQUENCE_OFFSET, ByteOrder.LITTLE_ENDIAN);
    }

    /** When the message was built, in nanoseconds since the epoch. */
    public long timestampNanos() {
        return buffer.getLong(offset + TIMESTAMP_OFFSET, ByteOrder.LITTLE_ENDIAN);
    }

    /** Calls {@code handler} for each group of a validated {@link EventType#BLOCKS} message; returns the key count. */
    public int forEachGroup(GroupHandler handler) {
        int at = offset + HEADER_LENGTH;
        int end = offset + length;
        int keys = 0;
        TierKind[] tiers = TierKind.values();
        while (at < end) {
            BlockOp op = BlockOp.fromCode(buffer.getByte(at + GROUP_OP_OFFSET) & 0xFF);
            TierKind tier = tiers[buffer.getByte(at + GROUP_TIER_OFFSET) & 0xFF];
            int to = buffer.getByte(at + GROUP_TO_TIER_OFFSET) & 0xFF;
            int count = buffer.getInt(at + GROUP_COUNT_OFFSET, ByteOrder.LITTLE_ENDIAN);
            handler.onGroup(op, tier, to == NO_TIER ? null : tiers[to], buffer, at + GROUP_HEADER_LENGTH, count);
            keys += count;
            at += GROUP_HEADER_LENGTH + count * KEY_LENGTH;
        }
        return keys;
    }

    /** The body of a validated {@link EventType#HEARTBEAT} or {@link EventType#NODE_JOINED} message. */
    public NodeStatus status() {
        return status.wrap(buffer, offset + HEADER_LENGTH, length - HEADER_LENGTH);
    }

    /** The node id of a validated {@link EventType#NODE_LEFT} message. */
    public String leftNodeId() {
        return readName(buffer, offset + HEADER_LENGTH);
    }

    /** The tier of a validated {@link EventType#CLEARED} message, or {@code null} for every tier. */
    public TierKind clearedTier() {
        int code = clearedTierCode();
        return code == NO_TIER ? null : TierKind.values()[code];
    }

    private int clearedTierCode() {
        return buffer.getByte(offset + HEADER_LENGTH) & 0xFF;
    }

    /** The {@code hi} half of the key at {@code keyOffset}. */
    public static long keyHi(DirectBuffer buffer, int keyOffset) {
        return buffer.getLong(keyOffset, ByteOrder.BIG_ENDIAN);
    }

    /** The {@code lo} half of the key at {@code keyOffset}. */
    public static long keyLo(DirectBuffer buffer, int keyOffset) {
        return buffer.getLong(keyOffset + 8, ByteOrder.BIG_ENDIAN);
    }

    static String readName(DirectBuffer buffer, int at) {
        int n = buffer.getShort(at, ByteOrder.LITTLE_ENDIAN) & 0xFFFF;
        byte[] bytes = new byte[n];
        buffer.getBytes(at + 2, bytes);
        return new String(bytes, StandardCharsets.UTF_8);
    }

    @Override
    public String toString() {
        return "EventMessage(" + type() + " session=" + Long.toHexString(sessionId()) + " seq=" + sequence()
            + " length=" + length + ")";
    }
}
