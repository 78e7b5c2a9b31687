package io.spillway.perf.harness;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.concurrent.ThreadLocalRandom;

/**
 * The bytes the bench writes, and the cheap check it makes on every block it reads back.
 *
 * <p>A block is a random template (filled once per buffer) with a 16-byte header (block id, length, magic) and up
 * to {@value #PROBES} probe words spread over the block, each a function of the id. Stamping and checking touch
 * ~150 bytes whatever the block size, so verification never dominates a 2 MiB transfer, yet a wrong block, a
 * truncated block or one garbled across its length is caught.
 */
public final class BlockPattern {
    public static final int HEADER_BYTES = 16;
    public static final int MIN_BLOCK_BYTES = HEADER_BYTES;
    static final int PROBES = 8;
    private static final int MAGIC = 0x5350_4C57; // "SPLW"

    private BlockPattern() {
    }

    /** Fills the whole buffer (position 0 to capacity) with random bytes; do this once per reusable buffer. */
    public static void fillTemplate(ByteBuffer buffer) {
        ThreadLocalRandom random = ThreadLocalRandom.current();
        ByteBuffer b = buffer.duplicate().order(ByteOrder.LITTLE_ENDIAN);
        b.clear();
        while (b.remaining() >= 8) {
            b.putLong(random.nextLong());
        }
        while (b.hasRemaining()) {
            b.put((byte) random.nextInt());
        }
    }

    /** Stamps block {@code id} of {@code length} bytes at index 0 and sets position 0, limit {@code length}. */
    public static void stamp(ByteBuffer buffer, long id, int length) {
        if (length < MIN_BLOCK_BYTES || length > buffer.capacity()) {
            throw new IllegalArgumentException("block length must be in [" + MIN_BLOCK_BYTES + ", "
                + buffer.capacity() + "], got " + length);
        }
        ByteBuffer b = buffer.duplicate().order(ByteOrder.LITTLE_ENDIAN);
        b.putLong(0, id);
        b.putInt(8, length);
        b.putInt(12, MAGIC);
        int probes = probeCount(length);
        for (int i = 0; i < probes; i++) {
            b.putLong(probeIndex(length, probes, i), probeValue(id, i));
        }
        buffer.position(0).limit(length);
    }

    /**
     * Whether {@code buffer} holds block {@code id} of {@code length} bytes, between its position and limit.
     * Returns {@code null} when it does, else a message saying what is wrong.
     */
    public static String check(ByteBuffer buffer, long id, int length) {
        int start = buffer.position();
        int got = buffer.remaining();
        if (got != length) {
            return "block " + id + ": length " + got + ", expected " + length;
        }
        ByteBuffer b = buffer.duplicate().order(ByteOrder.LITTLE_ENDIAN);
        if (b.getInt(start + 12) != MAGIC) {
            return "block " + id + ": no block header";
        }
        long gotId = b.getLong(start);
        if (gotId != id) {
            return "block " + id + ": holds block " + gotId;
        }
        if (b.getInt(start + 8) != length) {
            return "block " + id + ": header length " + b.getInt(start + 8) + ", expected " + length;
        }
        int probes = probeCount(length);
        for (int i = 0; i < probes; i++) {
            int at = probeIndex(length, probes, i);
            if (b.getLong(start + at) != probeValue(id, i)) {
                return "block " + id + ": wrong bytes at offset " + at;
            }
        }
        return null;
    }

    static int probeCount(int length) {
        return Math.min(PROBES, (length - HEADER_BYTES) / 8);
    }

    /** Probe {@code i}'s offset: non-overlapping 8-byte words after the header, spread to the block's end. */
    static int probeIndex(int length, int probes, int i) {
        int words = (length - HEADER_BYTES) / 8;
        int stride = words / probes;
        int word = i == probes - 1 ? words - 1 : i * stride;
        return HEADER_BYTES + word * 8;
    }

    static long probeValue(long id, int i) {
        long z = id * 0x9E37_79B9_7F4A_7C15L + (i + 1) * 0xBF58_476D_1CE4_E5B9L;
        z = (z ^ (z >>> 30)) * 0xBF58_476D_1CE4_E5B9L;
        z = (z ^ (z >>> 27)) * 0x94D0_49BB_1331_11EBL;
        return z ^ (z >>> 31);
    }
}
