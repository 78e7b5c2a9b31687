package io.spillway.perf.jmh;

import io.spillway.key.BlockKey;
import io.spillway.key.BlockKeys;
import io.spillway.key.Namespace;
import io.spillway.key.RequestExtras;
import java.util.SplittableRandom;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;

/**
 * Cost of the block-key chain a router or connector computes per request: a 2,048-token prompt in 16-token blocks
 * (128 keys), without and with extra keys (LoRA + cache salt), and continuing a chain by one block.
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(1)
public class BlockKeysBenchmark {
    @Param({"2048"})
    int promptTokens;

    private Namespace namespace;
    private int[] tokens;
    private RequestExtras extras;
    private BlockKey lastParent;

    @Setup
    public void setUp() {
        namespace = Namespace.builder().modelId("meta-llama/Llama-3.1-8B-Instruct").layers(32).kvHeads(8)
            .headDim(128).blockSizeTokens(16).build();
        SplittableRandom random = new SplittableRandom(42);
        tokens = new int[promptTokens];
        for (int i = 0; i < tokens.length; i++) {
            tokens[i] = random.nextInt(128_256);
        }
        extras = RequestExtras.builder().lora("sql-adapter").cacheSalt("tenant-a").build();
        BlockKey[] chain = BlockKeys.chain(namespace, tokens);
        lastParent = chain[chain.length - 2];
    }

    @Benchmark
    public BlockKey[] chainPrompt() {
        return BlockKeys.chain(namespace, tokens);
    }

    @Benchmark
    public BlockKey[] chainPromptWithExtras() {
        return BlockKeys.chain(namespace, tokens, extras);
    }

    /** Hashing only the newest block of a growing prompt (the decode-time case). */
    @Benchmark
    public BlockKey[] extendByOneBlock() {
        return BlockKeys.chain(lastParent, tokens, tokens.length - namespace.blockSizeTokens(),
            namespace.blockSizeTokens(), RequestExtras.NONE);
    }
}
