package io.spillway.perf.jmh;

import io.spillway.key.BlockKey;
import io.spillway.protocol.Crc32c;
import io.spillway.protocol.ErrorCode;
import io.spillway.server.TierChain;
import io.spillway.tier.BlockHandle;
import io.spillway.tier.BlockWriter;
import io.spillway.tier.cpu.CpuTier;
import io.spillway.tier.cpu.CpuTierContext;
import io.spillway.tier.nvme.NvmeTier;
import io.spillway.tier.nvme.NvmeTierContext;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
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
 * What issue 21's integrity checks cost (docs/reliability.md, "Integrity and immutability"), each against its own
 * baseline in the same run:
 * <ul>
 *   <li>{@code getAndCopy}, {@code verifyOnRead} false vs true: a CPU-tier hit copied out, with and without the
 *   CRC32C check of the block before it is served. A background scrub would pay the same CRC pass per byte
 *   scrubbed instead of per byte read.</li>
 *   <li>{@code putNewBlock}, {@code nvmeStage} false vs true: a put of a new key through the server's
 *   {@link TierChain}, CPU tier alone vs CPU in front of an NVMe tier holding {@value #NVME_KEYS} keys, whose
 *   index the chain asks before storing (first value wins across tiers).</li>
 * </ul>
 * Ratio = true / false; {@code bin/spillway bench jmh IntegrityBenchmark -f 1 -wi 2 -i 3 -w 1s -r 1s}.
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(1)
public class IntegrityBenchmark {
    private static final BlockKey NAMESPACE = new BlockKey(0xABCDL, 0x1234L);
    private static final int RESIDENT_BLOCKS = 64;
    static final int NVME_KEYS = 10_000;

    @Param({"65536", "2097152"})
    int blockBytes;

    @Param({"false", "true"})
    boolean verifyOnRead;

    @Param({"false", "true"})
    boolean nvmeStage;

    private CpuTier tier;
    private NvmeTier nvme;
    private Path nvmeDir;
    private TierChain chain;
    private ByteBuffer block;
    private ByteBuffer copyOut;
    private int crc;
    private long nextKey;

    @Setup(Level.Trial)
    public void setUp() throws IOException {
        long capacity = 4L * RESIDENT_BLOCKS * blockBytes;
        tier = CpuTier.open(CpuTierContext.builder().capacityBytes(capacity).maxBlockBytes(blockBytes)
            .verifyOnRead(verifyOnRead).nextTier(null).build());
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
        TierChain.Stage nvmeStageOrNull = null;
        if (nvmeStage) {
            nvmeDir = Files.createTempDirectory("spillway-integrity-bench");
            nvme = NvmeTier.open(NvmeTierContext.builder().directory(nvmeDir).capacityBytes(1L << 30).build());
            ByteBuffer small = ByteBuffer.allocateDirect(1024).put(new byte[1024]).flip();
            int smallCrc = Crc32c.of(small.duplicate());
            for (int i = 0; i < NVME_KEYS; i++) {
                nvme.put(NAMESPACE, new BlockKey(11, i), small, smallCrc);
            }
            nvmeStageOrNull = new TierChain.Stage(nvme, 1L << 30);
        }
        chain = new TierChain(new TierChain.Stage(tier, capacity), nvmeStageOrNull, null, false);
        nextKey = 1L << 40;
    }

    @TearDown(Level.Trial)
    public void tearDown() throws IOException {
        tier.close();
        if (nvme != null) {
            nvme.close();
            try (Stream<Path> files = Files.walk(nvmeDir)) {
                for (Path p : files.sorted(Comparator.reverseOrder()).toList()) {
                    Files.delete(p);
                }
            }
        }
    }

    private static BlockKey residentKey(int i) {
        return new BlockKey(7, i);
    }

    /** A put of a new key through the chain, written in place as the server's PUT_BATCH path does. */
    @Benchmark
    public ErrorCode putNewBlock() {
        BlockWriter w = chain.reserve(NAMESPACE, new BlockKey(9, nextKey++), blockBytes);
        ByteBuffer target = w.target();
        if (target == null) {
            throw new IllegalStateException("put refused: " + w.status() + " (" + tier.counters() + ")");
        }
        target.put(block.duplicate());
        return w.commit(crc);
    }

    @Benchmark
    public int getAndCopy() {
        try (BlockHandle h = chain.getFast(NAMESPACE, residentKey(ThreadLocalRandom.current().nextInt(RESIDENT_BLOCKS)))) {
            if (h == null) {
                throw new IllegalStateException("resident block missed");
            }
            copyOut.clear();
            copyOut.put(h.data());
            return copyOut.position();
        }
    }
}
