package io.spillway.placement.index;

import static io.spillway.placement.index.IndexFixtures.packed;
import static io.spillway.placement.index.IndexFixtures.randomKeys;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.spillway.key.BlockKey;
import java.util.Arrays;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/**
 * Batches longer than the window of keys a batch call touches ahead, and batches during which the table grows (the
 * home slots computed for the window go stale and must be computed again).
 */
class LargeBatchTest {
    @Test
    void aBatchThatGrowsTheTableHalfwayStoresEveryKey() {
        BlockKey[] keys = randomKeys(new SplittableRandom(21), 5_000);
        BlockLocationIndex index = new BlockLocationIndex(100_000); // starts small: grows several times in the batch
        int at = index.location(Location.node("n", Medium.CPU));
        int before = index.capacity();
        assertEquals(keys.length, index.addAll(at, packed(keys), 0, keys.length));
        assertTrue(index.capacity() > before, "the table grew during the batch");
        for (BlockKey k : keys) {
            assertTrue(index.contains(k.hi(), k.lo(), at), k.toString());
        }
        assertEquals(keys.length, index.size());
        assertNull(index.checkInvariants());
    }

    @Test
    void longRemoveAndMoveBatchesTouchEveryKeyOnce() {
        BlockKey[] keys = randomKeys(new SplittableRandom(22), 3_001);
        BlockLocationIndex index = new BlockLocationIndex(10_000);
        int cpu = index.location(Location.node("n", Medium.CPU));
        int nvme = index.location(Location.node("n", Medium.NVME));
        index.addAll(cpu, packed(keys), 0, keys.length);
        BlockKey[] half = Arrays.copyOf(keys, 1_500);
        assertEquals(half.length, index.moveAll(cpu, nvme, packed(half), 0, half.length));
        assertEquals(keys.length - half.length, index.removeAll(cpu, packed(keys), 0, keys.length));
        assertEquals(half.length, index.size());
        for (int i = 0; i < keys.length; i++) {
            assertFalse(index.contains(keys[i].hi(), keys[i].lo(), cpu));
            assertEquals(i < half.length, index.contains(keys[i].hi(), keys[i].lo(), nvme), "key " + i);
        }
        assertNull(index.checkInvariants());
    }

    @Test
    void anExpectedSizeSizesTheTableOnceAndForAll() {
        BlockLocationIndex index = new BlockLocationIndex(200_000, 100_000);
        int capacity = index.capacity();
        assertTrue(capacity * 0.7 >= 100_000, "room for the expected keys from the start: " + capacity);
        BlockKey[] keys = randomKeys(new SplittableRandom(23), 100_000);
        index.addAll(index.location(Location.node("n", Medium.CPU)), packed(keys), 0, keys.length);
        assertEquals(capacity, index.capacity(), "no doubling while filling to the expected size");
        assertTrue(new BlockLocationIndex(1_000_000).capacity() < capacity, "without it the table starts small");
    }
}
