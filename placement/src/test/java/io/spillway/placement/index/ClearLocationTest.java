package io.spillway.placement.index;

import static io.spillway.placement.index.IndexFixtures.finishPurge;
import static io.spillway.placement.index.IndexFixtures.pod;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.BitSet;
import org.junit.jupiter.api.Test;

/** clear(Location): the old id vanishes from reads at once, a fresh id takes writes, the purge runs by slices. */
class ClearLocationTest {
    @Test
    void readsStopSeeingTheLocationAtOnceAndTheFreshIdTakesASnapshot() {
        BlockLocationIndex index = new BlockLocationIndex(10_000);
        int old = index.location(pod(1));
        int other = index.location(pod(2));
        for (int i = 0; i < 1000; i++) {
            index.add(7, i, old);
        }
        index.add(7, 0, other);
        int fresh = index.clear(pod(1));

        assertNotEquals(old, fresh);
        assertEquals(fresh, index.location(pod(1)));
        assertEquals(fresh, index.locations().find(pod(1)));
        assertFalse(index.locations().isLive(old));
        assertTrue(index.locations().isLive(fresh));
        assertEquals(pod(1), index.locations().location(old), "a retired id still names its location");
        assertFalse(index.contains(7, 5, old));
        assertEquals(0, index.sizeOf(old));
        assertEquals(0, index.sizeOf(fresh));
        int[] out = new int[4];
        assertEquals(1, index.locationsOf(7, 0, out));
        assertEquals(other, out[0]);

        // the snapshot loads into the fresh id while the old one's entries are still there to purge
        assertTrue(index.add(7, 5, fresh));
        assertTrue(index.contains(7, 5, fresh));
        assertEquals(1, index.sizeOf(fresh));
        assertFalse(index.add(7, 6, old), "a write naming the retired id is dropped");
        assertFalse(index.remove(7, 0, old));
        assertFalse(index.contains(7, 6, fresh));
    }

    @Test
    void aKeyWhoseOnlyLocationWasClearedGoesWhenPurged() {
        BlockLocationIndex index = new BlockLocationIndex(100_000);
        int a = index.location(pod(1));
        int b = index.location(pod(2));
        for (int i = 0; i < 50_000; i++) {
            index.add(1, i, a);
            if (i % 2 == 0) {
                index.add(1, i, b);
            }
        }
        index.clear(pod(1));
        assertTrue(index.size() > 45_000, "keys at the retired id count until purged (the clear swept one slice): "
            + index.size());
        finishPurge(index, b);
        assertEquals(25_000, index.size());
        assertEquals(25_000, index.sizeOf(b));
    }

    @Test
    void theRetiredIdIsFreedOnlyAfterAFullSweepOfTheTable() {
        BlockLocationIndex index = new BlockLocationIndex(200_000);
        int a = index.location(pod(1));
        int b = index.location(pod(2));
        for (int i = 0; i < 100_000; i++) {
            index.add(2, i, i % 3 == 0 ? b : a);
        }
        int slices = index.capacity() / BlockLocationIndex.SWEEP_PER_CALL;
        assertTrue(slices >= 16, "the table needs many slices: " + index.capacity());
        index.clear(pod(1));
        assertEquals(1, index.retiredIds());
        for (int i = 0; i < slices - 2; i++) {
            index.remove(3, i, b); // a write: sweeps one slice
            assertEquals(1, index.retiredIds(), "released after " + (i + 2) + " of " + slices + " slices");
        }
        finishPurge(index, b);
        assertEquals(0, index.retiredIds());
        assertEquals(33_334, index.size());
    }

    @Test
    void clearingOneLocationTwoHundredThousandTimesNeverRunsOutOfIds() {
        BlockLocationIndex index = new BlockLocationIndex(10_000);
        int other = index.location(pod(2));
        index.add(9, 9, other);
        BitSet seen = new BitSet();
        int reissued = 0;
        int id = index.location(pod(1));
        for (int round = 0; round < 200_000; round++) {
            index.add(round, 1, id);
            index.add(round, 2, id);
            index.add(round, 1, other);
            index.remove(round, 1, other);
            id = index.clear(pod(1));
            reissued += seen.get(id) ? 1 : 0;
            seen.set(id);
            assertFalse(index.contains(round, 1, id));
        }
        assertTrue(reissued > 100_000, "ids come back once purged: " + reissued);
        finishPurge(index, other);
        assertEquals(1, index.size());
        assertTrue(index.contains(9, 9, other));
    }

    @Test
    void clearsFasterThanTheSweepFinishThePurgeRatherThanFail() {
        BlockLocationIndex index = new BlockLocationIndex(300_000);
        int first = index.location(pod(0));
        for (int i = 0; i < 200_000; i++) {
            index.add(4, i, first);
        }
        for (int i = 1; i < BlockLocationIndex.MAX_LOCATION_ID - 10; i++) {
            index.location(pod(i));
        }
        for (int i = 0; i < 30; i++) {
            index.clear(pod(0)); // each sweeps one slice: the table takes far more, so ids run out first
        }
        assertEquals(0, index.size(), "the purge finished at once when ids ran out");
        assertTrue(index.retiredIds() < 30);
    }

    @Test
    void noFreeIdIsAnIllegalStateThatSaysWhy() {
        BlockLocationIndex index = new BlockLocationIndex(10);
        for (int i = 0; i < BlockLocationIndex.MAX_LOCATION_ID; i++) {
            index.location(pod(i));
        }
        IllegalStateException e = assertThrows(IllegalStateException.class, () -> index.location(pod(-1)));
        assertTrue(e.getMessage().contains("65535") && e.getMessage().contains(pod(-1).toString()), e.getMessage());
        int id = index.location(pod(7));
        index.add(1, 1, id);
        assertThrows(IllegalStateException.class, () -> index.clear(pod(7)));
        assertEquals(id, index.locations().find(pod(7)), "the failed clear changed nothing");
        assertTrue(index.locations().isLive(id));
        assertTrue(index.contains(1, 1, id));
    }
}
