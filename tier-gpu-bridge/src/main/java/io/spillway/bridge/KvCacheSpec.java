package io.spillway.bridge;

/**
 * The shape of a worker's paged KV cache: one tensor per layer, {@code numBlocks} blocks of {@code blockSize} tokens,
 * each token {@code kvHeads × headSize} elements of {@code dtypeBytes} for keys and again for values, laid out as
 * {@link KvLayout} says. A block's bytes in a layer are its key page and its value page, {@link #pageBytes} each; on
 * the host a block is every layer's key page then value page, {@link #blockBytes} in all.
 */
public record KvCacheSpec(int layers, int numBlocks, int blockSize, int kvHeads, int headSize, int dtypeBytes,
                          KvLayout layout) {
    public KvCacheSpec {
        if (layers < 1 || numBlocks < 1 || blockSize < 1 || kvHeads < 1 || headSize < 1 || dtypeBytes < 1) {
            throw new IllegalArgumentException("layers, blocks, block size, heads, head size and dtype bytes must be "
                + ">= 1, got " + layers + ", " + numBlocks + ", " + blockSize + ", " + kvHeads + ", " + headSize
                + ", " + dtypeBytes);
        }
        if (layout == null) {
            throw new IllegalArgumentException("a layout is needed: kv-first (flash-attention) or block-first");
        }
        if ((long) blockSize * kvHeads * headSize * dtypeBytes > Integer.MAX_VALUE / 2) {
            throw new IllegalArgumentException("a block's page is over 1 GiB");
        }
    }

    /** Bytes of one block's keys (or values) in one layer. */
    public long pageBytes() {
        return (long) blockSize * kvHeads * headSize * dtypeBytes;
    }

    /** Bytes of one layer's tensor. */
    public long layerBytes() {
        return 2L * numBlocks * pageBytes();
    }

    /** Bytes of one block over every layer: what the host side holds for it. */
    public long blockBytes() {
        return 2L * layers * pageBytes();
    }

    /** Where block {@code block}'s key page starts in a layer's tensor. */
    public long keyOffset(int block) {
        checkBlock(block);
        return layout == KvLayout.KV_FIRST ? block * pageBytes() : 2L * block * pageBytes();
    }

    /** Where its value page starts. */
    public long valueOffset(int block) {
        checkBlock(block);
        return layout == KvLayout.KV_FIRST ? ((long) numBlocks + block) * pageBytes()
            : (2L * block + 1) * pageBytes();
    }

    private void checkBlock(int block) {
        if (block < 0 || block >= numBlocks) {
            throw new IllegalArgumentException("block " + block + " is outside the cache's 0.." + (numBlocks - 1));
        }
    }
}
