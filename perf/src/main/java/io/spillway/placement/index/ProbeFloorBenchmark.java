package io.spillway.placement.index;

import io.spillway.perf.jmh.RoutingBenchmark;
import io.spillway.placement.routing.Pod;
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
 * The floor under {@link RoutingBenchmark}'s match, on its setup: what a walk over the prompt's keys costs with
 * nothing but the work every key needs (its hash, its probe, and a comparison of its id list with the key before's),
 * straight on one shard's table with no locks, walker or bookkeeping. A diagnostic, in the index's package because
 * the table is not public; see docs/benchmarks.md.
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
        BlockLocationIndex index = RoutingBenchmark.worstCase(new SplittableRandom(11), his, los, pods);
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
}
