package io.spillway.tier.nvme;

import static io.spillway.tier.nvme.TestBlocks.NS;
import static io.spillway.tier.nvme.TestBlocks.context;
import static io.spillway.tier.nvme.TestBlocks.crc;
import static io.spillway.tier.nvme.TestBlocks.key;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.spillway.protocol.ErrorCode;
import io.spillway.tier.BlockHandle;
import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class NvmeTierConcurrencyTest {
    static final int THREADS = 4;
    static final int OPS = 300;
    static final int KEYS = 64;
    static final int SIZE = 32 * 1024;

    @TempDir
    Path dir;

    @Test
    void concurrentPutsGetsAndRemovesStayConsistent() throws Exception {
        long cap = 20L * (BlockRecord.HEADER_BYTES + SIZE);
        byte[][] blocks = new byte[KEYS][];
        for (int i = 0; i < KEYS; i++) {
            blocks[i] = TestBlocks.random(i, SIZE - i);
        }
        AtomicLong gets = new AtomicLong();
        ExecutorService pool = Executors.newFixedThreadPool(THREADS);
        try (NvmeTier tier = NvmeTier.open(context(dir).maxBlockBytes(SIZE).capacityBytes(cap)
            .compression(Compression.LZ4).build())) {
            List<Future<?>> futures = new ArrayList<>();
            for (int t = 0; t < THREADS; t++) {
                long seed = t;
                futures.add(pool.submit(() -> {
                    SplittableRandom r = new SplittableRandom(seed);
                    for (int op = 0; op < OPS; op++) {
                        int k = r.nextInt(KEYS);
                        int choice = r.nextInt(10);
                        if (choice < 5) {
                            byte[] b = blocks[k];
                            assertEquals(ErrorCode.OK, tier.put(NS, key(k), ByteBuffer.wrap(b), crc(b)));
                        } else if (choice < 9) {
                            gets.incrementAndGet();
                            try (BlockHandle h = tier.get(NS, key(k))) {
                                if (h != null) {
                                    assertArrayEquals(blocks[k], TestBlocks.bytes(h), "never wrong bytes");
                                }
                            }
                        } else {
                            tier.remove(key(k));
                        }
                        assertTrue(tier.counters().bytes.get() <= cap);
                    }
                    return null;
                }));
            }
            for (Future<?> f : futures) {
                f.get(60, TimeUnit.SECONDS);
            }
            var c = tier.counters();
            assertEquals(gets.get(), c.hits.sum() + c.misses.sum());
            assertEquals(0, c.corrupt.sum());
            int present = 0;
            long bytes = 0;
            for (int i = 0; i < KEYS; i++) {
                if (tier.contains(key(i))) {
                    present++;
                    bytes += tier.store().recordBytes(key(i)).length;
                }
            }
            assertEquals(present, c.blocks.get());
            assertEquals(bytes, c.bytes.get());
            assertTrue(c.bytes.get() <= cap);
        } finally {
            pool.shutdownNow();
        }
    }

    @Test
    void racingPutsOfOneKeyStoreItOnce() throws Exception {
        byte[] b = TestBlocks.random(7, SIZE);
        ExecutorService pool = Executors.newFixedThreadPool(THREADS);
        try (NvmeTier tier = NvmeTier.open(context(dir).build())) {
            for (int round = 0; round < 20; round++) {
                int k = round;
                List<Future<ErrorCode>> futures = new ArrayList<>();
                for (int t = 0; t < THREADS; t++) {
                    futures.add(pool.submit(() -> tier.put(NS, key(k), ByteBuffer.wrap(b), crc(b))));
                }
                for (Future<ErrorCode> f : futures) {
                    assertEquals(ErrorCode.OK, f.get(30, TimeUnit.SECONDS));
                }
            }
            assertEquals(20, tier.counters().puts.sum(), "one write per key");
            assertEquals(20, tier.counters().blocks.get());
        } finally {
            pool.shutdownNow();
        }
    }
}
