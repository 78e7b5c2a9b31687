package io.spillway.placement.index;

import static io.spillway.placement.index.IndexFixtures.pod;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.SplittableRandom;
import java.util.TreeMap;
import java.util.stream.IntStream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * walk: the ids a walker has counted in and not out at each key are that key's stored ids, whatever the order of
 * adds, removes and clears that put them there (lists inline and pooled, reordered by removals, holes, retired
 * ids), and a walker that stops hears of no later key.
 */
class ChainWalkTest {
    private static final int KEYS = 120;

    /** Keeps a count per id from enter and leave, and at each key checks it against the index's own lookup. */
    private static final class CountingWalker extends ChainWalker {
        final BlockLocationIndex index;
        final long[] his;
        final long[] los;
        final int stopAfter;
        final TreeMap<Integer, Integer> held = new TreeMap<>();
        final List<Integer> told = new ArrayList<>();
        int leavesBeforeEnter;
        boolean leaving;
        int starts;

        CountingWalker(BlockLocationIndex index, long[] his, long[] los, int stopAfter) {
            this.index = index;
            this.his = his;
            this.los = los;
            this.stopAfter = stopAfter;
        }

        @Override
        protected void start() {
            held.clear();
            told.clear();
            starts++;
        }

        @Override
        protected void enter(int id, int k) {
            if (leaving) {
                leavesBeforeEnter++;
            }
            held.merge(id, 1, Integer::sum);
        }

        @Override
        protected void leave(int id, int k) {
            leaving = true;
            int left = held.merge(id, -1, Integer::sum);
            if (left == 0) {
                held.remove(id);
            }
        }

        @Override
        protected boolean next(int k) {
            leaving = false;
            told.add(k);
            int[] live = new int[256];
            int n = index.locationsOf(his[k], los[k], live);
            int[] expected = Arrays.copyOf(live, n);
            Arrays.sort(expected);
            int[] counted = held.entrySet().stream()
                .filter(e -> index.locations().isLive(e.getKey()))
                .flatMapToInt(e -> IntStream.generate(e::getKey).limit(e.getValue()))
                .toArray();
            assertEquals(Arrays.toString(expected), Arrays.toString(counted), "key " + k);
            return k < stopAfter;
        }
    }

    @ParameterizedTest(name = "seed {0}")
    @ValueSource(longs = {1, 2, 3, 4, 5, 6, 7, 8})
    void theCountedIdsAreEachKeysIds(long seed) {
        SplittableRandom r = new SplittableRandom(seed);
        try (BlockLocationIndex index = new BlockLocationIndex(100_000, 0, seed % 2 == 0 ? 4 : 1, 0)) {
            long[] his = new long[KEYS];
            long[] los = new long[KEYS];
            for (int k = 0; k < KEYS; k++) {
                his[k] = r.nextLong();
                los[k] = r.nextLong();
            }
            int places = 2 + r.nextInt(30); // a few (inline) to many (pooled) per key
            for (int op = 0; op < 3000; op++) {
                int place = r.nextInt(places);
                int id = index.location(pod(place));
                int from = r.nextInt(KEYS);
                int to = Math.min(KEYS, from + 1 + r.nextInt(40));
                switch (r.nextInt(10)) {
                    case 0, 1, 2, 3, 4 -> index.addAll(id, Arrays.copyOfRange(his, from, to),
                        Arrays.copyOfRange(los, from, to), to - from);
                    case 5, 6, 7 -> index.remove(his[from], los[from], id);
                    case 8 -> index.removeAll(id, Arrays.copyOfRange(his, from, to), Arrays.copyOfRange(los, from,
                        to), to - from);
                    default -> {
                        if (r.nextInt(10) == 0) {
                            index.clear(pod(place));
                        }
                    }
                }
            }
            int stopAfter = r.nextInt(KEYS + 10);
            CountingWalker walker = new CountingWalker(index, his, los, stopAfter);
            index.walk(his, los, KEYS, walker);
            assertEquals(1, walker.starts, "no write overlapped, so the walk went once");
            assertEquals(0, walker.leavesBeforeEnter, "every entry of a key comes before its leaves");
            assertEquals(Math.min(stopAfter + 1, KEYS), walker.told.size(), "keys told until the walker stopped");
        }
    }

    /**
     * What prefix-aware routing produces: a few places hold prefixes of the chain (cut back from the tail, as vLLM
     * frees a sequence's tail blocks first), a few more take turns over every key (cluster nodes), and holes at random
     * places; so consecutive keys' inline lists mostly differ in one lane, the step compared word against word.
     */
    @ParameterizedTest(name = "seed {0}")
    @ValueSource(longs = {11, 12, 13, 14, 15, 16, 17, 18, 19, 20, 21, 22})
    void prefixesWithNodesTakingTurnsAndHolesAreCountedExactly(long seed) {
        SplittableRandom r = new SplittableRandom(seed);
        try (BlockLocationIndex index = new BlockLocationIndex(100_000, 0, seed % 2 == 0 ? 4 : 1, 0)) {
            long[] his = new long[KEYS];
            long[] los = new long[KEYS];
            for (int k = 0; k < KEYS; k++) {
                his[k] = r.nextLong();
                los[k] = r.nextLong();
            }
            int prefixes = 1 + r.nextInt(5); // up to 4 inline with a node; 5 and a node spill to the pool
            for (int p = 0; p < prefixes; p++) {
                int run = r.nextInt(KEYS + 1);
                index.addAll(index.location(pod(p)), his, los, run);
            }
            int nodes = 1 + r.nextInt(3);
            for (int k = 0; k < KEYS; k++) {
                index.add(his[k], los[k], index.location(pod(100 + k % nodes)));
            }
            for (int i = 0, holes = r.nextInt(12); i < holes; i++) {
                int k = r.nextInt(KEYS);
                int place = r.nextInt(4) == 0 ? 100 + k % nodes : r.nextInt(prefixes);
                index.remove(his[k], los[k], index.location(pod(place)));
            }
            CountingWalker walker = new CountingWalker(index, his, los, KEYS);
            index.walk(his, los, KEYS, walker);
            assertEquals(KEYS, walker.told.size(), "every key told");
            assertEquals(0, walker.leavesBeforeEnter, "every entry of a key comes before its leaves");
        }
    }

    @ParameterizedTest(name = "count {0}")
    @ValueSource(ints = {-1, 3})
    void aCountOutsideTheArraysIsRefused(int count) {
        try (BlockLocationIndex index = new BlockLocationIndex(100)) {
            CountingWalker walker = new CountingWalker(index, new long[2], new long[2], 10);
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> index.walk(new long[2], new long[2], count, walker));
            assertEquals(true, e.getMessage().contains("count"), e.getMessage());
        }
    }
}
