package io.spillway.protocol;

import org.jspecify.annotations.Nullable;

/**
 * Status codes carried on the wire (frame {@code status} field and per-block status), shared by the server, the
 * client and the tiers. Codes are stable: never renumber, only add. See docs/protocol.md.
 */
public enum ErrorCode {
    OK(0, Category.OK, "ok"),
    NOT_FOUND(1, Category.OK, "block not found (miss)"),
    BACK_PRESSURE(2, Category.RETRYABLE, "tier full or demotion behind: retry later"),
    CHECKSUM_MISMATCH(3, Category.CLIENT, "block bytes do not match their CRC32C"),
    BLOCK_TOO_LARGE(4, Category.CLIENT, "block larger than the server's limit"),
    UNKNOWN_NAMESPACE(5, Category.CLIENT, "namespace not registered on this server"),
    MALFORMED_FRAME(6, Category.CLIENT, "frame body does not match its op's layout"),
    BAD_MAGIC(7, Category.CLIENT, "frame does not start with the protocol magic"),
    UNSUPPORTED_VERSION(8, Category.CLIENT, "protocol version not supported"),
    UNKNOWN_OP(9, Category.CLIENT, "unknown op code"),
    FRAME_TOO_LARGE(10, Category.CLIENT, "frame larger than the server's limit"),
    TOO_MANY_BLOCKS(11, Category.CLIENT, "batch holds more blocks than the server's limit"),
    WRONG_NAMESPACE(12, Category.CLIENT, "key stored under another namespace"),
    SHUTTING_DOWN(13, Category.RETRYABLE, "server is shutting down"),
    TIMEOUT(14, Category.RETRYABLE, "request timed out"),
    CONNECTION_LOST(15, Category.RETRYABLE, "connection closed before the reply"),
    BUFFER_TOO_SMALL(16, Category.CLIENT, "caller's buffer is smaller than the block"),
    INTERNAL(17, Category.SERVER, "internal server error"),
    NOT_OWNER(18, Category.RETRYABLE,
        "this node does not own the key's partition: refresh the partition map and send it to the owner"),
    PERMISSION_DENIED(19, Category.CLIENT,
        "the caller's identity may not do this: another tenant's namespace, or a role it does not hold"),
    UNAUTHENTICATED(20, Category.CLIENT, "the connection has not proved who it is (no AUTH frame, or a bad token)"),
    DEADLINE_EXCEEDED(21, Category.RETRYABLE,
        "the request waited in the node's queue longer than its requestDeadlineMs and was not executed: ask a replica"),
    RESOURCE_EXHAUSTED(22, Category.RETRYABLE,
        "the server ran out of direct memory for this request: nothing was kept; retry later or with fewer blocks");

    /** Who is at fault, and whether retrying can help. */
    public enum Category { OK, CLIENT, RETRYABLE, SERVER }

    private static final ErrorCode[] BY_CODE;

    static {
        int max = 0;
        for (ErrorCode c : values()) {
            max = Math.max(max, c.code);
        }
        BY_CODE = new ErrorCode[max + 1];
        for (ErrorCode c : values()) {
            BY_CODE[c.code] = c;
        }
    }

    private final int code;
    private final Category category;
    private final String description;

    ErrorCode(int code, Category category, String description) {
        this.code = code;
        this.category = category;
        this.description = description;
    }

    public int code() {
        return code;
    }

    public Category category() {
        return category;
    }

    public String description() {
        return description;
    }

    /** The code for a wire value, or {@code null} when the value is not a known code. */
    public static @Nullable ErrorCode fromCode(int code) {
        return code >= 0 && code < BY_CODE.length ? BY_CODE[code] : null;
    }
}
