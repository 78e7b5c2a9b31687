package io.spillway.placement.index;

import static io.spillway.placement.index.IndexFixtures.content;
import static io.spillway.placement.index.IndexFixtures.finishPurge;
import static io.spillway.placement.index.IndexFixtures.packed;
import static io.spillway.placement.index.IndexFixtures.pod;
import static io.spillway.placement.index.IndexFixtures.randomKeys;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.spillway.key.BlockKey;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.SplittableRandom;
import org.agrona.concurrent.UnsafeBuffer;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * Random adds, removes, batches, moves, clears and lookups against a plain map of key to locations, with a bound
 * large enough that nothing is evicted: after every few hundred operations the whole content (forEach and
 * locationsOf), size() and sizeOf() of every location must match the model.
 */
class IndexModelTest {
    private static final int OPS = 30_000;
    private static final int CHECK_EVERY = 400;

    @ParameterizedTest(name = "seed {0}, {1} keys, {2} locations, {3} shard(s), {4} helper(s), batches < {5}")
    @CsvSource({
        "1, 3000, 6, 1, 0, 40",    // mostly inline entries, the table grows from its initial size
        "2, 400, 40, 1, 0, 40",    // many keys past four locations: the overflow pool grows and shrinks
        "3, 6000, 12, 1, 0, 40",   // a larger table (16,384 slots): a purge takes several writes
        "4, 60, 70, 1, 0, 40",     // a few keys at very many locations
        "5, 6000, 12, 8, 1, 600",  // sharded, large batches shared with a helper thread
        "6, 400, 40, 4, 2, 300",   // sharded, the pool in every shard, two helpers
    })
    void matchesAMapOfSets(long seed, int keySpace, int locationCount, int shards, int helpers, int maxBatch) {
        SplittableRandom random = new SplittableRandom(seed);
        BlockKey[] keySet = randomKeys(random, keySpace);
        keySet[0] = new BlockKey(0, 0); // a zero key is a key like any other
        Location[] places = new Location[locationCount];
        for (int i = 0; i < locationCount; i++) {
            places[i] = i % 3 == 2 ? Location.node("node-" + i, Medium.CPU) : pod(i);
        }
        try (BlockLocationIndex index = new BlockLocationIndex(1_000_000, 0, shards, helpers)) {
            run(random, keySet, places, index, maxBatch);
        }
    }

    private static void run(SplittableRandom random, BlockKey[] keySet, Location[] places, BlockLocationIndex index,
                            int maxBatch) {
        int keySpace = keySet.length;
        int locationCount = places.length;
        Map<BlockKey, Set<Location>> model = new HashMap<>();
        int[] out = new int[128];

        for (int op = 1; op <= OPS; op++) {
            Location place = places[random.nextInt(locationCount)];
            int id = index.location(place);
            BlockKey key = keySet[random.nextInt(keySpace)];
            int dice = random.nextInt(100);
            if (dice < 35) {
                boolean added = index.add(key.hi(), key.lo(), id);
                assertEquals(model.computeIfAbsent(key, k -> new HashSet<>()).add(place), added, "add " + key);
            } else if (dice < 55) {
                boolean removed = index.remove(key.hi(), key.lo(), id);
                assertEquals(modelRemove(model, key, place), removed, "remove " + key);
            } else if (dice < 63) {
                List<BlockKey> batch = batch(random, keySet, maxBatch);
                int expected = 0;
                for (BlockKey k : batch) {
                    expected += model.computeIfAbsent(k, x -> new HashSet<>()).add(place) ? 1 : 0;
                }
                int offset = 16 * random.nextInt(3);
                assertEquals(expected, index.addAll(id, shifted(batch, offset), offset, batch.size()), "addAll");
            } else if (dice < 69) {
                List<BlockKey> batch = batch(random, keySet, maxBatch);
                int expected = 0;
                for (BlockKey k : batch) {
                    expected += modelRemove(model, k, place) ? 1 : 0;
                }
                assertEquals(expected, index.removeAll(id, packed(batch), 0, batch.size()), "removeAll");
            } else if (dice < 73) {
                List<BlockKey> batch = batch(random, keySet, maxBatch);
                long[] his = new long[batch.size() + 1];
                long[] los = new long[batch.size() + 1];
                int expected = 0;
                for (int i = 0; i < batch.size(); i++) {
                    his[i] = batch.get(i).hi();
                    los[i] = batch.get(i).lo();
                    boolean adding = dice < 71;
                    expected += adding ? (model.computeIfAbsent(batch.get(i), x -> new HashSet<>()).add(place) ? 1 : 0)
                        : (modelRemove(model, batch.get(i), place) ? 1 : 0);
                }
                int got = dice < 71 ? index.addAll(id, his, los, batch.size()) : index.removeAll(id, his, los,
                    batch.size());
                assertEquals(expected, got, "array batch");
            } else if (dice < 78) {
                Location to = places[random.nextInt(locationCount)];
                int toId = index.location(to);
                List<BlockKey> batch = batch(random, keySet, maxBatch);
                int expected = 0;
                for (BlockKey k : batch) {
                    Set<Location> at = model.computeIfAbsent(k, x -> new HashSet<>());
                    boolean was = at.contains(place);
                    if (!place.equals(to)) {
                        at.remove(place);
                        at.add(to);
                    }
                    expected += was ? 1 : 0;
                    if (at.isEmpty()) {
                        model.remove(k);
                    }
                }
                assertEquals(expected, index.moveAll(id, toId, packed(batch), 0, batch.size()), "moveAll");
            } else if (dice < 79) {
                int fresh = index.clear(place);
                assertTrue(fresh != id && index.locations().isLive(fresh) && !index.locations().isLive(id),
                    "clear issues a fresh id and retires the old one");
                for (Set<Location> at : model.values()) {
                    at.remove(place);
                }
                model.values().removeIf(Set::isEmpty);
            } else if (dice < 92) {
                int n = index.locationsOf(key.hi(), key.lo(), out);
                assertEquals(ids(index, model.get(key)), set(out, n), "locationsOf " + key);
            } else {
                assertEquals(model.getOrDefault(key, Set.of()).contains(place), index.contains(key.hi(), key.lo(), id),
                    "contains " + key);
            }
            if (op % CHECK_EVERY == 0) {
                check(index, model, places, op % (CHECK_EVERY * 4) == 0);
            }
        }
        assertEquals(0, index.evictions(), "the bound was never reached");
    }

    private static void check(BlockLocationIndex index, Map<BlockKey, Set<Location>> model, Location[] places,
                              boolean purgeFirst) {
        assertNull(index.checkInvariants());
        if (purgeFirst) {
            finishPurge(index, index.location(places[0]));
            assertEquals(model.size(), index.size(), "size() once purged");
        } else {
            assertTrue(index.size() >= model.size(), "size() counts keys at retired ids until purged");
        }
        Map<BlockKey, Set<Integer>> expected = new HashMap<>();
        model.forEach((key, at) -> expected.put(key, ids(index, at)));
        assertEquals(expected, content(index), "forEach");
        int[] out = new int[128];
        for (Map.Entry<BlockKey, Set<Integer>> e : expected.entrySet()) {
            int n = index.locationsOf(e.getKey().hi(), e.getKey().lo(), out);
            assertEquals(e.getValue(), set(out, n), "locationsOf " + e.getKey());
        }
        Map<Location, Long> held = new HashMap<>();
        for (Set<Location> at : model.values()) {
            assertTrue(!at.isEmpty(), "the model keeps no key without locations");
            for (Location place : at) {
                held.merge(place, 1L, Long::sum);
            }
        }
        for (Location place : places) {
            assertEquals(held.getOrDefault(place, 0L), index.sizeOf(index.location(place)), "sizeOf " + place);
        }
    }

    private static boolean modelRemove(Map<BlockKey, Set<Location>> model, BlockKey key, Location place) {
        Set<Location> at = model.get(key);
        if (at == null || !at.remove(place)) {
            return false;
        }
        if (at.isEmpty()) {
            model.remove(key);
        }
        return true;
    }

    private static List<BlockKey> batch(SplittableRandom random, BlockKey[] keySet, int maxBatch) {
        int n = random.nextInt(maxBatch);
        List<BlockKey> batch = new ArrayList<>(n);
        for (int i = 0; i < n; i++) {
            batch.add(keySet[random.nextInt(keySet.length)]);
        }
        return batch;
    }

    /** The batch packed {@code offset} bytes into a buffer, to check the offset is honoured. */
    private static UnsafeBuffer shifted(List<BlockKey> batch, int offset) {
        UnsafeBuffer plain = packed(batch);
        UnsafeBuffer buffer = new UnsafeBuffer(
            new byte[offset + plain.capacity()]);
        buffer.putBytes(offset, plain, 0, plain.capacity());
        return buffer;
    }

    private static Set<Integer> ids(BlockLocationIndex index, Set<Location> at) {
        Set<Integer> ids = new HashSet<>();
        if (at != null) {
            for (Location place : at) {
                ids.add(index.location(place));
            }
        }
        return ids;
    }

    private static Set<Integer> set(int[] out, int n) {
        assertTrue(n <= out.length, "more locations than the test's array: " + n);
        Set<Integer> ids = new HashSet<>();
        for (int i = 0; i < n; i++) {
            assertTrue(ids.add(out[i]), "location " + out[i] + " reported twice");
        }
        return ids;
    }
}
