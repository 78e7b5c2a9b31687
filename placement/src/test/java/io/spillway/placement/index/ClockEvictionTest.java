package io.spillway.placement.index;

import static io.spillway.placement.index.IndexFixtures.pod;
import static io.spillway.placement.index.IndexFixtures.randomKeys;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.spillway.key.BlockKey;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** The bound and CLOCK: at most maxKeys keys, exact below it, and a referenced key outlives a sweep of the hand. */
class ClockEvictionTest {
    @ParameterizedTest(name = "maxKeys {0}")
    @ValueSource(longs = {1, 2, 7, 100, 1000})
    void sizeNeverExceedsTheBoundAndEveryExtraKeyEvictsOne(long maxKeys) {
        BlockLocationIndex index = new BlockLocationIndex(maxKeys);
        int a = index.location(pod(1));
        int b = index.location(pod(2));
        SplittableRandom random = new SplittableRandom(maxKeys);
        long inserted = 0;
        for (int i = 0; i < 20 * maxKeys + 50; i++) {
            long hi = random.nextLong();
            long lo = random.nextLong();
            assertTrue(index.add(hi, lo, a));
            inserted++;
            if (random.nextBoolean()) {
                index.add(hi, lo, b);
            }
            assertTrue(index.size() <= maxKeys, "size " + index.size() + " over the bound " + maxKeys);
            assertTrue(index.contains(hi, lo, a), "the key just added is held");
        }
        assertEquals(maxKeys, index.size());
        assertEquals(inserted - maxKeys, index.evictions());
        assertEquals(maxKeys, index.sizeOf(a), "an evicted key leaves every location it was at");
        assertTrue(index.sizeOf(b) <= maxKeys);
    }

    @Test
    void aShardedIndexEvictsWithinEachShardAndNeverPassesItsShare() {
        int shards = 8;
        long maxKeys = 8_000;
        try (BlockLocationIndex index = new BlockLocationIndex(maxKeys, 0, shards, 1)) {
            int a = index.location(pod(1));
            SplittableRandom random = new SplittableRandom(11);
            long[] his = new long[500];
            long[] los = new long[500];
            for (int round = 0; round < 100; round++) {
                for (int i = 0; i < his.length; i++) {
                    his[i] = random.nextLong();
                    los[i] = random.nextLong();
                }
                assertEquals(his.length, index.addAll(a, his, los, his.length), "every key was new");
                assertTrue(index.size() <= maxKeys, "size " + index.size() + " over the bound " + maxKeys);
                assertTrue(index.contains(his[his.length - 1], los[los.length - 1], a), "the last key written is held");
            }
            long inserted = 100L * his.length;
            assertEquals(inserted - index.size(), index.evictions(), "every key not held was evicted");
            assertTrue(index.size() > maxKeys * 95 / 100, "each shard fills to its share: " + index.size());
            assertEquals(null, index.checkInvariants());
        }
    }

    @Test
    void exactUpToTheBound() {
        BlockKey[] keys = randomKeys(new SplittableRandom(5), 5000);
        BlockLocationIndex index = new BlockLocationIndex(keys.length);
        int a = index.location(pod(1));
        for (BlockKey key : keys) {
            index.add(key.hi(), key.lo(), a);
        }
        assertEquals(0, index.evictions());
        assertEquals(keys.length, index.size());
        for (BlockKey key : keys) {
            assertTrue(index.contains(key.hi(), key.lo(), a));
        }
    }

    @Test
    void aKeyLookedUpSinceTheHandLastPassedOutlivesEveryUnreferencedKey() {
        int maxKeys = 100;
        BlockLocationIndex index = new BlockLocationIndex(maxKeys);
        int a = index.location(pod(1));
        SplittableRandom random = new SplittableRandom(11);
        List<BlockKey> old = new ArrayList<>();
        for (BlockKey key : randomKeys(random, maxKeys)) {
            index.add(key.hi(), key.lo(), a);
            old.add(key);
        }
        // the first key past the bound sends the hand round once, clearing every mark, and evicts one
        BlockKey extra = randomKeys(random, 1)[0];
        index.add(extra.hi(), extra.lo(), a);
        assertEquals(1, index.evictions());
        old.removeIf(k -> !index.contains(k.hi(), k.lo(), a));
        assertEquals(maxKeys - 1, old.size());

        BlockKey referenced = old.get(old.size() / 2);
        int[] out = new int[4];
        assertEquals(1, index.locationsOf(referenced.hi(), referenced.lo(), out), "the lookup marks it");

        for (int added = 0; index.contains(referenced.hi(), referenced.lo(), a); added++) {
            assertTrue(added < 10 * maxKeys, "the referenced key was never evicted");
            BlockKey key = randomKeys(random, 1)[0];
            index.add(key.hi(), key.lo(), a);
        }
        // the hand evicts each unreferenced key the first time it reaches it, the referenced one only the second time
        for (BlockKey key : old) {
            if (key != referenced) {
                assertFalse(index.contains(key.hi(), key.lo(), a), "an unreferenced old key outlived the referenced one");
            }
        }
    }

    @Test
    void aPrefixLookupMarksTheKeysItFinds() {
        int maxKeys = 50;
        BlockLocationIndex index = new BlockLocationIndex(maxKeys);
        int a = index.location(pod(1));
        SplittableRandom random = new SplittableRandom(12);
        BlockKey[] chain = randomKeys(random, 5);
        for (BlockKey key : chain) {
            index.add(key.hi(), key.lo(), a);
        }
        for (int i = 0; i < 3 * maxKeys; i++) {
            // each round the chain is looked up once, as a router would for a hot prefix
            PrefixRuns runs = new PrefixRuns();
            index.longestPrefix(chain, runs);
            assertEquals(chain.length, runs.runOf(a), "round " + i);
            BlockKey key = randomKeys(random, 1)[0];
            index.add(key.hi(), key.lo(), a);
        }
        assertEquals(maxKeys, index.size());
        assertTrue(index.evictions() >= 2L * maxKeys);
    }

    @Test
    void evictingAKeyAtManyLocationsDropsItFromEach() {
        BlockLocationIndex index = new BlockLocationIndex(1);
        int[] ids = new int[10];
        for (int i = 0; i < ids.length; i++) {
            ids[i] = index.location(pod(i));
            index.add(1, 1, ids[i]);
        }
        index.add(2, 2, ids[0]);
        assertEquals(1, index.evictions());
        assertEquals(1, index.size());
        assertEquals(1, index.sizeOf(ids[0]));
        for (int i = 1; i < ids.length; i++) {
            assertEquals(0, index.sizeOf(ids[i]));
        }
        assertFalse(index.contains(1, 1, ids[0]));
    }
}
