package io.spillway.tier.cpu;

import static io.spillway.tier.cpu.TestBlocks.NS;
import static io.spillway.tier.cpu.TestBlocks.key;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.spillway.key.BlockKey;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

/** {@link LruBlockIndex} alone, over blocks that own no memory (a heap view of the given length). */
class LruBlockIndexTest {
    private final OffHeapPool pool = new OffHeapPool(1 << 20, 1, 64 << 10);
    private final List<Block> evicted = new CopyOnWriteArrayList<>();

    private Block block(long i, int length) {
        return new Block(NS, key(i), 0, null, ByteBuffer.allocate(length), pool);
    }

    @Test
    void evictsLeastRecentlyUsedFirstUntilTheWeightFits() {
        LruBlockIndex index = new LruBlockIndex(300, evicted::add);
        Block a = block(1, 100);
        Block b = block(2, 100);
        Block c = block(3, 100);
        index.putIfAbsent(a);
        index.putIfAbsent(b);
        index.putIfAbsent(c);
        assertSame(a, index.getAndTouch(key(1)));
        assertTrue(index.contains(key(2)), "contains is not an access");

        index.putIfAbsent(block(4, 150));

        assertEquals(List.of(b, c), evicted, "b then c, before the put returned; a was read");
        assertEquals(250, index.weight());
        assertEquals(List.of(key(1), key(4)), index.keys(), "least recently used first");
    }

    @Test
    void touchIfPresentRefreshesAndPutIfAbsentKeepsTheFirst() {
        LruBlockIndex index = new LruBlockIndex(200, evicted::add);
        Block a = block(1, 100);
        index.putIfAbsent(a);
        index.putIfAbsent(block(2, 100));

        assertTrue(index.touchIfPresent(key(1)));
        assertFalse(index.touchIfPresent(key(9)));
        assertFalse(index.putIfAbsent(block(1, 50)), "present");
        index.putIfAbsent(block(3, 100));

        assertEquals(List.of(key(2)), evicted.stream().map(x -> x.key).toList());
        assertSame(a, index.getAndTouch(key(1)));
    }

    @Test
    void blockHeavierThanTheMaximumIsEvictedAloneAndEmptyBlocksWeighOne() {
        LruBlockIndex index = new LruBlockIndex(100, evicted::add);
        index.putIfAbsent(block(1, 60));
        Block huge = block(2, 101);

        assertTrue(index.putIfAbsent(huge));
        assertEquals(List.of(huge), evicted);
        assertTrue(index.contains(key(1)));

        index.putIfAbsent(block(3, 0));
        assertEquals(61, index.weight());
    }

    @Test
    void removeByKeyOrExactBlockAdjustsTheWeight() {
        LruBlockIndex index = new LruBlockIndex(1000, evicted::add);
        Block a = block(1, 100);
        index.putIfAbsent(a);
        index.putIfAbsent(block(2, 200));

        assertFalse(index.remove(key(1), block(1, 100)), "another block of the same key");
        assertTrue(index.remove(key(1), a));
        assertEquals(200, index.remove(key(2)).length);
        assertNull(index.remove(key(2)));
        assertEquals(0, index.weight());
        assertEquals(List.of(), index.keys());
        assertEquals(List.of(), evicted);
    }

    /** Every block stored leaves exactly once (evicted or removed) or is still indexed, and the weight adds up. */
    @Test
    void concurrentPutsGetsAndRemovesAccountForEveryBlockOnce() throws Exception {
        LruBlockIndex index = new LruBlockIndex(20_000, evicted::add);
        Map<Block, Boolean> stored = new ConcurrentHashMap<>();
        List<Block> removed = new CopyOnWriteArrayList<>();
        AtomicInteger overweight = new AtomicInteger();
        List<Thread> threads = new ArrayList<>();
        for (int t = 0; t < 4; t++) {
            SplittableRandom random = new SplittableRandom(t);
            threads.add(new Thread(() -> {
                for (int op = 0; op < 20_000; op++) {
                    long k = random.nextInt(200);
                    switch (random.nextInt(4)) {
                        case 0, 1 -> {
                            Block b = block(k, random.nextInt(1000));
                            if (index.putIfAbsent(b)) {
                                stored.put(b, true);
                            }
                        }
                        case 2 -> index.getAndTouch(key(k));
                        default -> {
                            Block b = index.remove(key(k));
                            if (b != null) {
                                removed.add(b);
                            }
                        }
                    }
                    if (index.weight() > 20_000) {
                        overweight.incrementAndGet();
                    }
                }
            }));
        }
        threads.forEach(Thread::start);
        for (Thread t : threads) {
            t.join();
        }

        assertEquals(0, overweight.get());
        List<Block> left = new ArrayList<>();
        long weight = 0;
        for (BlockKey k : index.keys()) {
            Block b = index.getAndTouch(k);
            left.add(b);
            weight += BlockIndex.weigh(b);
        }
        assertEquals(weight, index.weight());
        List<Block> accounted = new ArrayList<>(evicted);
        accounted.addAll(removed);
        accounted.addAll(left);
        assertEquals(stored.size(), accounted.size(), "no block lost or handed out twice");
        assertEquals(stored.keySet(), new HashSet<>(accounted), "the same blocks (identity)");
        assertTrue(evicted.size() > 0, "the workload did evict");
    }
}
