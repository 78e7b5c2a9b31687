package io.spillway.bridge;

import java.util.List;
import java.util.function.LongSupplier;
import java.util.function.Supplier;

/**
 * A worker's paged KV cache as the bridge copies it: {@code numBlocks} blocks, each layer placed as a
 * {@link LayerPlacement} says, a block's bytes in a layer given by its {@link PageRuns}. On the host a block is every
 * layer's page runs, layer by layer ({@link #blockBytes}). The spec is checked against itself when built (every page
 * of every block inside its layer's span) and against the allocations when opened ({@link #checkRegions}), so a
 * registration can never make a copy reach outside the tensors the worker handed over.
 */
public final class KvCacheSpec {
    /** A block's host bytes (every layer's page) at most: one slot is one Java buffer. */
    public static final long MAX_BLOCK_BYTES = Integer.MAX_VALUE - 8;

    private final int numBlocks;
    private final PageRuns page;
    private final LayerPlacement[] layers;
    private final int regions;
    /** Whether each block's host form is one run of its region: see {@link #contiguousBlockOffset}. */
    private final boolean blocksContiguous;

    public KvCacheSpec(int numBlocks, PageRuns page, List<LayerPlacement> layers) {
        if (numBlocks < 1) {
            throw new IllegalArgumentException("a cache needs at least one block, got " + numBlocks);
        }
        if (page == null || layers == null || layers.isEmpty()) {
            throw new IllegalArgumentException("a cache needs its page runs and at least one layer");
        }
        this.numBlocks = numBlocks;
        this.page = page;
        this.layers = layers.toArray(new LayerPlacement[0]);
        int maxRegion = -1;
        for (int l = 0; l < this.layers.length; l++) {
            LayerPlacement p = this.layers[l];
            long last = Math.addExact(p.origin(), Math.multiplyExact((long) numBlocks - 1, p.blockStride()));
            if (p.origin() < p.spanStart() || Math.addExact(last, page.extent()) > p.spanEnd()) {
                throw new IllegalArgumentException("layer " + l + ": blocks 0.." + (numBlocks - 1) + " at origin "
                    + p.origin() + ", stride " + p.blockStride() + ", pages reaching " + page.extent()
                    + " bytes, do not fit the layer's span [" + p.spanStart() + ", " + p.spanEnd()
                    + "): requested end " + Math.addExact(last, page.extent()) + ", span end " + p.spanEnd());
            }
            maxRegion = Math.max(maxRegion, p.region());
        }
        this.regions = maxRegion + 1;
        this.blocksContiguous = runsInHostOrder(page) && layersEndToEnd(this.layers, page.pageBytes());
        // checked by division: a page of 2^62 bytes times 4 layers wraps to 0 and would pass a product's check
        if (pageBytes() > MAX_BLOCK_BYTES / this.layers.length) {
            throw new IllegalArgumentException("a block of " + this.layers.length + " layers of " + pageBytes()
                + " bytes is over 2 GiB");
        }
    }

    /** Whether the page's runs lie end to end in the order the host lays them out. */
    private static boolean runsInHostOrder(PageRuns page) {
        long next = page.offset(0);
        for (int r = 0; r < page.count(); r++) {
            if (page.offset(r) != next) {
                return false;
            }
            next += page.length(r);
        }
        return true;
    }

    /** Whether every layer is in the first's region, with its stride, a page after the layer before it. */
    private static boolean layersEndToEnd(LayerPlacement[] layers, long pageBytes) {
        LayerPlacement first = layers[0];
        for (int l = 1; l < layers.length; l++) {
            LayerPlacement p = layers[l];
            if (p.region() != first.region() || p.blockStride() != first.blockStride()
                || p.origin() != first.origin() + l * pageBytes) {
                return false;
            }
        }
        return true;
    }

    /**
     * vLLM's flash-attention layout before its layouts became block-first: one tensor a layer shaped
     * {@code [2, num_blocks, block_size, kv_heads, head_size]}, keys then values: two runs a page.
     */
    public static KvCacheSpec kvFirst(int layers, int numBlocks, int blockSize, int kvHeads, int headSize,
                                      int dtypeBytes) {
        long half = halfPage(blockSize, kvHeads, headSize, dtypeBytes);
        long keys = tensorBytes(numBlocks, half);
        PageRuns runs = new PageRuns(new long[] {0, keys}, new long[] {half, half});
        return perLayerTensors(layers, numBlocks, runs, half, tensorBytes(2L * numBlocks, half));
    }

    /**
     * A block-first layout, one tensor a layer: {@code [num_blocks, 2, block_size, kv_heads, head_size]} (FlashInfer's,
     * and vLLM 0.34's split one) or {@code [num_blocks, kv_heads, block_size, 2 * head_size]} (its packed one): one
     * contiguous run of keys and values a page.
     */
    public static KvCacheSpec blockFirst(int layers, int numBlocks, int blockSize, int kvHeads, int headSize,
                                         int dtypeBytes) {
        long pageBytes = exact(() -> Math.multiplyExact(2, halfPage(blockSize, kvHeads, headSize, dtypeBytes)),
            () -> "a page of 2 x " + blockSize + " tokens x " + kvHeads + " heads x " + headSize + " x "
                + dtypeBytes + " bytes");
        return perLayerTensors(layers, numBlocks, PageRuns.contiguous(pageBytes), pageBytes,
            tensorBytes(numBlocks, pageBytes));
    }

    /** Contiguous pages of {@code pageBytes} in one tensor a layer, a page a block. */
    public static KvCacheSpec contiguousPages(int layers, int numBlocks, long pageBytes) {
        return perLayerTensors(layers, numBlocks, PageRuns.contiguous(pageBytes), pageBytes,
            tensorBytes(numBlocks, pageBytes));
    }

    private static KvCacheSpec perLayerTensors(int layers, int numBlocks, PageRuns runs, long stride, long bytes) {
        if (layers < 1) {
            throw new IllegalArgumentException("a cache needs at least one layer, got " + layers);
        }
        LayerPlacement[] placed = new LayerPlacement[layers];
        for (int l = 0; l < layers; l++) {
            placed[l] = new LayerPlacement(l, 0, stride, 0, bytes);
        }
        return new KvCacheSpec(numBlocks, runs, List.of(placed));
    }

    private static long halfPage(int blockSize, int kvHeads, int headSize, int dtypeBytes) {
        if (blockSize < 1 || kvHeads < 1 || headSize < 1 || dtypeBytes < 1) {
            throw new IllegalArgumentException("block size, heads, head size and dtype bytes must be >= 1, got "
                + blockSize + ", " + kvHeads + ", " + headSize + ", " + dtypeBytes);
        }
        return exact(() -> Math.multiplyExact(Math.multiplyExact(Math.multiplyExact((long) blockSize, kvHeads),
            headSize), dtypeBytes), () -> "a half page of " + blockSize + " tokens x " + kvHeads + " heads x "
            + headSize + " x " + dtypeBytes + " bytes");
    }

    /** One layer's tensor of {@code blocks} pages of {@code pageBytes}, refused when it overflows a long. */
    private static long tensorBytes(long blocks, long pageBytes) {
        return exact(() -> Math.multiplyExact(blocks, pageBytes), () -> "a tensor of " + blocks + " pages of "
            + pageBytes + " bytes");
    }

    /**
     * {@code product}, or a refusal naming the sizes when it overflows a long: a wrapped size could be a small,
     * plausible one (64 x 1 x 536903681 x 536838145 wraps to 64) and describe memory the worker never handed over.
     */
    private static long exact(LongSupplier product, Supplier<String> what) {
        try {
            return product.getAsLong();
        } catch (ArithmeticException e) {
            throw new IllegalArgumentException(what.get() + " overflows 64 bits", e);
        }
    }

    public int numBlocks() {
        return numBlocks;
    }

    public int layers() {
        return layers.length;
    }

    public LayerPlacement layer(int l) {
        return layers[l];
    }

    /** How many allocations (IPC handles, pointers) the layers live in. */
    public int regions() {
        return regions;
    }

    public PageRuns page() {
        return page;
    }

    /** Bytes of one block in one layer. */
    public long pageBytes() {
        return page.pageBytes();
    }

    /** Bytes of one block over every layer: what the host side holds for it. */
    public long blockBytes() {
        return page.pageBytes() * layers.length; // at most MAX_BLOCK_BYTES: checked when built
    }

    /** The bytes region {@code r} must have mapped: the furthest span end of its layers (the requested end). */
    public long regionBytes(int r) {
        long max = 0;
        for (LayerPlacement p : layers) {
            if (p.region() == r) {
                max = Math.max(max, p.spanEnd());
            }
        }
        return max;
    }

    /**
     * Rejects regions whose mappings are smaller than the layers placed in them reach: {@code mappedSizes[r]}, the
     * bytes mapped from region {@code r}'s start.
     */
    public void checkRegions(long[] mappedSizes) {
        if (mappedSizes.length != regions) {
            throw new IllegalArgumentException(regions + " regions are placed but " + mappedSizes.length
                + " were given");
        }
        for (int r = 0; r < regions; r++) {
            if (regionBytes(r) > mappedSizes[r]) {
                throw new IllegalArgumentException("region " + r + ": its layers' requested end, byte "
                    + regionBytes(r) + ", is past its mapped size of " + mappedSizes[r] + " bytes");
            }
        }
    }

    /**
     * Whether every block's host form (every layer's page runs, layer by layer) is already one contiguous run of
     * its region: a cross-layer cache, or one layer of contiguous pages (the host-staged ring). Then a block can be
     * read and written where it lies, without a copy through a slot.
     */
    public boolean blocksContiguous() {
        return blocksContiguous;
    }

    /**
     * Where block {@code block}'s host form starts in region {@link #contiguousRegion()}, when
     * {@link #blocksContiguous()}; its length is {@link #blockBytes()}.
     */
    public long contiguousBlockOffset(int block) {
        if (!blocksContiguous) {
            throw new IllegalStateException("the blocks of " + this + " are not contiguous");
        }
        checkBlock(block);
        return layers[0].blockOrigin(block) + page.offset(0);
    }

    /** The region every layer lies in, when {@link #blocksContiguous()}. */
    public int contiguousRegion() {
        return layers[0].region();
    }

    void checkBlock(int block) {
        if (block < 0 || block >= numBlocks) {
            throw new IllegalArgumentException("block " + block + " is outside the cache's 0.." + (numBlocks - 1));
        }
    }

    @Override
    public String toString() {
        return "KvCacheSpec{blocks=" + numBlocks + ", layers=" + layers.length + ", regions=" + regions + ", page="
            + page + "}";
    }
}
