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
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;

/**
 * Several writers at once on a sharded index with helpers, as a subscriber and its snapshot loaders write: each
 * writer owns one location (so its model is exact whatever the interleaving) and adds, removes, moves to a second
 * location of its own and clears, in batches large and small over a key space the writers share. At the end the
 * index holds exactly the union of the writers' models, its tables are sound, and every retired id is released.
 */
class ShardedWritersTest {
    private static final int WRITERS = 3;
    private static final int OPS = 1_500;

    @Test
    void concurrentBatchWritersEndAtTheUnionOfTheirModels() throws InterruptedException {
        BlockKey[] keySet = randomKeys(new SplittableRandom(7), 20_000);
        try (BlockLocationIndex index = new BlockLocationIndex(1_000_000, 0, 16, 1)) {
            List<Map<Location, Set<BlockKey>>> models = new ArrayList<>();
            AtomicReference<Throwable> failure = new AtomicReference<>();
            List<Thread> threads = new ArrayList<>();
            for (int w = 0; w < WRITERS; w++) {
                Map<Location, Set<BlockKey>> model = new HashMap<>();
                models.add(model);
                int writer = w;
                Thread t = new Thread(() -> {
                    try {
                        write(index, keySet, writer, model);
                    } catch (Throwable e) {
                        failure.compareAndSet(null, e);
                    }
                }, "writer-" + w);
                threads.add(t);
                t.start();
            }
            for (Thread t : threads) {
                t.join();
            }
            assertNull(failure.get(), () -> "a writer failed: " + failure.get());
            assertNull(index.checkInvariants());
            Map<BlockKey, Set<Integer>> expected = new HashMap<>();
            for (Map<Location, Set<BlockKey>> model : models) {
                model.forEach((place, keys) -> {
                    for (BlockKey key : keys) {
                        expected.computeIfAbsent(key, k -> new HashSet<>()).add(index.location(place));
                    }
                });
            }
            assertEquals(expected, content(index));
            finishPurge(index, index.location(pod(0)));
            assertEquals(expected.size(), index.size(), "size() once every purge completed");
            assertEquals(0, index.retiredIds());
            assertNull(index.checkInvariants());
            assertTrue(index.helperParts() > 0, "the helper wrote parts of the large batches");
        }
    }

    private static void write(BlockLocationIndex index, BlockKey[] keySet, int writer,
                              Map<Location, Set<BlockKey>> model) {
        SplittableRandom random = new SplittableRandom(100 + writer);
        Location home = pod(10 + writer);
        Location other = pod(20 + writer);
        model.put(home, new HashSet<>());
        model.put(other, new HashSet<>());
        for (int op = 0; op < OPS; op++) {
            int n = random.nextInt(4) == 0 ? random.nextInt(8) : random.nextInt(1_500);
            List<BlockKey> batch = new ArrayList<>(n);
            for (int i = 0; i < n; i++) {
                batch.add(keySet[random.nextInt(keySet.length)]);
            }
            int dice = random.nextInt(100);
            if (dice < 45) {
                int expected = 0;
                for (BlockKey k : batch) {
                    expected += model.get(home).add(k) ? 1 : 0;
                }
                assertEquals(expected, index.addAll(index.location(home), packed(batch), 0, n), "addAll");
            } else if (dice < 80) {
                int expected = 0;
                for (BlockKey k : batch) {
                    expected += model.get(home).remove(k) ? 1 : 0;
                }
                assertEquals(expected, index.removeAll(index.location(home), packed(batch), 0, n), "removeAll");
            } else if (dice < 97) {
                int expected = 0;
                for (BlockKey k : batch) {
                    expected += model.get(home).remove(k) ? 1 : 0;
                    model.get(other).add(k);
                }
                assertEquals(expected, index.moveAll(index.location(home), index.location(other), packed(batch), 0,
                    n), "moveAll");
            } else {
                Location cleared = random.nextBoolean() ? home : other;
                index.clear(cleared);
                model.get(cleared).clear();
            }
        }
        assertTrue(index.sizeOf(index.location(home)) == model.get(home).size(), "sizeOf at the end");
    }
}
