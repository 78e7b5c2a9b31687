package io.spillway.event;

import io.spillway.tier.TierKind;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import org.agrona.MutableDirectBuffer;

/**
 * Writes event-feed messages (docs/events.md) into a buffer the caller owns, such as an Aeron claim: {@link #wrap},
 * {@link #header}, the body, then {@link #finish} for the length. Reused across messages; allocates nothing on the
 * {@link EventType#BLOCKS} path.
 *
 * <pre>{@code
 * int length = encoder.wrap(buffer, 0, capacity).header(EventType.BLOCKS, session, seq, now)
 *     .beginGroup(BlockOp.STORED, TierKind.CPU, null).key(hi, lo).finish();
 * }</pre>
 */
public final class EventEncoder {
    private MutableDirectBuffer buffer;
    private int offset;
    private int limit;
    private int position;
    private int groupAt = -1;
    private int groupCount;

    /** Points the encoder at {@code capacity} bytes of {@code buffer} from {@code offset}. */
    public EventEncoder wrap(MutableDirectBuffer buffer, int offset, int capacity) {
        if (capacity < EventMessage.HEADER_LENGTH) {
            throw new IllegalArgumentException("capacity " + capacity + " < header " + EventMessage.HEADER_LENGTH);
        }
        this.buffer = buffer;
        this.offset = offset;
        this.limit = offset + capacity;
        this.position = offset;
        this.groupAt = -1;
        return this;
    }

    /** Writes the header (its frame length comes with {@link #finish}) and starts an empty body. */
    public EventEncoder header(EventType type, long sessionId, long sequence, long timestampNanos) {
        buffer.putShort(offset + EventMessage.MAGIC_OFFSET, (short) EventMessage.MAGIC, ByteOrder.LITTLE_ENDIAN);
        buffer.putByte(offset + EventMessage.VERSION_OFFSET, (byte) EventMessage.VERSION);
        buffer.putByte(offset + EventMessage.TYPE_OFFSET, (byte) type.code());
        buffer.putLong(offset + EventMessage.SESSION_ID_OFFSET, sessionId, ByteOrder.LITTLE_ENDIAN);
        buffer.putLong(offset + EventMessage.SEQUENCE_OFFSET, sequence, ByteOrder.LITTLE_ENDIAN);
        buffer.putLong(offset + EventMessage.TIMESTAMP_OFFSET, timestampNanos, ByteOrder.LITTLE_ENDIAN);
        position = offset + EventMessage.HEADER_LENGTH;
        groupAt = -1;
        return this;
    }

    /** Keys of one group that still fit, were a new group started now. */
    public static int keysThatFit(int bytes) {
        return Math.max(0, (bytes - EventMessage.GROUP_HEADER_LENGTH) / EventMessage.KEY_LENGTH);
    }

    /** Bytes left in the buffer after what is written so far. */
    public int remaining() {
        return limit - position;
    }

    /**
     * Starts a group of a {@link EventType#BLOCKS} message; keys follow with {@link #key}.
     *
     * @param toTier the destination of a {@link BlockOp#MOVED}; must be {@code null} for the other ops
     */
    public EventEncoder beginGroup(BlockOp op, TierKind tier, TierKind toTier) {
        if ((op == BlockOp.MOVED) != (toTier != null) || tier == toTier) {
            throw new IllegalArgumentException("a " + op + " group from " + tier + " cannot name to-tier " + toTier);
        }
        require(EventMessage.GROUP_HEADER_LENGTH + EventMessage.KEY_LENGTH);
        groupAt = position;
        groupCount = 0;
        buffer.putByte(position + EventMessage.GROUP_OP_OFFSET, (byte) op.code());
        buffer.putByte(position + EventMessage.GROUP_TIER_OFFSET, (byte) tier.ordinal());
        buffer.putByte(position + EventMessage.GROUP_TO_TIER_OFFSET,
            (byte) (toTier == null ? EventMessage.NO_TIER : toTier.ordinal()));
        buffer.putByte(position + 3, (byte) 0);
        buffer.putInt(position + EventMessage.GROUP_COUNT_OFFSET, 0, ByteOrder.LITTLE_ENDIAN);
        position += EventMessage.GROUP_HEADER_LENGTH;
        return this;
    }

    /** Appends a key to the current group. */
    public EventEncoder key(long hi, long lo) {
        if (groupAt < 0) {
            throw new IllegalStateException("key() before beginGroup()");
        }
        require(EventMessage.KEY_LENGTH);
        buffer.putLong(position, hi, ByteOrder.BIG_ENDIAN);
        buffer.putLong(position + 8, lo, ByteOrder.BIG_ENDIAN);
        position += EventMessage.KEY_LENGTH;
        buffer.putInt(groupAt + EventMessage.GROUP_COUNT_OFFSET, ++groupCount, ByteOrder.LITTLE_ENDIAN);
        return this;
    }

    /** The body of a {@link EventType#HEARTBEAT} or {@link EventType#NODE_JOINED} message. */
    public EventEncoder status(NodeLoad load) {
        byte[] node = name(load.nodeId(), "node id");
        byte[] host = name(load.controlHost(), "control host");
        int tiers = load.tiers().size();
        require(NodeStatus.FIXED_LENGTH + tiers * NodeStatus.TIER_ENTRY_LENGTH + 4 + node.length + host.length);
        int at = position;
        buffer.setMemory(at, NodeStatus.FIXED_LENGTH + tiers * NodeStatus.TIER_ENTRY_LENGTH, (byte) 0);
        buffer.putShort(at + NodeStatus.FIXED_LENGTH_OFFSET, (short) NodeStatus.FIXED_LENGTH, ByteOrder.LITTLE_ENDIAN);
        buffer.putShort(at + NodeStatus.CONTROL_PORT_OFFSET, (short) load.controlPort(), ByteOrder.LITTLE_ENDIAN);
        buffer.putInt(at + NodeStatus.HEARTBEAT_INTERVAL_OFFSET, load.heartbeatIntervalMillis(),
            ByteOrder.LITTLE_ENDIAN);
        buffer.putLong(at + NodeStatus.OPS_PER_SECOND_OFFSET, load.opsPerSecond(), ByteOrder.LITTLE_ENDIAN);
        buffer.putInt(at + NodeStatus.IN_FLIGHT_OFFSET, load.inFlightRequests(), ByteOrder.LITTLE_ENDIAN);
        buffer.putInt(at + NodeStatus.DEMOTION_QUEUE_OFFSET, load.demotionQueueDepth(), ByteOrder.LITTLE_ENDIAN);
        buffer.putInt(at + NodeStatus.TIER_QUEUE_OFFSET, load.tierQueueDepth(), ByteOrder.LITTLE_ENDIAN);
        buffer.putInt(at + NodeStatus.PENDING_EVENT_KEYS_OFFSET, load.pendingEventKeys(), ByteOrder.LITTLE_ENDIAN);
        buffer.putByte(at + NodeStatus.TIER_COUNT_OFFSET, (byte) tiers);
        buffer.putShort(at + NodeStatus.TIER_ENTRY_LENGTH_OFFSET, (short) NodeStatus.TIER_ENTRY_LENGTH,
            ByteOrder.LITTLE_ENDIAN);
        at += NodeStatus.FIXED_LENGTH;
        for (NodeLoad.TierLoad t : load.tiers()) {
            buffer.putByte(at + NodeStatus.TIER_KIND_OFFSET, (byte) t.tier().ordinal());
            buffer.putLong(at + NodeStatus.TIER_BYTES_OFFSET, t.bytes(), ByteOrder.LITTLE_ENDIAN);
            buffer.putLong(at + NodeStatus.TIER_BLOCKS_OFFSET, t.blocks(), ByteOrder.LITTLE_ENDIAN);
            buffer.putLong(at + NodeStatus.TIER_CAPACITY_OFFSET, t.capacityBytes(), ByteOrder.LITTLE_ENDIAN);
            at += NodeStatus.TIER_ENTRY_LENGTH;
        }
        position = putName(putName(at, node), host);
        return this;
    }

    /** The body of a {@link EventType#NODE_LEFT} message. */
    public EventEncoder nodeLeft(String nodeId) {
        byte[] node = name(nodeId, "node id");
        require(2 + node.length);
        position = putName(position, node);
        return this;
    }

    /** The body of a {@link EventType#CLEARED} message: one tier, or {@code null} for every tier. */
    public EventEncoder cleared(TierKind tier) {
        require(1);
        buffer.putByte(position, (byte) (tier == null ? EventMessage.NO_TIER : tier.ordinal()));
        position += 1;
        return this;
    }

    /** Writes the frame length and returns it: the bytes to publish from the wrapped offset. */
    public int finish() {
        int length = position - offset;
        buffer.putInt(offset + EventMessage.FRAME_LENGTH_OFFSET, length, ByteOrder.LITTLE_ENDIAN);
        return length;
    }

    private int putName(int at, byte[] bytes) {
        buffer.putShort(at, (short) bytes.length, ByteOrder.LITTLE_ENDIAN);
        buffer.putBytes(at + 2, bytes);
        return at + 2 + bytes.length;
    }

    private static byte[] name(String value, String what) {
        byte[] bytes = value == null ? new byte[0] : value.getBytes(StandardCharsets.UTF_8);
        if (bytes.length == 0 || bytes.length > EventMessage.MAX_NAME_BYTES) {
            throw new IllegalArgumentException(what + " '" + value + "' must have 1.." + EventMessage.MAX_NAME_BYTES
                + " UTF-8 bytes");
        }
        return bytes;
    }

    private void require(int bytes) {
        if (limit - position < bytes) {
            throw new IllegalStateException("event message needs " + bytes + " more bytes, " + (limit - position)
                + " left of " + (limit - offset));
        }
    }
}
