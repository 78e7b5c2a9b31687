package io.spillway.bridge;

import java.util.Arrays;

/**
 * The bytes of one block in one layer: runs at offsets from the block's origin, in the order they are laid end to
 * end on the host. One run when the page is contiguous (vLLM's block-first layouts, MLA); two for a cache whose keys
 * and values are separate halves of the tensor ({@code [2, num_blocks, ...]}); more for a page split by another
 * outer dimension. The host form of a block is every layer's runs, layer by layer: the same bytes whichever way the
 * runs were found, so that two workers with the same page format share blocks.
 */
public final class PageRuns {
    /** More runs than this in a page is a layout to refuse, not to copy a fragment at a time. */
    public static final int MAX_RUNS = 256;

    private final long[] offsets;
    private final long[] lengths;
    private final long pageBytes;
    private final long extent;

    public PageRuns(long[] offsets, long[] lengths) {
        if (offsets.length != lengths.length || offsets.length == 0 || offsets.length > MAX_RUNS) {
            throw new IllegalArgumentException("a page is 1 to " + MAX_RUNS + " runs, each an offset and a length; got "
                + offsets.length + " offsets and " + lengths.length + " lengths");
        }
        long total = 0;
        long end = 0;
        long[][] sorted = new long[offsets.length][];
        for (int i = 0; i < offsets.length; i++) {
            if (offsets[i] < 0 || lengths[i] <= 0) {
                throw new IllegalArgumentException("run " + i + " at " + offsets[i] + " of " + lengths[i]
                    + " bytes: offsets must be >= 0 and lengths > 0");
            }
            total = Math.addExact(total, lengths[i]);
            end = Math.max(end, Math.addExact(offsets[i], lengths[i]));
            sorted[i] = new long[] {offsets[i], lengths[i]};
        }
        Arrays.sort(sorted, (a, b) -> Long.compare(a[0], b[0]));
        for (int i = 1; i < sorted.length; i++) {
            if (sorted[i][0] < sorted[i - 1][0] + sorted[i - 1][1]) {
                throw new IllegalArgumentException("runs at " + sorted[i - 1][0] + " (" + sorted[i - 1][1]
                    + " bytes) and " + sorted[i][0] + " overlap");
            }
        }
        this.offsets = offsets.clone();
        this.lengths = lengths.clone();
        this.pageBytes = total;
        this.extent = end;
    }

    /** One contiguous run of {@code bytes}. */
    public static PageRuns contiguous(long bytes) {
        return new PageRuns(new long[] {0}, new long[] {bytes});
    }

    public int count() {
        return offsets.length;
    }

    public long offset(int run) {
        return offsets[run];
    }

    public long length(int run) {
        return lengths[run];
    }

    /** The block's bytes in one layer: the runs' lengths added up. */
    public long pageBytes() {
        return pageBytes;
    }

    /** How far past the block's origin its last byte lies (exclusive). */
    public long extent() {
        return extent;
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof PageRuns p && Arrays.equals(p.offsets, offsets) && Arrays.equals(p.lengths, lengths);
    }

    @Override
    public int hashCode() {
        return 31 * Arrays.hashCode(offsets) + Arrays.hashCode(lengths);
    }

    @Override
    public String toString() {
        StringBuilder sb = new StringBuilder("PageRuns[");
        for (int i = 0; i < offsets.length; i++) {
            sb.append(i == 0 ? "" : ", ").append(offsets[i]).append('+').append(lengths[i]);
        }
        return sb.append(']').toString();
    }
}
