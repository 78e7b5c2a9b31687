package io.spillway.placement.index;

import static io.spillway.placement.index.IndexFixtures.packed;
import static io.spillway.placement.index.IndexFixtures.pod;
import static io.spillway.placement.index.IndexFixtures.randomKeys;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.spillway.key.BlockKey;
import java.util.Arrays;
import java.util.SplittableRandom;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import org.agrona.concurrent.UnsafeBuffer;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * Readers run while one writer grows the table, batches, moves, clears, and churns the overflow pool under a chain
 * the readers watch: no exception, and the chain's untouched location is always seen whole, by lookups and by
 * walks.
 */
class ConcurrentReadTest {
    private static final long RUN_NANOS = 1_200_000_000L;
    private static final int CHAIN = 64;

    @ParameterizedTest(name = "{0} shard(s), {1} helper(s)")
    @CsvSource({"1, 0", "8, 1"})
    void readersSeeTheUntouchedLocationWholeThroughResizesAndClears(int shards, int helpers)
        throws InterruptedException {
        try (BlockLocationIndex index = new BlockLocationIndex(2_000_000, 0, shards, helpers)) {
            readersSeeTheChainWhole(index);
        }
    }

    private static void readersSeeTheChainWhole(BlockLocationIndex index) throws InterruptedException {
        BlockKey[] chain = randomKeys(new SplittableRandom(1), CHAIN);
        int stable = index.location(Location.node("stable", Medium.CPU));
        for (BlockKey key : chain) {
            index.add(key.hi(), key.lo(), stable);
        }
        Location[] churned = new Location[8];
        for (int i = 0; i < churned.length; i++) {
            churned[i] = pod(i);
            index.location(churned[i]);
        }
        int startCapacity = index.capacity();
        AtomicReference<Throwable> failure = new AtomicReference<>();
        AtomicLong reads = new AtomicLong();
        long deadline = System.nanoTime() + RUN_NANOS;

        Thread writer = new Thread(() -> {
            SplittableRandom random = new SplittableRandom(2);
            UnsafeBuffer chainPacked = packed(chain);
            BlockKey[] batch = new BlockKey[256];
            try {
                for (int op = 0; System.nanoTime() < deadline && failure.get() == null; op++) {
                    Location place = churned[random.nextInt(churned.length)];
                    int id = index.location(place);
                    switch (op % 6) {
                        case 0, 1 -> {
                            for (int i = 0; i < batch.length; i++) {
                                batch[i] = new BlockKey(random.nextLong(), random.nextLong());
                            }
                            index.addAll(id, packed(batch), 0, batch.length);
                        }
                        case 2 -> index.addAll(id, chainPacked, 0, CHAIN); // pushes chain entries into the pool
                        case 3 -> index.removeAll(id, chainPacked, 0, random.nextInt(CHAIN));
                        case 4 -> index.moveAll(id, index.location(churned[random.nextInt(churned.length)]),
                            packed(batch), 0, batch.length);
                        default -> {
                            if (random.nextInt(4) == 0) {
                                index.clear(place);
                            } else {
                                index.removeAll(id, packed(batch), 0, batch.length / 2);
                            }
                        }
                    }
                }
            } catch (Throwable t) {
                failure.compareAndSet(null, t);
            }
        }, "writer");

        AtomicLong seeds = new AtomicLong(100);
        long[] chainHis = Arrays.stream(chain).mapToLong(BlockKey::hi).toArray();
        long[] chainLos = Arrays.stream(chain).mapToLong(BlockKey::lo).toArray();
        Runnable reader = () -> {
            StableWalker walker = new StableWalker(stable);
            PrefixRuns runs = new PrefixRuns();
            int[] out = new int[3]; // often too short: exercises the bound
            SplittableRandom random = new SplittableRandom(seeds.incrementAndGet());
            try {
                while (System.nanoTime() < deadline && failure.get() == null) {
                    index.longestPrefix(chain, runs);
                    if (runs.runOf(stable) != CHAIN) {
                        throw new AssertionError("stable run " + runs.runOf(stable) + " in " + describe(runs));
                    }
                    index.walk(chainHis, chainLos, CHAIN, walker);
                    if (walker.heldAt != CHAIN) {
                        throw new AssertionError("the walk saw the stable location at " + walker.heldAt + " keys");
                    }
                    BlockKey key = chain[random.nextInt(CHAIN)];
                    if (!index.contains(key.hi(), key.lo(), stable)) {
                        throw new AssertionError("lost " + key + " at the stable location");
                    }
                    int n = index.locationsOf(key.hi(), key.lo(), out);
                    if (n < 1 || n > 9) {
                        throw new AssertionError(n + " locations for a chain key");
                    }
                    if (index.sizeOf(stable) != CHAIN || index.size() < CHAIN) {
                        throw new AssertionError("sizes " + index.sizeOf(stable) + ", " + index.size());
                    }
                    index.locationsOf(random.nextLong(), random.nextLong(), out);
                    reads.incrementAndGet();
                }
            } catch (Throwable t) {
                failure.compareAndSet(null, t);
            }
        };
        Thread[] readers = {new Thread(reader, "reader-1"), new Thread(reader, "reader-2")};
        writer.start();
        for (Thread t : readers) {
            t.start();
        }
        writer.join();
        for (Thread t : readers) {
            t.join();
        }
        assertNull(failure.get(), () -> "failed: " + failure.get());
        assertTrue(reads.get() > 100, "reads: " + reads.get());
        assertTrue(index.capacity() >= 16 * startCapacity, "the table grew: " + index.capacity());
    }

    /**
     * Counts the keys a walk saw the stable location at; what it hears during an optimistic pass may be torn, so it
     * only counts, and the count that stands is the one left when the walk returns.
     */
    private static final class StableWalker extends ChainWalker {
        private final int stable;
        private int count;
        int heldAt;

        StableWalker(int stable) {
            this.stable = stable;
        }

        @Override
        protected void start() {
            count = 0;
            heldAt = 0;
        }

        @Override
        protected void enter(int id, int k) {
            count += id == stable ? 1 : 0;
        }

        @Override
        protected void leave(int id, int k) {
            count -= id == stable ? 1 : 0;
        }

        @Override
        protected boolean next(int k) {
            heldAt += count == 1 ? 1 : 0;
            return true;
        }
    }

    private static String describe(PrefixRuns runs) {
        int[][] pairs = new int[runs.size()][];
        for (int i = 0; i < runs.size(); i++) {
            pairs[i] = new int[] {runs.location(i), runs.run(i)};
        }
        return Arrays.deepToString(pairs);
    }
}
