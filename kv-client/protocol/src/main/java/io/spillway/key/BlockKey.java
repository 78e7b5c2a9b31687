package io.spillway.key;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.HexFormat;

/**
 * A 128-bit block key: the chained prefix hash that names one KV block (see docs/block-keys.md).
 * The same type names a namespace: a namespace's id is the chain root {@code k_0}.
 *
 * <p>On the wire and on disk a key is its 16 bytes in big-endian order: {@code hi} then {@code lo}.
 */
public final class BlockKey implements Comparable<BlockKey> {
    public static final int BYTES = 16;

    private final long hi;
    private final long lo;

    public BlockKey(long hi, long lo) {
        this.hi = hi;
        this.lo = lo;
    }

    public long hi() {
        return hi;
    }

    public long lo() {
        return lo;
    }

    /** Reads 16 bytes at {@code index} (absolute, big-endian) without moving the buffer's position. */
    public static BlockKey read(ByteBuffer buffer, int index) {
        ByteBuffer b = buffer.order() == ByteOrder.BIG_ENDIAN ? buffer : buffer.duplicate().order(ByteOrder.BIG_ENDIAN);
        return new BlockKey(b.getLong(index), b.getLong(index + 8));
    }

    public static BlockKey fromBytes(byte[] bytes) {
        if (bytes.length != BYTES) {
            throw new IllegalArgumentException("a block key has 16 bytes, got " + bytes.length);
        }
        return read(ByteBuffer.wrap(bytes), 0);
    }

    public static BlockKey fromHex(String hex) {
        if (hex.length() != 2 * BYTES) {
            throw new IllegalArgumentException("a block key is 32 hex digits, got '" + hex + "'");
        }
        return fromBytes(HexFormat.of().parseHex(hex));
    }

    /** Writes the 16 bytes at {@code index} (absolute, big-endian). */
    public void write(ByteBuffer buffer, int index) {
        ByteBuffer b = buffer.order() == ByteOrder.BIG_ENDIAN ? buffer : buffer.duplicate().order(ByteOrder.BIG_ENDIAN);
        b.putLong(index, hi);
        b.putLong(index + 8, lo);
    }

    public byte[] toBytes() {
        byte[] bytes = new byte[BYTES];
        write(ByteBuffer.wrap(bytes), 0);
        return bytes;
    }

    public String toHex() {
        return HexFormat.of().formatHex(toBytes());
    }

    @Override
    public int compareTo(BlockKey other) {
        int c = Long.compareUnsigned(hi, other.hi);
        return c != 0 ? c : Long.compareUnsigned(lo, other.lo);
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof BlockKey k && k.hi == hi && k.lo == lo;
    }

    @Override
    public int hashCode() {
        long h = hi * 0x9E3779B97F4A7C15L ^ lo;
        return (int) (h ^ (h >>> 32));
    }

    @Override
    public String toString() {
        return toHex();
    }
}
