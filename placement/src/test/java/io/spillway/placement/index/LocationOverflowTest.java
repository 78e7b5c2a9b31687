package io.spillway.placement.index;

import static io.spillway.placement.index.IndexFixtures.pod;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Arrays;
import org.junit.jupiter.api.Test;

/** A key past the four inline ids moves to the overflow pool, grows there, and comes back inline as ids leave. */
class LocationOverflowTest {
    @Test
    void aKeyAtManyLocationsKeepsEveryOneOfThem() {
        BlockLocationIndex index = new BlockLocationIndex(100);
        int[] ids = new int[40];
        for (int i = 0; i < ids.length; i++) {
            ids[i] = index.location(pod(i));
            assertTrue(index.add(5, 5, ids[i]));
            assertFalse(index.add(5, 5, ids[i]), "already there");
            index.add(6, i, ids[i]); // neighbours with their own pool blocks
            index.add(6, 100, ids[i]);
        }
        int[] out = new int[64];
        assertEquals(ids.length, index.locationsOf(5, 5, out));
        assertArrayEquals(ids, sorted(out, ids.length));
        for (int id : ids) {
            assertTrue(index.contains(5, 5, id));
            assertEquals(3, index.sizeOf(id));
        }

        for (int i = 0; i < ids.length - 3; i++) {
            assertTrue(index.remove(5, 5, ids[i]));
            assertFalse(index.remove(5, 5, ids[i]));
            assertFalse(index.contains(5, 5, ids[i]));
            assertEquals(ids.length - i - 1, index.locationsOf(5, 5, out));
        }
        assertArrayEquals(Arrays.copyOfRange(ids, ids.length - 3, ids.length), sorted(out, 3));
        for (int i = 0; i < 12; i++) {
            assertTrue(index.add(5, 5, ids[i]), "back past four again");
        }
        assertEquals(15, index.locationsOf(5, 5, out));
        assertEquals(ids.length, index.locationsOf(6, 100, out), "the neighbour is untouched");
    }

    @Test
    void aShortArrayGetsWhatFitsAndTheTotal() {
        BlockLocationIndex index = new BlockLocationIndex(10);
        for (int i = 0; i < 12; i++) {
            index.add(1, 2, index.location(pod(i)));
        }
        int[] out = new int[5];
        assertEquals(12, index.locationsOf(1, 2, out));
        for (int id : out) {
            assertTrue(id >= 1 && id <= 12);
        }
        assertEquals(0, index.locationsOf(1, 3, out));
    }

    @Test
    void aClearedLocationLeavesPooledKeysAndTheLastLiveIdRemovesTheKey() {
        BlockLocationIndex index = new BlockLocationIndex(10);
        int[] ids = new int[10];
        for (int i = 0; i < ids.length; i++) {
            ids[i] = index.location(pod(i));
            index.add(1, 1, ids[i]);
        }
        for (int i = 1; i < ids.length; i++) {
            index.clear(pod(i));
        }
        int[] out = new int[16];
        assertEquals(1, index.locationsOf(1, 1, out));
        assertEquals(ids[0], out[0]);
        assertTrue(index.remove(1, 1, ids[0]));
        assertEquals(0, index.size(), "no live location left: the key goes with its retired ids");
        assertEquals(0, index.retiredIds(), "the tiny table was swept by the same writes");
    }

    private static int[] sorted(int[] out, int n) {
        int[] copy = Arrays.copyOf(out, n);
        Arrays.sort(copy);
        return copy;
    }
}
