package io.spillway.perf.jmh;

import io.spillway.key.BlockKey;
import io.spillway.placement.index.BlockLocationIndex;
import io.spillway.placement.index.Location;
import io.spillway.placement.index.Medium;
import io.spillway.placement.index.PrefixRuns;
import java.nio.ByteOrder;
import java.util.SplittableRandom;
import java.util.concurrent.TimeUnit;
import org.agrona.concurrent.UnsafeBuffer;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OperationsPerInvocation;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;

/**
 * The router's block-location index: feeding it (addAll of packed keys, as the event subscribers do, into an index
 * full at 10M keys, so every new key also costs a CLOCK eviction) and reading it (longestPrefix of an 8k-token
 * prompt, 512 keys at 16 tokens a block, over 64 pods that each hold a different share of it, inside an index of
 * a million other keys).
 */
@State(Scope.Thread)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(value = 1, jvmArgsAppend = {"-Xmx4g", "--add-exports", "java.base/jdk.internal.misc=ALL-UNNAMED"})
public class BlockLocationIndexBenchmark {
    private static final int BATCH = 1024;

    /** An index at its bound of 10M keys, two locations each, and a batch buffer refilled with new keys. */
    @State(Scope.Thread)
    public static class FullIndex {
        @Param({"10000000"})
        long keys;

        BlockLocationIndex index;
        UnsafeBuffer batch;
        int gpu;
        long next;

        @Setup(Level.Trial)
        public void fill() {
            index = new BlockLocationIndex(keys);
            gpu = index.location(Location.pod("10.0.0.1:5557", Medium.GPU));
            int cpu = index.location(Location.node("node-1", Medium.CPU));
            batch = new UnsafeBuffer(new byte[BATCH * BlockKey.BYTES]);
            while (index.size() < keys) {
                nextBatch();
                index.addAll(gpu, batch, 0, BATCH);
                index.addAll(cpu, batch, 0, BATCH);
            }
        }

        /** BATCH keys never seen before: splitmix64 of a counter, a few ns a key next to the insert. */
        void nextBatch() {
            for (int i = 0; i < BATCH; i++) {
                long n = next++;
                batch.putLong(i * BlockKey.BYTES, mix(n), ByteOrder.BIG_ENDIAN);
                batch.putLong(i * BlockKey.BYTES + 8, mix(~n), ByteOrder.BIG_ENDIAN);
            }
        }
    }

    /** A 512-key chain over 64 pods, pod p holding its first 8(p+1) keys, among a million other keys. */
    @State(Scope.Thread)
    public static class Chain {
        @Param({"1000000"})
        int otherKeys;

        BlockLocationIndex index;
        BlockKey[] chain;
        long[] his;
        long[] los;
        final PrefixRuns runs = new PrefixRuns();

        @Setup(Level.Trial)
        public void fill() {
            SplittableRandom random = new SplittableRandom(7);
            index = new BlockLocationIndex(otherKeys + 512L);
            int[] pods = new int[64];
            for (int p = 0; p < pods.length; p++) {
                pods[p] = index.location(Location.pod("10.0.1." + p + ":5557", Medium.GPU));
            }
            for (int i = 0; i < otherKeys; i++) {
                long hi = random.nextLong();
                long lo = random.nextLong();
                index.add(hi, lo, pods[i & 63]);
                index.add(hi, lo, pods[(i + 1) & 63]);
            }
            chain = new BlockKey[512];
            his = new long[chain.length];
            los = new long[chain.length];
            for (int i = 0; i < chain.length; i++) {
                chain[i] = new BlockKey(random.nextLong(), random.nextLong());
                his[i] = chain[i].hi();
                los[i] = chain[i].lo();
            }
            for (int p = 0; p < pods.length; p++) {
                index.addAll(pods[p], his, los, 8 * (p + 1));
            }
            index.longestPrefix(chain, runs);
            if (runs.size() != 64 || runs.longest() != 512) {
                throw new IllegalStateException("chain not set up: " + runs.size() + " pods, " + runs.longest());
            }
        }
    }

    /** Keys a second into a full index: each new key is inserted and one old key evicted. */
    @Benchmark
    @BenchmarkMode(Mode.Throughput)
    @OutputTimeUnit(TimeUnit.SECONDS)
    @OperationsPerInvocation(BATCH)
    public int addAllNewKeys(FullIndex s) {
        s.nextBatch();
        return s.index.addAll(s.gpu, s.batch, 0, BATCH);
    }

    @Benchmark
    @BenchmarkMode(Mode.AverageTime)
    @OutputTimeUnit(TimeUnit.MICROSECONDS)
    public int longestPrefixOf512Keys(Chain s) {
        s.index.longestPrefix(s.chain, s.runs);
        return s.runs.longest();
    }

    @Benchmark
    @BenchmarkMode(Mode.AverageTime)
    @OutputTimeUnit(TimeUnit.MICROSECONDS)
    public int longestPrefixOf512KeysFromArrays(Chain s) {
        s.index.longestPrefix(s.his, s.los, s.his.length, s.runs);
        return s.runs.longest();
    }

    static long mix(long z) {
        z = (z ^ (z >>> 30)) * 0xBF58476D1CE4E5B9L;
        z = (z ^ (z >>> 27)) * 0x94D049BB133111EBL;
        return z ^ (z >>> 31);
    }
}
