package io.spillway.server;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.spillway.client.ClientContext;
import io.spillway.client.GetResult;
import io.spillway.client.KvClient;
import io.spillway.client.PutResult;
import io.spillway.key.BlockKey;
import io.spillway.protocol.ErrorCode;
import io.spillway.tier.TierKind;
import io.spillway.tier.cpu.CpuTier;
import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.BitSet;
import java.util.SplittableRandom;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Many seeded random blocks of mixed sizes through NettyKvClient into a node whose CPU tier is far smaller than the
 * data: every byte comes back, the CPU tier never allocates past its cap, the overflow is served from NVMe, and after
 * a restart on the same data dir the NVMe blocks are served again byte-identical.
 * {@code -Dspillway.test.roundTripBlocks=N} changes the block count (default 100,000).
 */
class RoundTripTest {
    static final int BLOCKS = Integer.getInteger("spillway.test.roundTripBlocks", 100_000);
    static final int BATCH = 64;
    static final long CPU_CAPACITY = 32L << 20;

    @TempDir
    Path dir;

    /**
     * Sizes log-uniform in 1 KiB..32 KiB, and one block in 100 uniform in 128..256 KiB: mixed sizes over the whole
     * 1 KiB..256 KiB range with a mean of about 11 KiB, so 100,000 blocks (about 1.1 GB) fit the time box.
     */
    static int size(int i) {
        SplittableRandom r = new SplittableRandom(0x51EE_D000L + i);
        return r.nextInt(100) == 0 ? (128 << 10) + r.nextInt((128 << 10) + 1)
            : (int) Math.round(1024 * Math.pow(32, r.nextDouble()));
    }

    static ByteBuffer block(int i) {
        int n = size(i);
        ByteBuffer b = ByteBuffer.allocateDirect(n);
        SplittableRandom r = new SplittableRandom(i * 0x9E3779B97F4A7C15L);
        while (b.remaining() >= 8) {
            b.putLong(r.nextLong());
        }
        while (b.hasRemaining()) {
            b.put((byte) r.nextInt());
        }
        return b.flip();
    }

    static BlockKey key(int i) {
        return new BlockKey(0xB10C_0000_0000_0000L, i);
    }

    private SpillwayServer start() {
        return SpillwayServer.start(TestNode.context(dir).cpuCapacityBytes(CPU_CAPACITY).nvmeCapacityBytes(16L << 30)
            .maxBlockBytes(1 << 20).ioThreads(1).build());
    }

    private static KvClient connect(SpillwayServer server) {
        return KvClient.connect(ClientContext.builder().server("127.0.0.1", server.dataPort())
            .controlPort(server.controlPort()).connections(2).build());
    }

    @Test
    void everyBlockComesBackByteIdenticalThroughCpuAndNvmeAndAfterARestart() throws Exception {
        BitSet fromNvme = new BitSet(BLOCKS);
        AtomicLong maxAllocated = new AtomicLong();
        try (SpillwayServer server = start(); KvClient client = connect(server)) {
            assertEquals(TestNode.NS, client.registerNamespace(TestNode.NAMESPACE).get(10, TimeUnit.SECONDS));
            CpuTier cpu = (CpuTier) server.tiers().cpu();
            ScheduledExecutorService sampler = Executors.newSingleThreadScheduledExecutor();
            sampler.scheduleAtFixedRate(() -> maxAllocated.accumulateAndGet(cpu.allocatedBytes(), Math::max),
                0, 2, TimeUnit.MILLISECONDS);
            try {
                putAll(client);
                assertEquals(0, readAll(client, fromNvme, true), "mismatched bytes");
            } finally {
                sampler.shutdownNow();
            }
            maxAllocated.accumulateAndGet(cpu.allocatedBytes(), Math::max);
            assertTrue(maxAllocated.get() <= cpu.capacityBytes(),
                "allocated " + maxAllocated.get() + " > cap " + cpu.capacityBytes());
            assertTrue(server.tiers().stages().get(1).tier().counters().hits.sum() > 0, "NVMe served the overflow");
            assertTrue(fromNvme.cardinality() > BLOCKS / 2, "most blocks overflowed to NVMe: " + fromNvme.cardinality());
        }
        try (SpillwayServer again = start(); KvClient client = connect(again)) {
            BitSet servedAgain = new BitSet(BLOCKS);
            assertEquals(0, readAll(client, servedAgain, false), "mismatched bytes after restart");
            BitSet lost = (BitSet) fromNvme.clone();
            lost.andNot(servedAgain);
            assertTrue(lost.isEmpty(), lost.cardinality() + " blocks served from NVMe before the restart were not after");
        }
    }

    private static void putAll(KvClient client) throws Exception {
        for (int from = 0; from < BLOCKS; from += BATCH) {
            int n = Math.min(BATCH, BLOCKS - from);
            BlockKey[] keys = new BlockKey[n];
            ByteBuffer[] blocks = new ByteBuffer[n];
            for (int j = 0; j < n; j++) {
                keys[j] = key(from + j);
                blocks[j] = block(from + j);
            }
            for (int attempt = 0; ; attempt++) {
                PutResult r = client.put(TestNode.NS, keys, blocks).get(30, TimeUnit.SECONDS);
                int pressured = 0;
                for (int j = 0; j < n; j++) {
                    ErrorCode s = r.statuses()[j];
                    if (s == ErrorCode.BACK_PRESSURE) {
                        keys[pressured] = keys[j];
                        blocks[pressured++] = blocks[j];
                    } else {
                        assertEquals(ErrorCode.OK, s, "put of " + keys[j]);
                    }
                }
                if (pressured == 0) {
                    break;
                }
                assertTrue(attempt < 2000, "back pressure never cleared");
                keys = Arrays.copyOf(keys, pressured);
                blocks = Arrays.copyOf(blocks, pressured);
                n = pressured;
                Thread.sleep(1);
            }
        }
    }

    /** Reads every block; returns the number of mismatched bytes; marks NVMe hits (or all hits) in {@code mark}. */
    private static long readAll(KvClient client, BitSet mark, boolean requireAll) throws Exception {
        long mismatched = 0;
        ByteBuffer[] dst = new ByteBuffer[BATCH];
        for (int j = 0; j < BATCH; j++) {
            dst[j] = ByteBuffer.allocateDirect(256 << 10);
        }
        for (int from = 0; from < BLOCKS; from += BATCH) {
            int n = Math.min(BATCH, BLOCKS - from);
            BlockKey[] keys = new BlockKey[n];
            ByteBuffer[] d = Arrays.copyOf(dst, n);
            for (int j = 0; j < n; j++) {
                keys[j] = key(from + j);
                d[j].clear();
            }
            GetResult got = client.get(TestNode.NS, keys, d).get(30, TimeUnit.SECONDS);
            for (int j = 0; j < n; j++) {
                int i = from + j;
                if (!got.hit(j)) {
                    assertTrue(!requireAll, "block " + i + " missing: " + got.statuses()[j]);
                    continue;
                }
                mark.set(i, !requireAll || got.tiers()[j] == TierKind.NVME);
                mismatched += mismatch(block(i), d[j]);
            }
        }
        return mismatched;
    }

    private static long mismatch(ByteBuffer expected, ByteBuffer actual) {
        if (expected.mismatch(actual) < 0) {
            return 0;
        }
        long diff = Math.abs(expected.remaining() - actual.remaining());
        for (int k = 0; k < Math.min(expected.remaining(), actual.remaining()); k++) {
            diff += expected.get(expected.position() + k) != actual.get(actual.position() + k) ? 1 : 0;
        }
        return Math.max(diff, 1);
    }
}
