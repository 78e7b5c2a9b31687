package io.spillway.bridge;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * A cache's sizes are computed exactly: a product that overflows is refused naming the sizes, never wrapped into a
 * small, plausible size that describes memory the worker did not hand over.
 */
class KvCacheSpecOverflowTest {
    private static final long PAGE_2_62 = 1L << 62;

    @Test
    void aBlockWhoseLayersTimesPageWrapsToZeroIsRefused() {
        // 4 layers of a 2^62-byte page: the block's bytes, 2^64, wrapped to 0 and passed the 2 GiB check
        List<LayerPlacement> layers = new ArrayList<>();
        for (int l = 0; l < 4; l++) {
            layers.add(new LayerPlacement(l, 0, PAGE_2_62, 0, PAGE_2_62));
        }
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
            () -> new KvCacheSpec(1, PageRuns.contiguous(PAGE_2_62), layers));
        assertEquals("a block of 4 layers of 4611686018427387904 bytes is over 2 GiB", e.getMessage());
    }

    @Test
    void aHalfPageWhoseProductWrapsToASmallSizeIsRefused() {
        // 64 x 1 x 536903681 x 536838145 = 2^64 + 64: wrapped, a plausible 64-byte half page
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
            () -> KvCacheSpec.kvFirst(1, 4, 64, 1, 536_903_681, 536_838_145));
        assertEquals("a half page of 64 tokens x 1 heads x 536903681 x 536838145 bytes overflows 64 bits",
            e.getMessage());
        e = assertThrows(IllegalArgumentException.class,
            () -> KvCacheSpec.blockFirst(1, 4, 64, 1, 536_903_681, 536_838_145));
        assertTrue(e.getMessage().contains("overflows 64 bits"), e.getMessage());
    }

    @Test
    void aTensorWhoseBlocksTimesPageWrapsIsRefusedNamingBoth() {
        // 2^31 - 1 pages of 2^33 bytes: past a long
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
            () -> KvCacheSpec.contiguousPages(1, Integer.MAX_VALUE, 1L << 33));
        assertEquals("a tensor of 2147483647 pages of 8589934592 bytes overflows 64 bits", e.getMessage());
        // kv-first: keys then values of 2^31 - 1 half pages of 3 x 2^30 bytes; the keys fit a long, both do not
        // (and 2 x numBlocks, once computed in ints, was -2)
        e = assertThrows(IllegalArgumentException.class,
            () -> KvCacheSpec.kvFirst(1, Integer.MAX_VALUE, 3, 1 << 15, 1 << 15, 1));
        assertEquals("a tensor of 4294967294 pages of 3221225472 bytes overflows 64 bits", e.getMessage());
    }

    @Test
    void sizesThatFitStillBuild() {
        KvCacheSpec spec = KvCacheSpec.kvFirst(2, 1 << 20, 16, 8, 128, 2);
        assertEquals(2L * 2 * 16 * 8 * 128 * 2, spec.blockBytes(), "2 layers of a key and a value half page");
        assertEquals(2L * (1 << 20) * 16 * 8 * 128 * 2, spec.layer(0).spanEnd());
        // the largest block: (2^31 - 9) bytes over one layer
        assertEquals(KvCacheSpec.MAX_BLOCK_BYTES,
            KvCacheSpec.contiguousPages(1, 1, KvCacheSpec.MAX_BLOCK_BYTES).blockBytes());
    }
}
