package io.spillway.perf.sim;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import org.junit.jupiter.api.Test;

class PrefixReplayTest {
    private static final PrefixReplay WHOLE = new PrefixReplay(512);

    /** Five requests sharing block 0, capacity 2; every figure below is worked out by hand in the comments. */
    private static final List<TraceRequest> SHARED = List.of(
        new TraceRequest(1024, new int[] {0, 1}),   // lru: miss          -> {0,1}   oracle: 0
        new TraceRequest(1000, new int[] {0, 2}),   // lru: 0 hit, stop    -> {0,2}   oracle: 512 (2 unseen)
        new TraceRequest(1024, new int[] {0, 1}),   // lru: 0 hit, 1 miss  -> {0,1}   oracle: 1024
        new TraceRequest(1300, new int[] {0, 2, 3}), // lru: 0 hit, 2 miss -> {2,3}   oracle: 1024 (3 unseen)
        new TraceRequest(100, new int[] {0}));      // lru: 0 was evicted by the request before: 0; oracle: 100

    @Test
    void lruCountsContiguousPrefixHitsByHand() {
        SimResult r = WHOLE.replay(SHARED, new LruPolicy(2), 2);
        assertEquals(4448, r.inputTokens());
        assertEquals(3 * 512, r.hitTokens());
        assertEquals(3, r.hitBlocks());
        assertEquals(10, r.blockRefs());
    }

    @Test
    void oracleHitsEverySeenPrefixBlockAndCapsAtInputLength() {
        SimResult r = WHOLE.replay(SHARED, new OraclePolicy(), 2);
        assertEquals(512 + 1024 + 1024 + 100, r.hitTokens());
        assertEquals(6, r.hitBlocks());
    }

    @Test
    void aCachedBlockAfterAMissIsNotAHit() {
        List<TraceRequest> trace = List.of(new TraceRequest(1024, new int[] {5, 6}),
            new TraceRequest(1024, new int[] {7, 6}));
        assertEquals(0, WHOLE.replay(trace, new OraclePolicy(), 1).hitTokens());
        assertEquals(0, WHOLE.replay(trace, new LruPolicy(10), 10).hitTokens());
    }

    @Test
    void slruKeepsAReusedBlockThatLruEvicts() {
        // capacity 2, protected 1: after a reuse, block 0 is protected and a scan of new blocks cannot evict it
        List<TraceRequest> trace = List.of(new TraceRequest(512, new int[] {0}), new TraceRequest(512, new int[] {0}),
            new TraceRequest(1024, new int[] {1, 2}), new TraceRequest(512, new int[] {0}));
        assertEquals(2 * 512, WHOLE.replay(trace, new SlruPolicy(2, 0.5), 2).hitTokens());
        assertEquals(512, WHOLE.replay(trace, new LruPolicy(2), 2).hitTokens());
    }

    @Test
    void splitsHashBlocksIntoKvBlocks() {
        PrefixReplay kv = new PrefixReplay(16);
        List<TraceRequest> trace = List.of(new TraceRequest(530, new int[] {0, 1}),
            new TraceRequest(530, new int[] {0, 1}));
        SimResult r = kv.replay(trace, new OraclePolicy(), kv.blocksFor(2));
        assertEquals(2 * 34, r.blockRefs()); // ceil(530 / 16): 32 blocks of hash 0 and 2 of hash 1
        assertEquals(34, r.hitBlocks());
        assertEquals(530, r.hitTokens());
        assertEquals(64, kv.blocksFor(2));
        // capacity of 1 hash block = 32 KV blocks: the second request's 34 blocks evict their own head under LRU
        assertEquals(0, kv.replay(trace, new LruPolicy(kv.blocksFor(1)), kv.blocksFor(1)).hitTokens());
        assertThrows(IllegalArgumentException.class, () -> new PrefixReplay(100));
    }

    @Test
    void generatedWorkloadAndReplayAreDeterministic() {
        List<TraceRequest> a = SharedPrefixWorkload.generate(7);
        assertEquals(a, SharedPrefixWorkload.generate(7));
        assertNotEquals(a, SharedPrefixWorkload.generate(8));
        assertEquals(750, a.size());
        SimResult oracle = WHOLE.replay(a, new OraclePolicy(), 1);
        // 150 groups x 11 shared blocks; each group's first request misses them, the other four hit all 11
        assertEquals(150L * 4 * 11 * 512, oracle.hitTokens());
        for (long cap : new long[] {500, 2_000}) {
            assertEquals(WHOLE.replay(a, new LruPolicy(cap), cap), WHOLE.replay(a, new LruPolicy(cap), cap));
            assertEquals(WHOLE.replay(a, new SlruPolicy(cap, 0.8), cap),
                WHOLE.replay(a, new SlruPolicy(cap, 0.8), cap));
            // w-tinylfu is not exactly repeatable (Caffeine's 1/128 random admission), so only bounds here
            for (EvictionPolicy p : List.of(new LruPolicy(cap), new SlruPolicy(cap, 0.8),
                new CaffeinePolicy(cap, 512 * 1024))) {
                long hits = WHOLE.replay(a, p, cap).hitTokens();
                assertTrue(hits >= 0 && hits <= oracle.hitTokens(), p.name() + " " + hits);
            }
        }
    }

    @Test
    void parsesAMooncakeRow() {
        TraceRequest r = MooncakeTrace.parse("{\"timestamp\": 0, \"input_length\": 6758, \"output_length\": 500, "
            + "\"hash_ids\": [0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13]}");
        assertEquals(6758, r.inputTokens());
        assertEquals(14, r.hashIds().length);
        assertEquals(13, r.hashIds()[13]);
        assertThrows(IllegalArgumentException.class, () -> MooncakeTrace.parse(
            "{\"input_length\": 6758, \"hash_ids\": [0]}"));
    }
}
