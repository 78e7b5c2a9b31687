package io.spillway.perf.cluster;

import io.spillway.key.BlockKey;
import java.nio.ByteBuffer;

/**
 * The bytes every copy of a block must hold, derived from its key alone: word {@code i} is
 * {@code hi * (2i + 1) ^ lo ^ i}, so any two keys differ in (almost) every word and a block returned for the wrong
 * key, or mixed from two, is caught by comparing the whole block.
 */
final class BlockBytes {
    private BlockBytes() {
    }

    static void fill(BlockKey key, ByteBuffer dst, int length) {
        int words = length / 8;
        for (int i = 0; i < words; i++) {
            dst.putLong(word(key, i));
        }
        for (int i = words * 8; i < length; i++) {
            dst.put((byte) i);
        }
        dst.flip();
    }

    /** Whether {@code data}'s remaining bytes are exactly the block of {@code key} of {@code length} bytes. */
    static boolean matches(BlockKey key, ByteBuffer data, int length) {
        if (data.remaining() != length) {
            return false;
        }
        int at = data.position();
        int words = length / 8;
        for (int i = 0; i < words; i++) {
            if (data.getLong(at + 8 * i) != word(key, i)) {
                return false;
            }
        }
        for (int i = words * 8; i < length; i++) {
            if (data.get(at + i) != (byte) i) {
                return false;
            }
        }
        return true;
    }

    private static long word(BlockKey key, int i) {
        return key.hi() * (2L * i + 1) ^ key.lo() ^ i;
    }
}
