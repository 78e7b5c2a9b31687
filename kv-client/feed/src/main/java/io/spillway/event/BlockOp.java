package io.spillway.event;

/**
 * What a group of keys in a {@link EventType#BLOCKS} message says (docs/events.md). Each is a statement of the
 * node's state when the message was built, not a log of operations: applying the same group twice changes nothing.
 */
public enum BlockOp {
    /** The tier holds these keys. */
    STORED(1),
    /** The tier no longer holds these keys. */
    REMOVED(2),
    /** These keys left {@code tier} and are held by {@code toTier} (a demotion, or a promotion that replaced it). */
    MOVED(3);

    private final int code;

    BlockOp(int code) {
        this.code = code;
    }

    public int code() {
        return code;
    }

    /** The op of a wire value, or {@code null} when unknown. */
    public static BlockOp fromCode(int code) {
        switch (code) {
            case 1:
                return STORED;
            case 2:
                return REMOVED;
            case 3:
                return MOVED;
            default:
                return null;
        }
    }
}
