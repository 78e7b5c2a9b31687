package io.spillway.perf.eval;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.spillway.placement.index.Medium;
import io.spillway.placement.routing.TransferCostModel;
import io.spillway.protocol.ProtocolLimits;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/** The real cluster behind a live pod: offloads, then lookups and loads through a real in-JVM node. */
class KvClusterTiersTest {
    private static final int TOKENS = 3_000 * BlockSpace.TOKENS_PER_BLOCK; // 3,000 blocks: three lookups' worth

    @Test
    void aRunLongerThanOneLookupIsFoundWholeAndStopsAtTheFirstBlockTheClusterLacks() throws Exception {
        LiveBlocks blocks = new LiveBlocks(Workloads.NAMESPACE);
        int[] tokens = new int[TOKENS];
        for (int t = 0; t < tokens.length; t++) {
            tokens[t] = t * 7 + 1;
        }
        int[] ids = blocks.blocksOf(tokens);
        assertTrue(ids.length > 2 * ProtocolLimits.DEFAULT_MAX_BLOCKS_PER_REQUEST);
        try (LocalNode node = new LocalNode("tiers-test", 8_192, 8_192, 2_048, Workloads.NAMESPACE);
             WallClock clock = new WallClock("tiers-test")) {
            EngineServer.ClusterAccess access = node.access();
            KvClusterTiers tiers = new KvClusterTiers(access.client(), access.namespace(), blocks,
                EngineParams.defaults().costs(), access.blockBytes(), clock);
            assertArrayEquals(new int[] {0, 0}, fetch(tiers, clock, ids, 0), "an empty cluster: nothing to load");

            int held = 2_500; // the cluster gets the first 2,500 blocks, not the rest
            clock.execute(now -> {
                for (int b = 0; b < held; b++) {
                    tiers.offload(ids[b]);
                }
            });
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
            int[] loaded = fetch(tiers, clock, ids, 0);
            while (loaded[0] + loaded[1] < held && System.nanoTime() < deadline) {
                Thread.sleep(20); // the writes go out asynchronously
                loaded = fetch(tiers, clock, ids, 0);
            }
            assertEquals(held, loaded[0] + loaded[1], "the whole run, across three lookups, and nothing past it");
            assertEquals(held - 100, sum(fetch(tiers, clock, ids, 100)), "from a GPU hit of 100 blocks on");
            assertEquals(0, tiers.failures(), "no call failed: " + tiers.failureReasons);
        }
    }

    @Test
    void aLoadOfScaledDownBlocksTakesAsLongAsTheRealBlocksWould() throws Exception {
        LiveBlocks blocks = new LiveBlocks(Workloads.NAMESPACE);
        int[] tokens = new int[200 * BlockSpace.TOKENS_PER_BLOCK];
        for (int t = 0; t < tokens.length; t++) {
            tokens[t] = t * 5 + 3;
        }
        int[] ids = blocks.blocksOf(tokens);
        // 200 real blocks of 2 MiB at 0.2 GB/s take 2.1 s; prefilling them at 800 tokens/s takes 4 s, so they load
        TransferCostModel slow = new TransferCostModel(2L << 20, 0.2e9, 0.2e9, 0, 800, 16);
        try (LocalNode node = new LocalNode("tiers-slow", 1_024, 1_024, 2_048, Workloads.NAMESPACE);
             WallClock clock = new WallClock("tiers-slow")) {
            EngineServer.ClusterAccess access = node.access();
            KvClusterTiers fast = new KvClusterTiers(access.client(), access.namespace(), blocks,
                EngineParams.defaults().costs(), access.blockBytes(), clock);
            clock.execute(now -> {
                for (int id : ids) {
                    fast.offload(id);
                }
            });
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
            while (sum(fetch(fast, clock, ids, 0)) < ids.length && System.nanoTime() < deadline) {
                Thread.sleep(20);
            }
            KvClusterTiers tiers = new KvClusterTiers(access.client(), access.namespace(), blocks, slow,
                access.blockBytes(), clock);
            long started = System.nanoTime();
            assertEquals(ids.length, sum(fetch(tiers, clock, ids, 0)));
            double seconds = (System.nanoTime() - started) / 1e9;
            assertTrue(seconds >= slow.loadSeconds(Medium.CPU, ids.length) * 0.99, "waited " + seconds + " s");
        }
    }

    @Test
    void aClusterThatIsGoneIsAMissCountedWithItsReason() throws Exception {
        LiveBlocks blocks = new LiveBlocks(Workloads.NAMESPACE);
        int[] ids = blocks.blocksOf(new int[64 * BlockSpace.TOKENS_PER_BLOCK]);
        EngineServer.ClusterAccess access;
        KvClusterTiers tiers;
        try (WallClock clock = new WallClock("tiers-test")) {
            try (LocalNode node = new LocalNode("tiers-gone", 1_024, 1_024, 2_048, Workloads.NAMESPACE)) {
                access = node.access();
                tiers = new KvClusterTiers(access.client(), access.namespace(), blocks,
                    EngineParams.defaults().costs(), access.blockBytes(), clock);
            }
            assertArrayEquals(new int[] {0, 0}, fetch(tiers, clock, ids, 0));
            assertEquals(1, tiers.failures());
            assertEquals(1, tiers.failureReasons.size(), "one reason: " + tiers.failureReasons);
        }
    }

    private static int[] fetch(KvClusterTiers tiers, WallClock clock, int[] ids, int from) throws Exception {
        CompletableFuture<int[]> answer = new CompletableFuture<>();
        clock.execute(now -> tiers.fetch(ids, from, (cpu, nvme, at) -> answer.complete(new int[] {cpu, nvme})));
        return answer.get(20, TimeUnit.SECONDS);
    }

    private static int sum(int[] loaded) {
        return loaded[0] + loaded[1];
    }
}
