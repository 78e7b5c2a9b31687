package io.spillway.protocol;

/**
 * Size limits a decoder enforces on frames (docs/protocol.md, "Limits"). Immutable; the constructor rejects
 * values that cannot work together, naming them.
 */
public final class ProtocolLimits {
    public static final int DEFAULT_MAX_BLOCK_BYTES = 16 * 1024 * 1024;
    public static final int DEFAULT_MAX_BLOCKS_PER_REQUEST = 1024;
    public static final long DEFAULT_MAX_FRAME_BYTES = 1L << 30;
    /** The body length field is a uint32. */
    public static final long WIRE_MAX_FRAME_BYTES = 0xFFFF_FFFFL;

    /** Property suffixes, read under a component's prefix (e.g. {@code spillway.server.}). */
    public static final String MAX_BLOCK_BYTES_PROP = "maxBlockBytes";
    public static final String MAX_BLOCKS_PER_REQUEST_PROP = "maxBlocksPerRequest";
    public static final String MAX_FRAME_BYTES_PROP = "maxFrameBytes";

    public static final ProtocolLimits DEFAULTS =
        new ProtocolLimits(DEFAULT_MAX_BLOCK_BYTES, DEFAULT_MAX_BLOCKS_PER_REQUEST, DEFAULT_MAX_FRAME_BYTES);

    private final int maxBlockBytes;
    private final int maxBlocksPerRequest;
    private final long maxFrameBytes;

    public ProtocolLimits(int maxBlockBytes, int maxBlocksPerRequest, long maxFrameBytes) {
        if (maxBlockBytes <= 0) {
            throw new IllegalArgumentException(MAX_BLOCK_BYTES_PROP + " must be > 0, got " + maxBlockBytes);
        }
        if (maxBlocksPerRequest <= 0) {
            throw new IllegalArgumentException(
                MAX_BLOCKS_PER_REQUEST_PROP + " must be > 0, got " + maxBlocksPerRequest);
        }
        if (maxFrameBytes <= 0 || maxFrameBytes > WIRE_MAX_FRAME_BYTES) {
            throw new IllegalArgumentException(
                MAX_FRAME_BYTES_PROP + " must be in (0, " + WIRE_MAX_FRAME_BYTES + "], got " + maxFrameBytes);
        }
        long oneBlockBody = BodyLayout.PREAMBLE_LENGTH + BodyLayout.BLOCK_HEADER_LENGTH + (long) maxBlockBytes;
        if (oneBlockBody > maxFrameBytes) {
            throw new IllegalArgumentException(MAX_FRAME_BYTES_PROP + "=" + maxFrameBytes
                + " cannot hold one block of " + MAX_BLOCK_BYTES_PROP + "=" + maxBlockBytes + " (needs "
                + oneBlockBody + ")");
        }
        this.maxBlockBytes = maxBlockBytes;
        this.maxBlocksPerRequest = maxBlocksPerRequest;
        this.maxFrameBytes = maxFrameBytes;
    }

    /** Reads {@code prefix + "maxBlockBytes"} etc. from system properties, defaults where unset. */
    public static ProtocolLimits fromSystemProperties(String prefix) {
        return new ProtocolLimits(
            (int) parse(prefix + MAX_BLOCK_BYTES_PROP, DEFAULT_MAX_BLOCK_BYTES),
            (int) parse(prefix + MAX_BLOCKS_PER_REQUEST_PROP, DEFAULT_MAX_BLOCKS_PER_REQUEST),
            parse(prefix + MAX_FRAME_BYTES_PROP, DEFAULT_MAX_FRAME_BYTES));
    }

    private static long parse(String name, long defaultValue) {
        String v = System.getProperty(name);
        if (v == null || v.isBlank()) {
            return defaultValue;
        }
        try {
            long n = Long.parseLong(v.trim());
            if (n > Integer.MAX_VALUE && !name.endsWith(MAX_FRAME_BYTES_PROP)) {
                throw new IllegalArgumentException(name + " must fit an int, got '" + v + "'");
            }
            return n;
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException(name + " must be an integer, got '" + v + "'", e);
        }
    }

    public int maxBlockBytes() {
        return maxBlockBytes;
    }

    public int maxBlocksPerRequest() {
        return maxBlocksPerRequest;
    }

    public long maxFrameBytes() {
        return maxFrameBytes;
    }

    @Override
    public String toString() {
        return "ProtocolLimits{maxBlockBytes=" + maxBlockBytes + ", maxBlocksPerRequest=" + maxBlocksPerRequest
            + ", maxFrameBytes=" + maxFrameBytes + "}";
    }
}
