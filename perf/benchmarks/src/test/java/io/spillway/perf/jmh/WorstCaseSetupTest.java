package io.spillway.perf.jmh;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import io.spillway.placement.index.BlockLocationIndex;
import io.spillway.placement.index.ProbeFloorBenchmark;
import io.spillway.placement.routing.Pod;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/**
 * ProbeFloorBenchmark (placement's test tree, which cannot see perf) repeats RoutingBenchmark's setup so that its
 * floor is measured on the same index: the two build the same pods, chain and index from the same seed.
 */
class WorstCaseSetupTest {
    @Test
    void probeFloorBenchmarkBuildsRoutingBenchmarksIndex() {
        int blocks = 512;
        long[] his = new long[blocks];
        long[] los = new long[blocks];
        List<Pod> pods = new ArrayList<>();
        long[] floorHis = new long[blocks];
        long[] floorLos = new long[blocks];
        List<Pod> floorPods = new ArrayList<>();
        try (BlockLocationIndex routing = RoutingBenchmark.worstCase(new SplittableRandom(11), his, los, pods);
             BlockLocationIndex floor = ProbeFloorBenchmark.worstCase(new SplittableRandom(11), floorHis, floorLos,
                 floorPods)) {
            assertArrayEquals(his, floorHis);
            assertArrayEquals(los, floorLos);
            assertEquals(pods, floorPods);
            assertEquals(routing.size(), floor.size());
            assertEquals(routing.shards(), floor.shards());
            int[] a = new int[64];
            int[] b = new int[64];
            for (int k = 0; k < blocks; k++) {
                int n = routing.locationsOf(his[k], los[k], a);
                assertEquals(n, floor.locationsOf(his[k], los[k], b), "key " + k);
                assertArrayEquals(sorted(a, n), sorted(b, n), "key " + k);
            }
        }
    }

    /** Location ids are handed out in order of first use, so equal setups give equal ids; sorted, to compare sets. */
    private static int[] sorted(int[] ids, int n) {
        int[] sorted = Arrays.copyOf(ids, n);
        Arrays.sort(sorted);
        return sorted;
    }
}
