package io.spillway.tier.nvme;

import java.nio.ByteBuffer;

/**
 * The value of a block's entry in the meta column family: enough to rebuild the index and its eviction order on
 * open without reading any payload. 16 bytes, big-endian:
 *
 * <pre>
 *  0  1  version      1
 *  1  3  reserved     0
 *  4  4  record bytes header + stored payload, the block's weight against the capacity
 *  8  8  last access  tick of the last put or hit (a counter, not a clock)
 * </pre>
 */
record BlockMeta(int recordBytes, long lastAccess) {
    static final int BYTES = 16;
    static final byte VERSION = 1;

    byte[] toBytes() {
        ByteBuffer b = ByteBuffer.allocate(BYTES);
        b.put(0, VERSION);
        b.putInt(4, recordBytes);
        b.putLong(8, lastAccess);
        return b.array();
    }

    /** Decodes a meta value, or returns {@code null} if it is not one this version wrote. */
    static BlockMeta fromBytes(byte[] value) {
        if (value == null || value.length != BYTES || value[0] != VERSION) {
            return null;
        }
        ByteBuffer b = ByteBuffer.wrap(value);
        int recordBytes = b.getInt(4);
        return recordBytes < BlockRecord.HEADER_BYTES ? null : new BlockMeta(recordBytes, b.getLong(8));
    }
}
