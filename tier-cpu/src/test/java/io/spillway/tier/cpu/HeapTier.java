package io.spillway.tier.cpu;

import io.spillway.key.BlockKey;
import io.spillway.protocol.ErrorCode;
import io.spillway.tier.BlockHandle;
import io.spillway.tier.BlockTier;
import io.spillway.tier.TierCounters;
import io.spillway.tier.TierKind;
import java.nio.ByteBuffer;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;

/**
 * A next tier on the heap that records what it receives; it can refuse, fail, throw, stall until interrupted, or take
 * only so many.
 */
final class HeapTier implements BlockTier {
    enum Mode { ACCEPT, FAIL, THROW, STALL }

    record Stored(BlockKey namespace, byte[] bytes, int crc32c) {
    }

    final ConcurrentHashMap<BlockKey, Stored> blocks = new ConcurrentHashMap<>();
    final AtomicInteger putCalls = new AtomicInteger();
    /** Puts it will still accept; when 0 it answers BACK_PRESSURE. */
    final AtomicLong credits = new AtomicLong(Long.MAX_VALUE);
    private final TierCounters counters = new TierCounters();
    volatile Mode mode = Mode.ACCEPT;
    volatile CountDownLatch accepted = new CountDownLatch(0);
    /** Counted down when a put starts to stall ({@link Mode#STALL}). */
    final CountDownLatch stalled = new CountDownLatch(1);

    HeapTier refuseAll() {
        credits.set(0);
        return this;
    }

    HeapTier acceptAll() {
        credits.set(Long.MAX_VALUE);
        return this;
    }

    @Override
    public TierKind kind() {
        return TierKind.NVME;
    }

    @Override
    public ErrorCode put(BlockKey namespace, BlockKey key, ByteBuffer src, int crc32c) {
        putCalls.incrementAndGet();
        if (mode == Mode.THROW) {
            throw new IllegalStateException("next tier exploded on " + key);
        }
        if (mode == Mode.FAIL) {
            return ErrorCode.INTERNAL;
        }
        if (mode == Mode.STALL) {
            stalled.countDown();
            try {
                new CountDownLatch(1).await(); // only an interrupt ends it
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return ErrorCode.INTERNAL;
            }
        }
        if (credits.getAndUpdate(c -> c > 0 ? c - 1 : 0) == 0) {
            return ErrorCode.BACK_PRESSURE;
        }
        byte[] bytes = new byte[src.remaining()];
        src.duplicate().get(bytes);
        blocks.putIfAbsent(key, new Stored(namespace, bytes, crc32c));
        accepted.countDown();
        return ErrorCode.OK;
    }

    @Override
    public BlockHandle get(BlockKey namespace, BlockKey key) {
        throw new UnsupportedOperationException("not needed by these tests");
    }

    @Override
    public boolean contains(BlockKey key) {
        return blocks.containsKey(key);
    }

    @Override
    public boolean remove(BlockKey key) {
        return blocks.remove(key) != null;
    }

    @Override
    public TierCounters counters() {
        return counters;
    }

    @Override
    public void close() {
    }
}
