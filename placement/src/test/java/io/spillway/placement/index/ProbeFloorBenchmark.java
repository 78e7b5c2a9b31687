package io.spillway.placement.index;

import io.spillway.placement.routing.Pod;
import io.spillway.placement.routing.PodRole;
import java.util.ArrayList;
import java.util.Arrays;
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
 * The floor under RoutingBenchmark's match (perf/benchmarks, io.spillway.perf.jmh), on its setup: what a walk over
 * the prompt's keys costs with nothing but the work every key needs (its hash, its probe, and a comparison of its id
 * list with the key before's), straight on one shard's table with no locks, walker or bookkeeping. A diagnostic, in
 * the index's package because the table is not public, so in placement's test tree (run by {@code bin/spillway bench
 * jmh ProbeFloorBenchmark}, whose classpath holds placement's test jar); see docs/benchmarks.md.
 */
@State(Scope.Thread)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(value = 1, jvmArgsAppend = {"-Xmx4g"})
public class ProbeFloorBenchmark {
    @Param({"8192", "131072"})
    int promptTokens;

    long[] his;
    long[] los;
    KeyTable table;

    @Setup(Level.Trial)
    public void setUp() {
        int blocks = promptTokens / 16;
        his = new long[blocks];
        los = new long[blocks];
        List<Pod> pods = new ArrayList<>();
        BlockLocationIndex index = worstCase(new SplittableRandom(11), his, los, pods);
        if (index.shards() != 1) {
            throw new IllegalStateException("one shard expected");
        }
        table = index.tableOf(0);
    }

    /** Hash and probe a key at a time. */
    @Benchmark
    @BenchmarkMode(Mode.AverageTime)
    @OutputTimeUnit(TimeUnit.MICROSECONDS)
    public long probes() {
        long[] t = table.slots;
        long sum = 0;
        for (int k = 0; k < his.length; k++) {
            sum += KeyTable.find(t, his[k], los[k]);
        }
        return sum;
    }

    /** Hash, probe, and compare the key's ids with the key before's. */
    @Benchmark
    @BenchmarkMode(Mode.AverageTime)
    @OutputTimeUnit(TimeUnit.MICROSECONDS)
    public long probesAndComparisons() {
        long[] t = table.slots;
        int[] pool = table.pool.ints;
        long sum = 0;
        long previousWord = 0;
        int previousFrom = 0;
        int previousTo = 0;
        for (int k = 0; k < his.length; k++) {
            long word = KeyTable.wordAt(t, KeyTable.find(t, his[k], los[k]));
            if (Lanes.isInline(word)) {
                sum += word == previousWord ? 1 : 0;
                previousWord = word;
                continue;
            }
            int from = (int) Lanes.offset(word) + LocationPool.HEADER;
            int to = from + KeyTable.idCount(word, pool);
            sum += Arrays.mismatch(pool, from, to, pool, previousFrom, previousTo);
            previousFrom = from;
            previousTo = to;
        }
        return sum;
    }

    /**
     * RoutingBenchmark.worstCase, the same draws in the same order (placement cannot see perf; perf/benchmarks'
     * WorstCaseSetupTest holds the two equal): an index of a million random keys and the chain {@code his}/{@code
     * los} (filled here), where pod p of the 64 added to {@code pods} holds the first (p + 1) / 64 of the chain in its
     * GPU and three cluster nodes take turns holding its keys.
     */
    public static BlockLocationIndex worstCase(SplittableRandom random, long[] his, long[] los, List<Pod> pods) {
        int blocks = his.length;
        BlockLocationIndex index = new BlockLocationIndex(1_000_000L + blocks);
        int[] gpus = new int[64];
        for (int p = 0; p < gpus.length; p++) {
            String id = "10.0.1." + p + ":8000";
            pods.add(new Pod(id, id, p % 4 == 0 ? PodRole.PREFILL : PodRole.BOTH, true, p % 7, p % 5, p / 64.0, 0));
            gpus[p] = index.location(Location.pod(id, Medium.GPU));
        }
        int[] nodes = {index.location(Location.node("n1", Medium.CPU)), index.location(Location.node("n2",
            Medium.CPU)), index.location(Location.node("n3", Medium.NVME))};
        for (int i = 0; i < 1_000_000; i++) {
            index.add(random.nextLong(), random.nextLong(), gpus[i & 63]);
        }
        for (int k = 0; k < blocks; k++) {
            his[k] = random.nextLong();
            los[k] = random.nextLong();
        }
        for (int p = 0; p < gpus.length; p++) {
            index.addAll(gpus[p], his, los, blocks * (p + 1) / 64);
        }
        for (int k = 0; k < blocks; k++) {
            index.add(his[k], los[k], nodes[k % nodes.length]);
        }
        return index;
    }
}
