package io.spillway.placement.routing;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.spillway.placement.index.BlockLocationIndex;
import io.spillway.placement.index.Location;
import io.spillway.placement.index.Medium;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/**
 * Properties of scorers, picker and P/D decider over random clusters: pods with random roles, readiness, loads and
 * GPU prefixes, cluster tiers holding random prefixes, and random prompts. 300 seeds each.
 */
class RoutingPropertiesTest {
    private static final int SEEDS = 300;
    private static final int TOKENS_PER_BLOCK = 16;
    private static final TransferCostModel MODEL = TransferCostModel.defaults();

    /** A random world: an index, its pods, a request over a random chain. */
    private record World(BlockLocationIndex index, List<Pod> pods, RoutingRequest request, PrefixMatch match) {
    }

    private static World world(long seed) {
        SplittableRandom r = new SplittableRandom(seed);
        BlockLocationIndex index = new BlockLocationIndex(100_000);
        int blocks = r.nextInt(0, 64);
        long[] his = new long[blocks];
        long[] los = new long[blocks];
        for (int k = 0; k < blocks; k++) {
            his[k] = seed;
            los[k] = k;
        }
        int podCount = r.nextInt(1, 12);
        List<Pod> pods = new ArrayList<>();
        for (int i = 0; i < podCount; i++) {
            String id = "10.0.0." + i + ":8000";
            pods.add(new Pod(id, id, PodRole.values()[r.nextInt(3)], r.nextInt(5) > 0, r.nextInt(20), r.nextInt(20),
                r.nextDouble(), r.nextInt(10)));
            int gpu = index.location(Location.pod(id, Medium.GPU));
            holdPrefix(index, r, seed, blocks, gpu);
            if (r.nextBoolean()) {
                holdPrefix(index, r, seed, blocks, index.location(Location.pod(id, Medium.CPU)));
            }
            if (r.nextInt(6) == 0) { // the pod restarted: its old id retired, a shorter prefix under the new one
                holdPrefix(index, r, seed, blocks / 2, index.clear(Location.pod(id, Medium.GPU)));
            }
        }
        for (int n = 0; n < 3; n++) {
            int tier = index.location(Location.node("n" + n, r.nextBoolean() ? Medium.CPU : Medium.NVME));
            for (int k = 0, run = blocks == 0 ? 0 : r.nextInt(blocks + 1); k < run; k++) {
                if (r.nextInt(3) > 0) {
                    index.add(seed, k, tier);
                }
            }
        }
        for (int i = 0, holes = blocks == 0 ? 0 : r.nextInt(4); i < holes; i++) { // a block evicted mid-chain
            int k = r.nextInt(blocks);
            int[] ids = new int[64];
            int n = index.locationsOf(seed, k, ids);
            if (n > 0) {
                index.remove(seed, k, ids[r.nextInt(Math.min(n, ids.length))]);
            }
        }
        RoutingRequest request = new RoutingRequest(blocks * TOKENS_PER_BLOCK + r.nextInt(TOKENS_PER_BLOCK),
            TOKENS_PER_BLOCK, his, los, blocks);
        PrefixMatch match = new PrefixMatcher(index).match(request, pods, new PrefixMatch());
        return new World(index, pods, request, match);
    }

    /** Keys 0 to a random run of the chain at {@code id}, then a few strays past it. */
    private static void holdPrefix(BlockLocationIndex index, SplittableRandom r, long seed, int blocks, int id) {
        int run = blocks == 0 ? 0 : r.nextInt(blocks + 1);
        for (int k = 0; k < run; k++) {
            index.add(seed, k, id);
        }
        for (int i = 0, strays = r.nextInt(3); blocks > 0 && i < strays; i++) {
            index.add(seed, r.nextInt(blocks), id);
        }
    }

    private static ScoringContext all(World w) {
        int[] subset = new int[w.pods.size()];
        for (int i = 0; i < subset.length; i++) {
            subset[i] = i;
        }
        return new ScoringContext(w.request, w.pods, w.match, MODEL, subset, subset.length);
    }

    @Test
    void everyScorerScoresEveryCandidateWithinZeroToOne() {
        List<Scorer> scorers = List.of(new PrefixScorer(), new QueueScorer(), new KvUtilizationScorer(),
            new LoadAwareScorer(16), new NoHitSpreader(4));
        for (long seed = 0; seed < SEEDS; seed++) {
            World w = world(seed);
            ScoringContext ctx = all(w);
            double[] out = new double[ctx.count()];
            for (Scorer s : scorers) {
                Arrays.fill(out, Double.NaN);
                s.score(ctx, out);
                for (int j = 0; j < ctx.count(); j++) {
                    assertTrue(out[j] >= 0 && out[j] <= 1, s.type() + " scored " + out[j] + " (seed " + seed + ")");
                }
            }
        }
    }

    @Test
    void theMatchEqualsAKeyByKeyCountOfTheIndex() {
        for (long seed = 0; seed < SEEDS; seed++) {
            World w = world(seed);
            long[] his = w.request.his();
            long[] los = w.request.los();
            int blocks = w.request.blocks();
            for (int i = 0; i < w.pods.size(); i++) {
                String pod = w.pods.get(i).id();
                int gpu = w.index.locations().find(Location.pod(pod, Medium.GPU));
                int cpu = w.index.locations().find(Location.pod(pod, Medium.CPU));
                int run = 0;
                while (run < blocks && w.index.contains(his[run], los[run], gpu)) {
                    run++;
                }
                assertEquals(run, w.match.gpuBlocks(i), "pod " + i + "'s GPU run (seed " + seed + ")");
                int own = 0;
                while (own < blocks && (w.index.contains(his[own], los[own], gpu)
                    || cpu != 0 && w.index.contains(his[own], los[own], cpu))) {
                    own++;
                }
                assertEquals(own, w.match.podBlocks(i), "pod " + i + "'s own run (seed " + seed + ")");
            }
            int cluster = 0;
            int inCpu = 0;
            int[] ids = new int[64];
            while (cluster < blocks) {
                int n = w.index.locationsOf(his[cluster], los[cluster], ids);
                boolean held = false;
                boolean cpu = false;
                for (int j = 0; j < n; j++) {
                    Location at = w.index.locations().location(ids[j]);
                    held |= at.kind() == Location.Kind.NODE;
                    cpu |= at.kind() == Location.Kind.NODE && at.medium() == Medium.CPU;
                }
                if (!held) {
                    break;
                }
                inCpu += cpu ? 1 : 0;
                cluster++;
            }
            assertEquals(cluster, w.match.clusterBlocks(), "the cluster's run (seed " + seed + ")");
            assertEquals(inCpu, w.match.clusterCpuBlocks(0, cluster), "the cluster's CPU blocks (seed " + seed + ")");
        }
    }

    @Test
    void hitTokensNeverExceedThePromptAndGrowWithTheGpuRun() {
        for (long seed = 0; seed < SEEDS; seed++) {
            World w = world(seed);
            for (int i = 0; i < w.pods.size(); i++) {
                double hit = w.match.hitTokens(i, w.request, MODEL);
                assertTrue(hit >= 0 && hit <= w.request.promptTokens(), "hit " + hit + " (seed " + seed + ")");
                assertTrue(hit >= w.match.gpuBlocks(i) * TOKENS_PER_BLOCK - 1e-9, "a GPU hit is worth its tokens");
                for (int j = 0; j < w.pods.size(); j++) {
                    if (w.match.gpuBlocks(j) > w.match.podBlocks(i) && w.match.gpuBlocks(j) > w.match.clusterBlocks()) {
                        assertTrue(w.match.hitTokens(j, w.request, MODEL) > hit,
                            "a longer GPU run than all another pod can reach scores higher (seed " + seed + ")");
                    }
                }
            }
        }
    }

    @Test
    void aClusterHitIsWorthItsPrefillLessItsLoadAndNothingWhenLoadingIsSlower() {
        TransferCostModel fast = TransferCostModel.defaults();
        TransferCostModel slow = new TransferCostModel(2L << 20, 1e6, 1e6, 200_000, 8_000, 16);
        assertEquals(0, slow.netTokens(10, 10), "at 1 MB/s a 2 MiB block loads slower than 16 tokens prefill");
        double cpu = fast.netTokens(10, 0);
        double nvme = fast.netTokens(0, 10);
        assertTrue(cpu > nvme && nvme > 0 && cpu < 160, "cpu " + cpu + ", nvme " + nvme);
        assertEquals(0, fast.netTokens(0, 0));
    }

    @Test
    void thePickerTakesAMaximumAndSpreadsTiesEvenly() {
        SplittableRandom r = new SplittableRandom(3);
        MaxScorePicker picker = new MaxScorePicker(42);
        for (int trial = 0; trial < 2000; trial++) {
            int n = r.nextInt(1, 20);
            double[] totals = new double[n];
            double max = Double.NEGATIVE_INFINITY;
            for (int j = 0; j < n; j++) {
                totals[j] = r.nextInt(4) == 0 ? 1.0 : r.nextDouble();
                max = Math.max(max, totals[j]);
            }
            int pick = picker.pick(totals, n);
            assertEquals(max, totals[pick], 1e-9);
            int[] order = new int[n];
            assertEquals(n, picker.order(totals, n, pick, order));
            assertEquals(pick, order[0]);
            for (int j = 2; j < n; j++) {
                assertTrue(totals[order[j - 1]] >= totals[order[j]], "fallbacks best first");
            }
        }
        int[] counts = new int[4];
        double[] equal = {0.7, 0.7, 0.7 + 1e-12, 0.7};
        for (int i = 0; i < 8000; i++) {
            counts[picker.pick(equal, 4)]++;
        }
        for (int c : counts) {
            assertTrue(c > 1700 && c < 2300, "each tied pod about a quarter: " + Arrays.toString(counts));
        }
        MaxScorePicker a = new MaxScorePicker(9);
        MaxScorePicker b = new MaxScorePicker(9);
        for (int i = 0; i < 100; i++) {
            assertEquals(a.pick(equal, 4), b.pick(equal, 4), "the same seed draws the same ties");
        }
    }

    @Test
    void scalingEveryWeightChangesNoDecision() {
        for (long seed = 0; seed < SEEDS; seed++) {
            World w = world(seed);
            PdDecider one = decider(1, seed);
            PdDecider ten = decider(10, seed);
            Decision d1 = one.decide(w.request, w.pods, w.match);
            Decision d10 = ten.decide(w.request, w.pods, w.match);
            assertEquals(d1.pod(), d10.pod(), "seed " + seed);
            assertEquals(d1.fallbacks(), d10.fallbacks(), "seed " + seed);
        }
    }

    private static PdDecider decider(double scale, long seed) {
        Profile p = new Profile("decode", List.of(new Profile.Weighted(new PrefixScorer(), 3 * scale),
            new Profile.Weighted(new QueueScorer(), 2 * scale), new Profile.Weighted(new KvUtilizationScorer(),
                2 * scale)));
        return new PdDecider(p, null, 0, new MaxScorePicker(seed), MODEL);
    }

    @Test
    void thePdDeciderSplitsExactlyWhenTheUncachedPartReachesTheThreshold() {
        RoutingConfig config = RoutingConfig.preset("spillway-pd");
        int routed = 0;
        int split = 0;
        for (long seed = 0; seed < SEEDS; seed++) {
            World w = world(seed);
            PdDecider decider = config.decider(MODEL, config.sharedScorers(), 0);
            Decision d = decider.decide(w.request, w.pods, w.match);
            boolean anyDecoder = w.pods.stream().anyMatch(p -> p.ready() && p.role().decodes());
            boolean anyPrefiller = w.pods.stream().anyMatch(p -> p.ready() && p.role().prefills());
            assertEquals(anyDecoder, d.routed(), "routed exactly when a ready pod can decode (seed " + seed + ")");
            if (!d.routed()) {
                assertNull(d.prefill());
                continue;
            }
            routed++;
            assertTrue(d.pod().ready() && d.pod().role().decodes());
            assertEquals(d.pod(), d.fallbacks().get(0));
            assertEquals(w.request.promptTokens(), d.hitTokens() + d.uncachedTokens(), 1e-6);
            boolean shouldSplit = anyPrefiller && d.uncachedTokens() >= config.pdThreshold();
            assertEquals(shouldSplit, d.split(), "split exactly at the threshold (seed " + seed + ")");
            if (d.split()) {
                split++;
                assertTrue(d.prefill().ready() && d.prefill().role().prefills());
            }
            for (Pod p : d.fallbacks()) {
                assertTrue(p.ready() && p.role().decodes(), "fallbacks are ready decoders");
            }
        }
        assertTrue(routed > SEEDS / 2 && split > 10 && split < routed, "both outcomes seen: " + routed + ", " + split);
    }

    @Test
    void coldRequestsSpreadOverIdlePods() {
        List<Pod> pods = List.of(Pod.idle("a", PodRole.BOTH), Pod.idle("b", PodRole.BOTH), Pod.idle("c", PodRole.BOTH),
            Pod.idle("d", PodRole.BOTH));
        NoHitSpreader spreader = new NoHitSpreader(16);
        Profile p = new Profile("decode", List.of(new Profile.Weighted(new PrefixScorer(), 3),
            new Profile.Weighted(spreader, 1)));
        PdDecider decider = new PdDecider(p, null, 0, new MaxScorePicker(1), MODEL);
        BlockLocationIndex index = new BlockLocationIndex(100);
        int[] counts = new int[4];
        for (int i = 0; i < 40; i++) {
            RoutingRequest cold = new RoutingRequest(32, 16, new long[] {i, i}, new long[] {1, 2}, 2);
            Decision d = decider.decide(cold, pods, new PrefixMatcher(index).match(cold, pods, new PrefixMatch()));
            assertTrue(d.cold());
            counts[pods.indexOf(d.pod())]++;
        }
        for (int c : counts) {
            assertEquals(10, c, "round robin over four idle pods: " + Arrays.toString(counts));
        }
        assertFalse(spreader.type().isEmpty());
    }

    @Test
    void noReadyPodIsNoDecision() {
        List<Pod> pods = List.of(new Pod("a", "a", PodRole.BOTH, false, 0, 0, 0, 0),
            Pod.idle("p", PodRole.PREFILL));
        RoutingRequest r = new RoutingRequest(0, 16, new long[0], new long[0], 0);
        PrefixMatch match = new PrefixMatcher(new BlockLocationIndex(10)).match(r, pods, new PrefixMatch());
        Decision d = decider(1, 1).decide(r, pods, match);
        assertFalse(d.routed());
        assertNotNull(d.fallbacks());
    }
}
