package io.spillway.placement.index;

import java.util.Arrays;

/**
 * The overflow pool of {@link KeyTable}: the location-id lists of keys held at more than {@link Lanes#INLINE}
 * locations, as blocks of one {@code int[]}. A block at offset {@code p} is {@code [count, capacity, id...]} with a
 * power-of-two capacity of at least {@value #MIN_CAPACITY}; freed blocks go to a free list per capacity, linked
 * through their count word. Offset 0 is never a block, so an encoded offset is never 0.
 *
 * <p>Written under its shard's write lock only. Readers on an optimistic read see whatever {@link #ints} is; they
 * bound every access by its length (see {@link KeyTable}), so a torn read cannot index out of bounds.
 */
final class LocationPool {
    static final int HEADER = 2;
    static final int MIN_CAPACITY = 8;
    private static final int CLASSES = 17; // capacities 2^3 .. 2^16: every id fits in the largest

    int[] ints = new int[0];
    private int top = 1;
    private final int[] freeHeads = new int[CLASSES];

    static int count(int[] ints, int p) {
        return ints[p];
    }

    /** A new empty block with room for {@code capacity} ids (a power of two, at least {@value #MIN_CAPACITY}). */
    int allocate(int capacity) {
        int sizeClass = Integer.numberOfTrailingZeros(capacity);
        int p = freeHeads[sizeClass];
        if (p != 0) {
            freeHeads[sizeClass] = ints[p];
        } else {
            p = top;
            int end = p + HEADER + capacity;
            if (end > ints.length) {
                ints = Arrays.copyOf(ints, Math.max(end, Math.max(64, ints.length * 2)));
            }
            top = end;
        }
        ints[p] = 0;
        ints[p + 1] = capacity;
        return p;
    }

    /** A block for {@code count} ids: the smallest power of two that holds them. */
    int allocateFor(int count) {
        return allocate(Math.max(MIN_CAPACITY, Integer.highestOneBit(count - 1) << 1));
    }

    void free(int p) {
        int sizeClass = Integer.numberOfTrailingZeros(ints[p + 1]);
        ints[p] = freeHeads[sizeClass];
        freeHeads[sizeClass] = p;
    }

    /** Appends {@code id}; returns the block's offset, a new one when it had to grow. */
    int add(int p, int id) {
        int count = ints[p];
        int capacity = ints[p + 1];
        if (count == capacity) {
            int q = allocate(capacity * 2);
            System.arraycopy(ints, p + HEADER, ints, q + HEADER, count);
            ints[q] = count;
            free(p);
            p = q;
        }
        ints[p + HEADER + count] = id;
        ints[p] = count + 1;
        return p;
    }

    long bytes() {
        return 4L * ints.length;
    }
}
