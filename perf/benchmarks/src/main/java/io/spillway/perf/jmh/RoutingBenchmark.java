package io.spillway.perf.jmh;

import io.spillway.key.Namespace;
import io.spillway.placement.index.BlockLocationIndex;
import io.spillway.placement.index.ChainWalker;
import io.spillway.placement.index.Location;
import io.spillway.placement.index.Medium;
import io.spillway.placement.routing.Decision;
import io.spillway.placement.routing.PdDecider;
import io.spillway.placement.routing.Pod;
import io.spillway.placement.routing.PodRole;
import io.spillway.placement.routing.PrefixMatch;
import io.spillway.placement.routing.PrefixMatcher;
import io.spillway.placement.routing.RoutingConfig;
import io.spillway.placement.routing.RoutingRequest;
import io.spillway.placement.routing.TransferCostModel;
import io.spillway.router.tokenize.CharacterTokenizer;
import io.spillway.router.tokenize.PromptKeys;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;

/**
 * One routing decision, tokenization excluded (the prompt's block keys are given): the prefix match over the
 * index and the scoring, picking and P/D decision of the {@code spillway-pd} preset over 64 ready pods. The prompt
 * is 8k or 128k tokens (512 or 8,192 blocks of 16), inside an index of a million other keys, and three cluster nodes
 * hold all of it in their CPU and NVMe tiers (so the match walks the whole chain). Two placements of the pods'
 * GPUs ({@code layout}): {@code adversarial}, every pod a different prefix (pod p holds the first (p + 1) / 64 of the
 * prompt: every key carries up to 65 locations and every eighth key ends a run), and {@code common}, what
 * prefix-aware routing produces: four pods hold prefixes (a quarter, a half, three quarters, all of it), the other
 * 60 nothing of it.
 */
@State(Scope.Thread)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(value = 1, jvmArgsAppend = {"-Xmx4g", "--add-exports", "java.base/jdk.internal.misc=ALL-UNNAMED"})
public class RoutingBenchmark {
    @Param({"8192", "131072"})
    int promptTokens;

    @Param({"common", "adversarial"})
    String layout;

    BlockLocationIndex index;
    List<Pod> pods;
    RoutingRequest request;
    PrefixMatcher matcher;
    final PrefixMatch match = new PrefixMatch();
    PdDecider decider;
    PromptKeys keys;
    String text;

    @Setup(Level.Trial)
    public void setUp() {
        SplittableRandom random = new SplittableRandom(11);
        int blocks = promptTokens / 16;
        long[] his = new long[blocks];
        long[] los = new long[blocks];
        pods = new ArrayList<>();
        boolean common = switch (layout) {
            case "common" -> true;
            case "adversarial" -> false;
            default -> throw new IllegalArgumentException("layout must be common or adversarial, got " + layout);
        };
        index = common ? commonCase(random, his, los, pods) : worstCase(random, his, los, pods);
        request = new RoutingRequest(promptTokens, 16, his, los, blocks);
        matcher = new PrefixMatcher(index);
        RoutingConfig config = RoutingConfig.preset("spillway-pd");
        decider = config.decider(TransferCostModel.defaults(), config.sharedScorers(), 0);
        keys = new PromptKeys(new CharacterTokenizer(4), Namespace.builder().modelId("bench").layers(32)
            .kvHeads(8).headDim(128).build());
        StringBuilder words = new StringBuilder();
        while (words.length() < 4 * promptTokens) {
            words.append("lorem ipsum dolor sit amet ").append(random.nextInt(1000)).append(' ');
        }
        text = words.substring(0, 4 * promptTokens);
        Decision d = decide();
        int fullPod = common ? COMMON_PODS[COMMON_PODS.length - 1] : 63;
        if (!d.routed() || match.clusterBlocks() != blocks || match.gpuBlocks(fullPod) != blocks
            || match.gpuBlocks(common ? COMMON_PODS[0] : 0) != blocks / (common ? 4 : 64)) {
            throw new IllegalStateException("not set up: " + d + ", cluster run " + match.clusterBlocks());
        }
    }

    /**
     * The setup of this benchmark, for others that measure parts of it: an index of a million random keys and the
     * chain {@code his}/{@code los} (filled here), where pod p of the 64 added to {@code pods} holds the first
     * (p + 1) / 64 of the chain in its GPU and three cluster nodes take turns holding its keys. Placement's
     * ProbeFloorBenchmark (in its test tree, which cannot see perf) repeats it, and WorstCaseSetupTest holds the
     * two equal.
     */
    public static BlockLocationIndex worstCase(SplittableRandom random, long[] his, long[] los, List<Pod> pods) {
        int blocks = his.length;
        BlockLocationIndex index = new BlockLocationIndex(1_000_000L + blocks);
        int[] gpus = addPods(index, pods);
        int[] nodes = addOthersAndChain(index, random, his, los, gpus);
        for (int p = 0; p < gpus.length; p++) {
            index.addAll(gpus[p], his, los, blocks * (p + 1) / 64);
        }
        addCluster(index, his, los, nodes);
        return index;
    }

    /** The pods that hold prefixes in the {@code common} layout: pod {@code COMMON_PODS[j]} the first (j + 1) / 4. */
    static final int[] COMMON_PODS = {5, 22, 39, 56};

    /**
     * The {@code common} layout: the index and chain of {@link #worstCase} (same pods, same million other keys, same
     * three cluster nodes taking turns over the chain), but only the four pods of {@link #COMMON_PODS} hold prefixes
     * of the chain in their GPUs.
     */
    public static BlockLocationIndex commonCase(SplittableRandom random, long[] his, long[] los, List<Pod> pods) {
        int blocks = his.length;
        BlockLocationIndex index = new BlockLocationIndex(1_000_000L + blocks);
        int[] gpus = addPods(index, pods);
        int[] nodes = addOthersAndChain(index, random, his, los, gpus);
        for (int j = 0; j < COMMON_PODS.length; j++) {
            index.addAll(gpus[COMMON_PODS[j]], his, los, blocks * (j + 1) / COMMON_PODS.length);
        }
        addCluster(index, his, los, nodes);
        return index;
    }

    private static int[] addPods(BlockLocationIndex index, List<Pod> pods) {
        int[] gpus = new int[64];
        for (int p = 0; p < gpus.length; p++) {
            String id = "10.0.1." + p + ":8000";
            pods.add(new Pod(id, id, p % 4 == 0 ? PodRole.PREFILL : PodRole.BOTH, true, p % 7, p % 5, p / 64.0, 0));
            gpus[p] = index.location(Location.pod(id, Medium.GPU));
        }
        return gpus;
    }

    /** The three cluster nodes' ids, a million random keys over the pods, and the chain's keys. */
    private static int[] addOthersAndChain(BlockLocationIndex index, SplittableRandom random, long[] his, long[] los,
        int[] gpus) {
        int[] nodes = {index.location(Location.node("n1", Medium.CPU)), index.location(Location.node("n2",
            Medium.CPU)), index.location(Location.node("n3", Medium.NVME))};
        for (int i = 0; i < 1_000_000; i++) {
            index.add(random.nextLong(), random.nextLong(), gpus[i & 63]);
        }
        for (int k = 0; k < his.length; k++) {
            his[k] = random.nextLong();
            los[k] = random.nextLong();
        }
        return nodes;
    }

    private static void addCluster(BlockLocationIndex index, long[] his, long[] los, int[] nodes) {
        for (int k = 0; k < his.length; k++) {
            index.add(his[k], los[k], nodes[k % nodes.length]);
        }
    }

    @Benchmark
    @BenchmarkMode({Mode.Throughput})
    @OutputTimeUnit(TimeUnit.SECONDS)
    public Decision decisionsPerSecond() {
        return decide();
    }

    @Benchmark
    @BenchmarkMode(Mode.SampleTime)
    @OutputTimeUnit(TimeUnit.MICROSECONDS)
    public Decision decisionTime() {
        return decide();
    }

    /** The decision's first part alone: the prefix match over the index. */
    @Benchmark
    @BenchmarkMode(Mode.SampleTime)
    @OutputTimeUnit(TimeUnit.MICROSECONDS)
    public PrefixMatch matchTime() {
        return matcher.match(request, pods, match);
    }

    /** A walker that only sums the ids it is told: what is left of a walk is the index's share. */
    static final class SummingWalker extends ChainWalker {
        long sum;

        @Override
        protected void start() {
            sum = 0;
        }

        @Override
        protected void enter(int id, int k) {
            sum += id;
        }

        @Override
        protected void leave(int id, int k) {
            sum -= id;
        }

        @Override
        protected boolean next(int k) {
            return true;
        }
    }

    final SummingWalker summing = new SummingWalker();

    /** The index's share of the match: the chain walk told to a walker that only sums. */
    @Benchmark
    @BenchmarkMode(Mode.SampleTime)
    @OutputTimeUnit(TimeUnit.MICROSECONDS)
    public long walkTime() {
        index.walk(request.his(), request.los(), request.blocks(), summing);
        return summing.sum;
    }

    /** The decision's second part alone: scoring, picking and the P/D split over a match already made. */
    @Benchmark
    @BenchmarkMode(Mode.SampleTime)
    @OutputTimeUnit(TimeUnit.MICROSECONDS)
    public Decision scoreTime() {
        return decider.decide(request, pods, match);
    }

    /**
     * Beside the decision, what it excludes: turning the prompt's text into its block keys with the approximate
     * tokenizer (a token per 4 characters) and the key hash of docs/block-keys.md (SHA-256 a block).
     */
    @Benchmark
    @BenchmarkMode(Mode.SampleTime)
    @OutputTimeUnit(TimeUnit.MICROSECONDS)
    public RoutingRequest tokenizeAndKey() {
        return keys.of(text).request();
    }

    private Decision decide() {
        return decider.decide(request, pods, matcher.match(request, pods, match));
    }
}
