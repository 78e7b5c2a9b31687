package io.spillway.perf.cluster;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

class MapModelTest {
    @Test
    void everyPartitionHasItsCopiesAndTheyAddUp() {
        MapModel.Row r = MapModel.measure(10, 1024, 2, 3, 3, 4);
        assertEquals(2.0 * 1024 / 10, r.meanOwned(), 1e-9, "r copies of each partition over the nodes");
        assertTrue(r.minOwned() > 0 && r.maxOwned() < 2 * r.meanOwned(), r.toString());
        assertTrue(r.mapBytes() > 1024 * 3, "at least a byte per owner: " + r);
    }

    @Test
    void aFailureMovesAboutTheVictimsShareAndAJoinTheNewcomersShare() {
        // rendezvous hashing: only partitions the failed node owned get a new owner, about r/n of them
        MapModel.Row r = MapModel.measure(20, 8192, 2, 3, 1, 0);
        assertEquals(2.0 / 20, r.failureMoveShare(), 0.03, r.toString());
        assertEquals(2.0 / 21, r.joinMoveShare(), 0.03, r.toString());
    }

    @Test
    void oneNodeOwnsEverythingAndNothingFails() {
        MapModel.Row r = MapModel.measure(1, 64, 2, 3, 3, 0);
        assertEquals(64, r.minOwned());
        assertEquals(64, r.maxPrimaries());
        assertTrue(Double.isNaN(r.failureMoveShare()));
        assertEquals(1.0, r.joinMoveShare(), 1e-9, "with r = 2 a second node takes the second copy of every partition");
    }
}
