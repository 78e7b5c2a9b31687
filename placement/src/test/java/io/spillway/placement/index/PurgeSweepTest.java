package io.spillway.placement.index;

import static io.spillway.placement.index.IndexFixtures.finishPurge;
import static io.spillway.placement.index.IndexFixtures.pod;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/**
 * The sweep under deletions. A table at its 70% load bound (long clusters) holds every key at two locations; one is
 * cleared, and in the very next write a batch of keys leaves the other, so their entries go while the sweep's cursor
 * stands mid-table and backward shifts move entries across it. No entry may keep an id past its release, and
 * every count stays exact.
 */
class PurgeSweepTest {
    @Test
    void noEntryKeepsAnIdPastItsRelease() {
        int maxKeys = 5734; // 70% of 8192 slots: two sweep slices per pass
        BlockLocationIndex index = new BlockLocationIndex(maxKeys);
        int stay = index.location(pod(1));
        Location churn = pod(2);
        SplittableRandom random = new SplittableRandom(21);
        long[] his = new long[maxKeys];
        long[] los = new long[maxKeys];
        for (int i = 0; i < maxKeys; i++) {
            his[i] = random.nextLong();
            los[i] = random.nextLong();
        }
        index.addAll(stay, his, los, maxKeys);
        long[] batchHis = new long[1000];
        long[] batchLos = new long[1000];
        for (int round = 0; round < 60; round++) {
            index.addAll(index.location(churn), his, los, maxKeys);
            index.clear(churn); // the sweep starts and runs one slice: its cursor stands mid-table
            for (int i = 0; i < batchHis.length; i++) {
                int k = random.nextInt(maxKeys);
                batchHis[i] = his[k];
                batchLos[i] = los[k];
            }
            index.removeAll(stay, batchHis, batchLos, batchHis.length); // entries go on both sides of the cursor
            assertNull(index.checkInvariants(), "round " + round);
            index.addAll(stay, batchHis, batchLos, batchHis.length);
        }
        finishPurge(index, stay);
        assertNull(index.checkInvariants());
        assertEquals(0, index.evictions());
        assertEquals(maxKeys, index.sizeOf(stay));
        assertEquals(maxKeys, index.size());
    }
}
