package io.spillway.event;

import io.spillway.tier.TierKind;
import java.nio.ByteOrder;
import java.util.ArrayList;
import java.util.List;
import org.agrona.DirectBuffer;

/**
 * Flyweight over the body of a {@link EventType#HEARTBEAT} or {@link EventType#NODE_JOINED} message: who the node
 * is, where its control plane answers snapshot requests, and its load. A fixed block (its length first, so a later
 * version can append fields a v1 reader skips), the tiers (entry length given), then two names.
 *
 * <pre>
 *   0  u16 fixed length (36 in v1)   2  u16 control port        4  u32 heartbeat interval (ms)
 *   8  u64 ops per second            16 u32 requests in flight  20 u32 demotion queue depth
 *   24 u32 tier executor queue depth 28 u32 event keys waiting  32 u8 tier count  33 u8 0
 *   34 u16 tier entry length (32 in v1)
 *   tiers: u8 tier | 7 bytes 0 | u64 bytes | u64 blocks | u64 capacity bytes
 *   u16 length | node id (UTF-8);  u16 length | control host (UTF-8)
 * </pre>
 */
public final class NodeStatus {
    public static final int FIXED_LENGTH = 36;
    public static final int TIER_ENTRY_LENGTH = 32;

    static final int FIXED_LENGTH_OFFSET = 0;
    static final int CONTROL_PORT_OFFSET = 2;
    static final int HEARTBEAT_INTERVAL_OFFSET = 4;
    static final int OPS_PER_SECOND_OFFSET = 8;
    static final int IN_FLIGHT_OFFSET = 16;
    static final int DEMOTION_QUEUE_OFFSET = 20;
    static final int TIER_QUEUE_OFFSET = 24;
    static final int PENDING_EVENT_KEYS_OFFSET = 28;
    static final int TIER_COUNT_OFFSET = 32;
    static final int TIER_ENTRY_LENGTH_OFFSET = 34;

    static final int TIER_KIND_OFFSET = 0;
    static final int TIER_BYTES_OFFSET = 8;
    static final int TIER_BLOCKS_OFFSET = 16;
    static final int TIER_CAPACITY_OFFSET = 24;

    private DirectBuffer buffer;
    private int offset;
    private int length;

    NodeStatus wrap(DirectBuffer buffer, int offset, int length) {
        this.buffer = buffer;
        this.offset = offset;
        this.length = length;
        return this;
    }

    /** Why the body is malformed, or {@code null}. */
    String validate() {
        if (length < FIXED_LENGTH) {
            return "node status of " + length + " bytes is shorter than its " + FIXED_LENGTH + "-byte fixed block";
        }
        int fixed = u16(FIXED_LENGTH_OFFSET);
        int entry = u16(TIER_ENTRY_LENGTH_OFFSET);
        if (fixed < FIXED_LENGTH || fixed > length) {
            return "node status fixed length " + fixed + " outside " + FIXED_LENGTH + ".." + length;
        }
        if (entry < TIER_ENTRY_LENGTH) {
            return "node status tier entry length " + entry + " < " + TIER_ENTRY_LENGTH;
        }
        long tiersEnd = (long) fixed + (long) tierCount() * entry;
        if (tiersEnd > length) {
            return "node status tiers run past the message end";
        }
        for (int i = 0; i < tierCount(); i++) {
            int kind = buffer.getByte(tierAt(i) + TIER_KIND_OFFSET) & 0xFF;
            if (!EventMessage.validTier(kind)) {
                return "node status names unknown tier " + kind;
            }
        }
        int at = offset + (int) tiersEnd;
        int end = offset + length;
        for (String what : new String[] {"node id", "control host"}) {
            at = EventMessage.nameEnd(buffer, at, end);
            if (at < 0) {
                return EventMessage.badName(what);
            }
        }
        return null;
    }

    public int controlPort() {
        return u16(CONTROL_PORT_OFFSET);
    }

    public int heartbeatIntervalMillis() {
        return buffer.getInt(offset + HEARTBEAT_INTERVAL_OFFSET, ByteOrder.LITTLE_ENDIAN);
    }

    /** Data-plane requests per second over the last heartbeat interval. */
    public long opsPerSecond() {
        return buffer.getLong(offset + OPS_PER_SECOND_OFFSET, ByteOrder.LITTLE_ENDIAN);
    }

    public int inFlightRequests() {
        return buffer.getInt(offset + IN_FLIGHT_OFFSET, ByteOrder.LITTLE_ENDIAN);
    }

    public int demotionQueueDepth() {
        return buffer.getInt(offset + DEMOTION_QUEUE_OFFSET, ByteOrder.LITTLE_ENDIAN);
    }

    public int tierQueueDepth() {
        return buffer.getInt(offset + TIER_QUEUE_OFFSET, ByteOrder.LITTLE_ENDIAN);
    }

    /** Keys whose change the publisher has seen but not yet published. */
    public int pendingEventKeys() {
        return buffer.getInt(offset + PENDING_EVENT_KEYS_OFFSET, ByteOrder.LITTLE_ENDIAN);
    }

    public int tierCount() {
        return buffer.getByte(offset + TIER_COUNT_OFFSET) & 0xFF;
    }

    public TierKind tier(int i) {
        return TierKind.values()[buffer.getByte(tierAt(i) + TIER_KIND_OFFSET) & 0xFF];
    }

    public long tierBytes(int i) {
        return buffer.getLong(tierAt(i) + TIER_BYTES_OFFSET, ByteOrder.LITTLE_ENDIAN);
    }

    public long tierBlocks(int i) {
        return buffer.getLong(tierAt(i) + TIER_BLOCKS_OFFSET, ByteOrder.LITTLE_ENDIAN);
    }

    public long tierCapacityBytes(int i) {
        return buffer.getLong(tierAt(i) + TIER_CAPACITY_OFFSET, ByteOrder.LITTLE_ENDIAN);
    }

    public String nodeId() {
        return EventMessage.readName(buffer, namesAt());
    }

    public String controlHost() {
        int at = namesAt();
        return EventMessage.readName(buffer, at + 2 + (buffer.getShort(at, ByteOrder.LITTLE_ENDIAN) & 0xFFFF));
    }

    /** The whole status as a value (allocates; once per heartbeat). */
    public NodeLoad toLoad() {
        List<NodeLoad.TierLoad> tiers = new ArrayList<>(tierCount());
        for (int i = 0; i < tierCount(); i++) {
            tiers.add(new NodeLoad.TierLoad(tier(i), tierBytes(i), tierBlocks(i), tierCapacityBytes(i)));
        }
        return new NodeLoad(nodeId(), controlHost(), controlPort(), heartbeatIntervalMillis(), opsPerSecond(),
            inFlightRequests(), demotionQueueDepth(), tierQueueDepth(), pendingEventKeys(), tiers);
    }

    private int namesAt() {
        return offset + u16(FIXED_LENGTH_OFFSET) + tierCount() * u16(TIER_ENTRY_LENGTH_OFFSET);
    }

    private int tierAt(int i) {
        return offset + u16(FIXED_LENGTH_OFFSET) + i * u16(TIER_ENTRY_LENGTH_OFFSET);
    }

    private int u16(int field) {
        return buffer.getShort(offset + field, ByteOrder.LITTLE_ENDIAN) & 0xFFFF;
    }
}
