package io.spillway.placement.index;

import static io.spillway.placement.index.IndexFixtures.pod;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

/** memoryBytes: an empty index is small whatever its bound; a filled one costs about 24 bytes a slot. */
class IndexMemoryBytesTest {
    @Test
    void anEmptyIndexIsSmallWhateverItsBound() {
        BlockLocationIndex index = new BlockLocationIndex(100_000_000);
        assertTrue(index.memoryBytes() < 16 * 1024, "empty: " + index.memoryBytes());
        assertEquals(KeyTable.MIN_CAPACITY, index.capacity());
    }

    @Test
    void theTableGrowsToHoldItsBoundAtNoMoreThanSeventyPercentLoad() {
        int keys = 180_000;
        BlockLocationIndex index = new BlockLocationIndex(keys);
        int a = index.location(pod(1));
        int b = index.location(pod(2));
        for (int i = 0; i < keys; i++) {
            index.add(i, -i, a);
            index.add(i, -i, b);
        }
        assertEquals(0, index.evictions());
        int capacity = index.capacity();
        assertEquals(262_144, capacity, "the smallest power of two with 70% of it >= 180,000");
        long table = 24L * capacity + capacity / 8; // hi, lo, location word; one reference bit a slot
        assertTrue(index.memoryBytes() >= table && index.memoryBytes() < table + 64 * 1024,
            "memoryBytes " + index.memoryBytes() + " for a table of " + table);
    }
}
