package io.spillway.key;

import java.util.Arrays;
import java.util.Comparator;
import java.util.List;

/**
 * The extra-key entries of one type that each cover a token range of the request (multimodal items, prompt
 * embeddings), encoded once, sorted by offset and disjoint, so that the entries of a block are found by one binary
 * search and copied without allocating.
 */
final class RangedEntries {
    static final RangedEntries NONE = new RangedEntries(new int[0], new int[0], new byte[0][], new String[0]);

    private final int[] offsets;
    private final int[] ends;
    private final byte[][] entries;
    private final String[] labels;

    private RangedEntries(int[] offsets, int[] ends, byte[][] entries, String[] labels) {
        this.offsets = offsets;
        this.ends = ends;
        this.entries = entries;
        this.labels = labels;
    }

    /** One entry over tokens {@code [offset, offset + length)}; {@code label} names it in messages. */
    record Item(String label, int offset, int length, byte[] entry) {
        int end() {
            return offset + length;
        }
    }

    /** Sorts {@code items} by offset; rejects two that overlap, naming both ({@code kind}: what they are). */
    static RangedEntries of(String kind, List<Item> items) {
        if (items.isEmpty()) {
            return NONE;
        }
        Item[] sorted = items.toArray(new Item[0]);
        Arrays.sort(sorted, Comparator.comparingInt(Item::offset));
        int n = sorted.length;
        int[] offsets = new int[n];
        int[] ends = new int[n];
        byte[][] entries = new byte[n][];
        String[] labels = new String[n];
        for (int i = 0; i < n; i++) {
            Item item = sorted[i];
            if (i > 0 && item.offset() < ends[i - 1]) {
                throw new IllegalArgumentException(kind + " must not overlap: " + describe(labels[i - 1],
                    offsets[i - 1], ends[i - 1]) + " and " + describe(item.label(), item.offset(), item.end()));
            }
            offsets[i] = item.offset();
            ends[i] = item.end();
            entries[i] = item.entry();
            labels[i] = item.label();
        }
        return new RangedEntries(offsets, ends, entries, labels);
    }

    static void checkRange(String kind, int offset, int length) {
        if (offset < 0) {
            throw new IllegalArgumentException(kind + " offset must be >= 0, got " + offset);
        }
        if (length <= 0) {
            throw new IllegalArgumentException(kind + " length must be > 0, got " + length);
        }
        if ((long) offset + length > Integer.MAX_VALUE) {
            throw new IllegalArgumentException(kind + " [" + offset + ", " + offset + " + " + length
                + ") ends past the largest token offset " + Integer.MAX_VALUE);
        }
    }

    int size() {
        return offsets.length;
    }

    String label(int i) {
        return labels[i];
    }

    int offset(int i) {
        return offsets[i];
    }

    int length(int i) {
        return ends[i] - offsets[i];
    }

    /** The bytes of every entry: an upper bound of what one block can carry. */
    int totalEncodedLength() {
        int total = 0;
        for (byte[] e : entries) {
            total += e.length;
        }
        return total;
    }

    /**
     * Copies the entries overlapping tokens {@code [start, end)} to {@code dst} at {@code pos}. Returns how many it
     * copied in the high 32 bits and the position after them in the low 32 (hashing allocates nothing per block).
     */
    long encodeOverlapping(int start, int end, byte[] dst, int pos) {
        int count = 0;
        for (int i = firstEndingAfter(start); i < offsets.length && offsets[i] < end; i++) {
            System.arraycopy(entries[i], 0, dst, pos, entries[i].length);
            pos += entries[i].length;
            count++;
        }
        return ((long) count << 32) | pos;
    }

    /** Entries are sorted and disjoint, so their ends ascend too: binary search for the first end after {@code t}. */
    private int firstEndingAfter(int t) {
        int lo = 0;
        int hi = ends.length;
        while (lo < hi) {
            int mid = (lo + hi) >>> 1;
            if (ends[mid] > t) {
                hi = mid;
            } else {
                lo = mid + 1;
            }
        }
        return lo;
    }

    private static String describe(String label, int offset, int end) {
        return "'" + label + "'@[" + offset + ", " + end + ")";
    }
}
