package io.spillway.event;

/** The kinds of event-feed message (docs/events.md); the code is the wire value. Codes are stable: only add. */
public enum EventType {
    /** Groups of keys stored in, removed from, or moved between the node's tiers. */
    BLOCKS(1),
    /** The node's identity, where to ask for a snapshot, and its load; sent every heartbeat interval. */
    HEARTBEAT(2),
    /** The first message of a session: a node (re)started; body as {@link #HEARTBEAT}. */
    NODE_JOINED(3),
    /** The last message of a session: the node leaves; its blocks are gone from every index. */
    NODE_LEFT(4),
    /** Every block of one tier (or of all tiers) of the node is gone. */
    CLEARED(5);

    private static final EventType[] BY_CODE = new EventType[6];

    static {
        for (EventType t : values()) {
            BY_CODE[t.code] = t;
        }
    }

    private final int code;

    EventType(int code) {
        this.code = code;
    }

    public int code() {
        return code;
    }

    /** The type of a wire value, or {@code null} when unknown. */
    public static EventType fromCode(int code) {
        return code >= 0 && code < BY_CODE.length ? BY_CODE[code] : null;
    }
}
