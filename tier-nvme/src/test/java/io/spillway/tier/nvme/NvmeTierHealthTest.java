package io.spillway.tier.nvme;

import static io.spillway.tier.nvme.TestBlocks.NS;
import static io.spillway.tier.nvme.TestBlocks.assertServes;
import static io.spillway.tier.nvme.TestBlocks.crc;
import static io.spillway.tier.nvme.TestBlocks.direct;
import static io.spillway.tier.nvme.TestBlocks.key;
import static io.spillway.tier.nvme.TestBlocks.random;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.spillway.key.BlockKey;
import io.spillway.protocol.ErrorCode;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.rocksdb.RocksDBException;

/**
 * The tier's health state machine: a file system below the free-space floor, and a real RocksDB background error
 * (its SstFileManager's space cap passed by a flush), both refuse puts with {@code BACK_PRESSURE} while gets are
 * served, name the NVMe tier in the degradation, and end on their own once space is back.
 */
class NvmeTierHealthTest {
    private static final int BLOCK = 256 << 10;
    private static final long MIN_FREE = 100L << 20;

    @TempDir
    Path dir;

    private final AtomicLong free = new AtomicLong(1L << 40);

    private NvmeTierContext.Builder context() {
        return TestBlocks.context(dir).minFreeBytes(MIN_FREE).healthCheckIntervalMs(20)
            .freeSpace(p -> free.get());
    }

    private static ErrorCode put(NvmeTier tier, int i) {
        byte[] b = random(i, BLOCK);
        return tier.put(NS, key(i), direct(b), crc(b));
    }

    @Test
    void lowFreeSpaceRefusesWritesServesReadsAndResumesWhenSpaceIsBack() throws InterruptedException {
        try (NvmeTier tier = NvmeTier.open(context().build())) {
            assertEquals(ErrorCode.OK, put(tier, 1));
            assertTrue(tier.health().degradation().isEmpty());

            free.set(MIN_FREE - 1);
            tier.checkHealth();

            assertEquals(ErrorCode.BACK_PRESSURE, put(tier, 2));
            assertFalse(tier.contains(key(2)), "a refused put stores nothing");
            assertEquals(1, tier.health().refusedWrites());
            String detail = tier.health().degradation().orElseThrow();
            assertTrue(detail.startsWith("nvme tier degraded"), detail);
            assertTrue(detail.contains("disk nearly full"), detail);
            assertServes(tier, key(1), random(1, BLOCK));

            free.set(MIN_FREE);
            awaitWritable(tier); // the timer, not this test, sees the space come back
            assertEquals(ErrorCode.OK, put(tier, 2));
            assertServes(tier, key(2), random(2, BLOCK));
            assertEquals(1, tier.health().recoveries());
            assertEquals(0, tier.health().reopens(), "nothing failed in RocksDB: no reopen needed");
        }
    }

    @Test
    void backgroundErrorStopsWritesUntilSpaceIsBackThenTheDatabaseIsReopened() throws Exception {
        // a timer too slow to run during the test: each health check is made by hand
        try (NvmeTier tier = NvmeTier.open(context().healthCheckIntervalMs(60_000).build())) {
            for (int i = 0; i < 4; i++) {
                assertEquals(ErrorCode.OK, put(tier, i));
            }
            tier.store().limitDiskSpace(64 << 10);
            flushIgnoringError(tier);
            assertEquals(1, tier.health().backgroundErrors(), "the flush past the space cap is a background error");

            assertEquals(ErrorCode.BACK_PRESSURE, put(tier, 5));
            assertEquals(1, tier.health().refusedWrites());
            String detail = tier.health().degradation().orElseThrow();
            assertTrue(detail.contains("RocksDB background error during FLUSH"), detail);
            assertServes(tier, key(0), random(0, BLOCK));

            free.set(MIN_FREE - 1);
            tier.checkHealth();
            assertEquals(0, tier.health().reopens(), "no reopen while the disk is still full");
            assertTrue(tier.health().degraded());

            free.set(MIN_FREE);
            tier.checkHealth();
            assertEquals(1, tier.health().reopens());
            assertFalse(tier.health().degraded(), tier.health().degradation().orElse(""));
            assertEquals(1, tier.health().recoveries());
            assertEquals(0, tier.health().lostOnReopen(), "the flush had written every block before the cap hit");
            for (int i = 0; i < 4; i++) {
                assertServes(tier, key(i), random(i, BLOCK));
            }
            assertEquals(ErrorCode.OK, put(tier, 9));
            assertServes(tier, key(9), random(9, BLOCK));
        }
    }

    @Test
    void blocksTheReopenedDatabaseLacksLeaveTheIndexAndAreCountedLost() throws Exception {
        List<BlockKey> told = new CopyOnWriteArrayList<>();
        try (NvmeTier tier = NvmeTier.open(context().healthCheckIntervalMs(60_000)
            .listener((kind, key) -> told.add(key)).build())) {
            assertEquals(ErrorCode.OK, put(tier, 0));
            assertEquals(ErrorCode.OK, put(tier, 1));
            // stands for a block that was still in the memtable when the flush failed: indexed, not on disk
            tier.store().delete(List.of(key(1)));
            tier.store().limitDiskSpace(64 << 10);
            flushIgnoringError(tier);
            told.clear();

            tier.checkHealth();

            assertEquals(1, tier.health().reopens());
            assertEquals(1, tier.health().lostOnReopen());
            assertFalse(tier.contains(key(1)));
            assertEquals(List.of(key(1)), told, "the event feed hears that the lost block left the tier");
            assertEquals(1, tier.counters().blocks.get());
            assertServes(tier, key(0), random(0, BLOCK));
        }
    }

    @Test
    void settingsAreValidated() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
            () -> TestBlocks.context(dir).minFreeBytes(-1).build());
        assertTrue(e.getMessage().contains(NvmeTierContext.MIN_FREE_BYTES_PROP), e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> TestBlocks.context(dir).healthCheckIntervalMs(5).build());
        assertTrue(e.getMessage().contains(NvmeTierContext.HEALTH_CHECK_INTERVAL_MS_PROP), e.getMessage());
    }

    private static void flushIgnoringError(NvmeTier tier) {
        try {
            tier.store().flush();
        } catch (RocksDBException e) {
            // the flush may itself report the error it raised; the listener is what the tier relies on
        }
    }

    private static void awaitWritable(NvmeTier tier) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(5);
        while (tier.health().degraded()) {
            if (System.nanoTime() - deadline > 0) {
                throw new AssertionError("still degraded after 5 s: " + tier.health().degradation());
            }
            Thread.sleep(10);
        }
    }
}
