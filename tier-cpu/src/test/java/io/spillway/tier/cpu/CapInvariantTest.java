package io.spillway.tier.cpu;

import static io.spillway.tier.cpu.TestBlocks.NS;
import static io.spillway.tier.cpu.TestBlocks.bytes;
import static io.spillway.tier.cpu.TestBlocks.crc;
import static io.spillway.tier.cpu.TestBlocks.demotionCycle;
import static io.spillway.tier.cpu.TestBlocks.expected;
import static io.spillway.tier.cpu.TestBlocks.key;
import static io.spillway.tier.cpu.TestBlocks.toArray;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.spillway.key.BlockKey;
import io.spillway.protocol.ErrorCode;
import io.spillway.tier.BlockHandle;
import io.spillway.tier.BlockWriter;
import java.nio.ByteBuffer;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.params.ParameterizedClass;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * Several threads put (by copy, or written in place and committed or aborted), get (holding a few handles open)
 * and remove random blocks of random sizes while a demoter
 * thread hands evicted blocks to a next tier that refuses now and then; a watcher checks the cap all along.
 */
@ParameterizedClass
@EnumSource(CpuEvictionPolicy.class)
class CapInvariantTest {
    private static final int WORKERS = 4;
    private static final int OPS = 4000;
    private static final int KEYS = 300;
    private static final int MAX_BLOCK = 64 << 10;

    @RegisterExtension
    final TierInvariants tiers;

    /** Each key always has the same length, so any reader can check the bytes it sees. */
    private static int lengthOf(BlockKey key) {
        return (int) (key.lo() * 7919 % (MAX_BLOCK + 1));
    }

    CapInvariantTest(CpuEvictionPolicy policy) {
        tiers = new TierInvariants(policy);
    }

    @Test
    void allocatedBytesNeverExceedTheCapUnderConcurrentPutReserveGetRemove() throws Exception {
        HeapTier next = new HeapTier();
        List<Throwable> failures = new CopyOnWriteArrayList<>();
        CpuTier tier = tiers.open(TestBlocks.smallTier().nextTier(next).demotionQueueBlocks(8)
            .errorHandler(failures::add));
        AtomicBoolean running = new AtomicBoolean(true);
        AtomicLong maxSeen = new AtomicLong();

        Thread watcher = new Thread(() -> {
            while (running.get()) {
                long allocated = tier.allocatedBytes();
                maxSeen.accumulateAndGet(allocated, Math::max);
                if (allocated > tier.capacityBytes()) {
                    failures.add(new AssertionError("allocated " + allocated + " > cap " + tier.capacityBytes()));
                    return; // the first violation is enough
                }
                Thread.onSpinWait();
            }
        }, "cap-watcher");
        Thread demoter = new Thread(() -> {
            SplittableRandom random = new SplittableRandom(7);
            while (running.get()) {
                next.credits.set(random.nextInt(4) == 0 ? 0 : Long.MAX_VALUE); // refuses a quarter of cycles
                if (demotionCycle(tier) == 0) {
                    Thread.yield();
                }
            }
        }, "demoter");
        CountDownLatch done = new CountDownLatch(WORKERS);
        List<Thread> workers = new ArrayList<>();
        for (int w = 0; w < WORKERS; w++) {
            long seed = w;
            workers.add(new Thread(() -> {
                try {
                    work(tier, new SplittableRandom(seed));
                } catch (Throwable t) {
                    failures.add(t);
                } finally {
                    done.countDown();
                }
            }, "worker-" + w));
        }
        watcher.start();
        demoter.start();
        workers.forEach(Thread::start);
        done.await();
        running.set(false);
        demoter.join();
        watcher.join();

        assertEquals(List.of(), failures);
        assertTrue(maxSeen.get() > tier.capacityBytes() / 2, "the workload did fill the tier: " + maxSeen);
        assertTrue(tier.counters().evictions.sum() > 0);
        assertGaugesMatchContents(tier);

        tier.close();
        assertEquals(0, tier.allocatedBytes());
        assertEquals(0, tier.activeAllocations());
        assertEquals(0, tier.counters().bytes.get());
        assertEquals(0, tier.counters().blocks.get());
    }

    private static void work(CpuTier tier, SplittableRandom random) {
        ArrayDeque<BlockHandle> open = new ArrayDeque<>();
        ArrayDeque<Reservation> writing = new ArrayDeque<>();
        for (int op = 0; op < OPS; op++) {
            BlockKey k = key(random.nextInt(KEYS));
            int choice = random.nextInt(10);
            if (choice < 3) {
                ByteBuffer src = bytes(k, lengthOf(k));
                ErrorCode code = tier.put(NS, k, src, crc(src));
                assertTrue(code == ErrorCode.OK || code == ErrorCode.BACK_PRESSURE, "put answered " + code);
            } else if (choice < 5) {
                BlockWriter w = tier.reserve(NS, k, lengthOf(k));
                assertTrue(w.status() == ErrorCode.OK || w.status() == ErrorCode.BACK_PRESSURE, "reserve " + w);
                writing.add(new Reservation(w, bytes(k, lengthOf(k))));
            } else if (choice < 9) {
                BlockHandle h = tier.get(NS, k);
                if (h != null) {
                    open.add(h);
                }
            } else {
                tier.remove(k);
            }
            if (writing.size() > 2 || (!writing.isEmpty() && random.nextBoolean())) {
                writing.poll().finish(random.nextInt(3) > 0);
            }
            if (open.size() > 3 || (!open.isEmpty() && random.nextBoolean())) {
                try (BlockHandle h = open.poll()) {
                    assertArrayEquals(expected(h.key(), lengthOf(h.key())), toArray(h.data()), "bytes of " + h.key());
                }
            }
        }
        open.forEach(BlockHandle::close);
        writing.forEach(r -> r.finish(false));
    }

    /** A block reserved and being written: written in full and committed, or aborted half-way. */
    private record Reservation(BlockWriter writer, ByteBuffer src) {
        void finish(boolean commit) {
            ByteBuffer target = writer.target();
            if (target == null) {
                assertEquals(writer.status(), writer.commit(0), "a writer without memory answers its status");
                return;
            }
            if (!commit) {
                target.put(src.duplicate().limit(src.remaining() / 2));
                writer.abort();
                return;
            }
            target.put(src.duplicate());
            assertEquals(ErrorCode.OK, writer.commit(crc(src)));
        }
    }

    /** Quiescent now: the gauges must equal what the tier answers for, key by key. */
    private static void assertGaugesMatchContents(CpuTier tier) {
        long bytes = 0;
        long blocks = 0;
        for (int i = 0; i < KEYS; i++) {
            if (tier.contains(key(i))) {
                bytes += lengthOf(key(i));
                blocks++;
            }
        }
        assertEquals(bytes, tier.counters().bytes.get());
        assertEquals(blocks, tier.counters().blocks.get());
        assertEquals(bytes, tier.allocatedBytes(), "no handle is open, so allocated = held");
    }
}
