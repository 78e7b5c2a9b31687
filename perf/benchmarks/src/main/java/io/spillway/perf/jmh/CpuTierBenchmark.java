package io.spillway.perf.jmh;

import io.spillway.key.BlockKey;
import io.spillway.protocol.Crc32c;
import io.spillway.protocol.ErrorCode;
import io.spillway.tier.BlockHandle;
import io.spillway.tier.cpu.CpuTier;
import io.spillway.tier.cpu.CpuTierContext;
import java.nio.ByteBuffer;
import java.util.concurrent.ThreadLocalRandom;
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
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;

/**
 * The CPU tier alone (no next tier, so eviction drops): a put of a new block (one copy into pooled off-heap memory,
 * index insert, eviction when full), a get (lookup + pin, no copy) and a get that copies the block out, as a
 * server without zero-copy sends would. Compare putNewBlock and getAndCopy with memcpy (DEPENDENCIES.md:
 * ~25 GB/s for 2 MiB direct buffers): GB/s = blockBytes / time per op.
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(1)
public class CpuTierBenchmark {
    private static final BlockKey NAMESPACE = new BlockKey(0xABCDL, 0x1234L);
    private static final int RESIDENT_BLOCKS = 64;

    @Param({"65536", "2097152"})
    int blockBytes;

    private CpuTier tier;
    private ByteBuffer block;
    private ByteBuffer copyOut;
    private int crc;
    private long nextKey;

    @Setup(Level.Trial)
    public void setUp() {
        // room for the resident set plus as many new blocks again, so puts keep evicting once it fills
        long capacity = 4L * RESIDENT_BLOCKS * blockBytes;
        tier = CpuTier.open(CpuTierContext.builder().capacityBytes(capacity).maxBlockBytes(blockBytes)
            .nextTier(null).build());
        byte[] bytes = new byte[blockBytes];
        ThreadLocalRandom.current().nextBytes(bytes);
        block = ByteBuffer.allocateDirect(blockBytes).put(bytes).flip();
        copyOut = ByteBuffer.allocateDirect(blockBytes);
        crc = Crc32c.of(block.duplicate());
        for (int i = 0; i < RESIDENT_BLOCKS; i++) {
            ErrorCode code = tier.put(NAMESPACE, residentKey(i), block, crc);
            if (code != ErrorCode.OK) {
                throw new IllegalStateException("resident block " + i + " not stored: " + code);
            }
        }
        nextKey = 1L << 40;
    }

    @TearDown(Level.Trial)
    public void tearDown() {
        tier.close();
    }

    private static BlockKey residentKey(int i) {
        return new BlockKey(7, i);
    }

    @Benchmark
    public ErrorCode putNewBlock() {
        ErrorCode code = tier.put(NAMESPACE, new BlockKey(9, nextKey++), block, crc);
        if (code != ErrorCode.OK) {
            // a refused put costs nothing: measuring it would flatter the tier
            throw new IllegalStateException("put refused: " + code + " (" + tier.counters() + ")");
        }
        return code;
    }

    @Benchmark
    public int getPinned() {
        try (BlockHandle h = tier.get(NAMESPACE, residentKey(ThreadLocalRandom.current().nextInt(RESIDENT_BLOCKS)))) {
            return h == null ? -1 : h.data().get(h.length() - 1);
        }
    }

    @Benchmark
    public int getAndCopy() {
        try (BlockHandle h = tier.get(NAMESPACE, residentKey(ThreadLocalRandom.current().nextInt(RESIDENT_BLOCKS)))) {
            if (h == null) {
                return -1;
            }
            copyOut.clear();
            copyOut.put(h.data());
            return copyOut.position();
        }
    }
}
