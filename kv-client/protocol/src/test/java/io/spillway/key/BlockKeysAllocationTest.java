package io.spillway.key;

import static io.spillway.key.KeyFixtures.llama3;
import static io.spillway.key.KeyFixtures.randomTokens;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import com.sun.management.ThreadMXBean;
import java.lang.management.ManagementFactory;
import java.util.Random;
import org.junit.jupiter.api.Test;

/** Hashing a chain allocates the result keys and their array, and nothing per block beyond them. */
class BlockKeysAllocationTest {
    private static final int BLOCKS = 4096;
    /** A BlockKey is 32 bytes with compressed oops, plus its slot in the result array; allow some slack. */
    private static final long BYTES_PER_BLOCK_LIMIT = 48;

    @Test
    void chainAllocatesOnlyItsResult() {
        assumeTrue(ManagementFactory.getThreadMXBean() instanceof ThreadMXBean,
            "needs per-thread allocation counters");
        ThreadMXBean threads = (ThreadMXBean) ManagementFactory.getThreadMXBean();
        assumeTrue(threads.isThreadAllocatedMemorySupported() && threads.isThreadAllocatedMemoryEnabled());
        Namespace ns = llama3();
        int[] tokens = randomTokens(new Random(40), BLOCKS * 16);
        RequestExtras extras = RequestExtras.builder().lora("l").cacheSalt("s").multimodal("img", 100, 600).build();
        long best = Long.MAX_VALUE;
        for (int round = 0; round < 20; round++) {
            long before = threads.getThreadAllocatedBytes(Thread.currentThread().getId());
            BlockKey[] keys = BlockKeys.chain(ns, tokens, extras);
            long after = threads.getThreadAllocatedBytes(Thread.currentThread().getId());
            assertTrue(keys.length == BLOCKS);
            best = Math.min(best, after - before);
        }
        assertTrue(best <= BLOCKS * BYTES_PER_BLOCK_LIMIT,
            "allocated " + best + " bytes for " + BLOCKS + " blocks (" + best / BLOCKS + " per block)");
    }
}
