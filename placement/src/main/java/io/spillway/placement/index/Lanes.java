package io.spillway.placement.index;

/**
 * The location word of a {@link KeyTable} entry. Inline: up to {@value #INLINE} 16-bit location ids in lanes 0..3,
 * filled from lane 0 without gaps, so lane 0 is never 0. Pooled: lane 0 is 0 and the upper 48 bits are the offset
 * of a {@link LocationPool} block (never 0). A word of 0 is an empty slot.
 */
final class Lanes {
    static final int INLINE = 4;
    private static final long LANE = 0xFFFFL;

    private Lanes() {
    }

    static boolean isInline(long word) {
        return (word & LANE) != 0;
    }

    static long pooled(int offset) {
        return (long) offset << 16;
    }

    /** The pool offset of a pooled word, as a long so a torn read cannot turn it into a small valid int. */
    static long offset(long word) {
        return word >>> 16;
    }

    /** How many ids an inline word holds. */
    static int count(long inline) {
        return (79 - Long.numberOfLeadingZeros(inline)) >>> 4;
    }

    static int id(long word, int lane) {
        return (int) (word >>> (lane << 4)) & 0xFFFF;
    }

    /** {@code inline} with {@code id} in lane {@code lane} (which must be the first free lane). */
    static long with(long inline, int lane, int id) {
        return inline | (long) id << (lane << 4);
    }

    /** The lane holding {@code id} in an inline word, or -1. */
    static int laneOf(long inline, int id) {
        for (int lane = 0; lane < INLINE; lane++) {
            int at = id(inline, lane);
            if (at == id) {
                return lane;
            }
            if (at == 0) {
                return -1;
            }
        }
        return -1;
    }

    /** {@code inline} without lane {@code lane}, the lanes above it moved down one. */
    static long without(long inline, int lane) {
        int shift = lane << 4;
        long below = inline & ((1L << shift) - 1);
        long above = lane == INLINE - 1 ? 0 : (inline >>> (shift + 16)) << shift;
        return below | above;
    }
}
