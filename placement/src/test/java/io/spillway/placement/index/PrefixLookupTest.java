package io.spillway.placement.index;

import static io.spillway.placement.index.IndexFixtures.pod;
import static io.spillway.placement.index.IndexFixtures.randomKeys;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import com.sun.management.ThreadMXBean;
import io.spillway.key.BlockKey;
import java.lang.management.ManagementFactory;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/** longestPrefix: per location, the leading keys of a chain held without a gap; only live ids; no allocation. */
class PrefixLookupTest {
    private final SplittableRandom random = new SplittableRandom(3);

    @Test
    void eachLocationCountsTheKeysBeforeItsFirstGap() {
        BlockKey[] chain = randomKeys(random, 10);
        BlockLocationIndex index = new BlockLocationIndex(1000);
        int a = index.location(pod(1));
        int b = index.location(pod(2));
        int c = index.location(Location.node("n1", Medium.CPU));
        int d = index.location(pod(4));
        hold(index, a, chain, 0, 10);
        hold(index, b, chain, 0, 5);
        hold(index, c, chain, 0, 3);
        hold(index, c, chain, 4, 10); // a gap at 3
        hold(index, d, chain, 1, 10); // not the first key

        PrefixRuns runs = new PrefixRuns();
        index.longestPrefix(chain, runs);
        assertEquals(3, runs.size());
        assertEquals(10, runs.runOf(a));
        assertEquals(5, runs.runOf(b));
        assertEquals(3, runs.runOf(c));
        assertEquals(0, runs.runOf(d));
        assertEquals(10, runs.longest());

        PrefixRuns fromArrays = new PrefixRuns();
        long[] his = new long[12];
        long[] los = new long[12];
        for (int i = 0; i < chain.length; i++) {
            his[i] = chain[i].hi();
            los[i] = chain[i].lo();
        }
        index.longestPrefix(his, los, 4, fromArrays);
        assertEquals(4, fromArrays.runOf(a), "only the first count keys");
        assertEquals(4, fromArrays.runOf(b));
        assertEquals(3, fromArrays.runOf(c));
    }

    @Test
    void noRunsWhenTheFirstKeyIsMissingOrTheChainIsEmpty() {
        BlockKey[] chain = randomKeys(random, 4);
        BlockLocationIndex index = new BlockLocationIndex(100);
        int a = index.location(pod(1));
        hold(index, a, chain, 1, 4);
        PrefixRuns runs = new PrefixRuns();
        index.longestPrefix(chain, runs);
        assertEquals(0, runs.size());
        hold(index, a, chain, 0, 1);
        index.longestPrefix(chain, runs);
        assertEquals(4, runs.runOf(a));
        index.longestPrefix(new BlockKey[0], runs);
        assertEquals(0, runs.size(), "cleared first");
    }

    @Test
    void aClearedLocationHasNoRunAndItsFreshIdStartsEmpty() {
        BlockKey[] chain = randomKeys(random, 6);
        BlockLocationIndex index = new BlockLocationIndex(100);
        int a = index.location(pod(1));
        int b = index.location(pod(2));
        hold(index, a, chain, 0, 6);
        hold(index, b, chain, 0, 6);
        int fresh = index.clear(pod(2));
        PrefixRuns runs = new PrefixRuns();
        index.longestPrefix(chain, runs);
        assertEquals(1, runs.size());
        assertEquals(6, runs.runOf(a));
        assertEquals(0, runs.runOf(b));
        assertEquals(0, runs.runOf(fresh));
        hold(index, fresh, chain, 0, 2);
        index.longestPrefix(chain, runs);
        assertEquals(2, runs.runOf(fresh));
    }

    @Test
    void sixtyFourPodsSharingAPrefixEachGetTheirOwnRun() {
        BlockKey[] chain = randomKeys(random, 512);
        BlockLocationIndex index = new BlockLocationIndex(10_000);
        int[] pods = new int[64];
        for (int p = 0; p < pods.length; p++) {
            pods[p] = index.location(pod(p));
            hold(index, pods[p], chain, 0, 8 * (p + 1));
        }
        PrefixRuns runs = new PrefixRuns();
        index.longestPrefix(chain, runs);
        assertEquals(64, runs.size());
        for (int p = 0; p < pods.length; p++) {
            assertEquals(8 * (p + 1), runs.runOf(pods[p]), "pod " + p);
        }
        assertEquals(512, runs.longest());
    }

    @Test
    void aLookupAllocatesNothingOnceItsResultHasGrown() {
        assumeTrue(ManagementFactory.getThreadMXBean() instanceof ThreadMXBean,
            "needs per-thread allocation counters");
        ThreadMXBean threads = (ThreadMXBean) ManagementFactory.getThreadMXBean();
        assumeTrue(threads.isThreadAllocatedMemorySupported() && threads.isThreadAllocatedMemoryEnabled());
        BlockKey[] chain = randomKeys(random, 128);
        BlockLocationIndex index = new BlockLocationIndex(10_000);
        for (int p = 0; p < 20; p++) {
            hold(index, index.location(pod(p)), chain, 0, 6 * (p + 1));
        }
        PrefixRuns runs = new PrefixRuns();
        int[] out = new int[32];
        index.longestPrefix(chain, runs);
        long best = Long.MAX_VALUE;
        for (int round = 0; round < 20; round++) {
            long before = threads.getCurrentThreadAllocatedBytes();
            for (int i = 0; i < 100; i++) {
                index.longestPrefix(chain, runs);
                index.locationsOf(chain[i].hi(), chain[i].lo(), out);
            }
            long after = threads.getCurrentThreadAllocatedBytes();
            best = Math.min(best, after - before);
        }
        assertEquals(20, runs.size());
        assertTrue(best == 0, "100 lookups allocated " + best + " bytes");
    }

    private static void hold(BlockLocationIndex index, int location, BlockKey[] chain, int from, int to) {
        for (int i = from; i < to; i++) {
            index.add(chain[i].hi(), chain[i].lo(), location);
        }
    }
}
