package io.spillway.server;

import io.spillway.key.BlockKey;
import io.spillway.protocol.ErrorCode;
import io.spillway.tier.BlockHandle;
import io.spillway.tier.BlockTier;
import io.spillway.tier.BlockWriter;
import io.spillway.tier.TierCounters;
import io.spillway.tier.TierKind;
import java.nio.ByteBuffer;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.zip.CRC32C;

/**
 * A small in-memory {@link BlockTier} for tests: a map of heap copies, a byte capacity (a full tier answers
 * BACK_PRESSURE), CRC verification on read (a corrupted block is a miss and counts as corrupt), and a count of
 * open handles so tests can check that every handle was closed.
 */
final class HeapTier implements BlockTier {
    private record Entry(BlockKey namespace, byte[] bytes, int crc) {
    }

    private final TierKind kind;
    private final long capacity;
    private final Map<BlockKey, Entry> blocks = new ConcurrentHashMap<>();
    private final TierCounters counters = new TierCounters();
    final AtomicInteger openHandles = new AtomicInteger();
    volatile boolean closed;
    /** When set, {@link #get} signals {@code getEntered} and waits for this latch: a slow disk on demand. */
    volatile CountDownLatch getGate;
    final CountDownLatch getEntered = new CountDownLatch(1);
    /**
     * When set, a get or a reserve of this key throws the JDK's error for an exhausted
     * {@code -XX:MaxDirectMemorySize}, as the NVMe tier's read buffer (or the CPU tier's block) allocation does when
     * direct memory runs out.
     */
    volatile BlockKey exhaustDirectMemoryOn;

    HeapTier(TierKind kind, long capacity) {
        this.kind = kind;
        this.capacity = capacity;
    }

    static TierFactory factory(long cpuCapacity, HeapTier nvme) {
        return ctx -> new TierChain(new TierChain.Stage(new HeapTier(TierKind.CPU, cpuCapacity), cpuCapacity),
            nvme == null ? null : new TierChain.Stage(nvme, nvme.capacity), null, ctx.promoteOnHit());
    }

    @Override
    public TierKind kind() {
        return kind;
    }

    @Override
    public synchronized ErrorCode put(BlockKey namespace, BlockKey key, ByteBuffer src, int crc32c) {
        if (blocks.containsKey(key)) {
            return ErrorCode.OK;
        }
        if (counters.bytes.get() + src.remaining() > capacity) {
            counters.backPressured.increment();
            return ErrorCode.BACK_PRESSURE;
        }
        byte[] copy = new byte[src.remaining()];
        src.duplicate().get(copy);
        blocks.put(key, new Entry(namespace, copy, crc32c));
        counters.bytes.addAndGet(copy.length);
        counters.blocks.incrementAndGet();
        counters.puts.increment();
        return ErrorCode.OK;
    }

    @Override
    public BlockWriter reserve(BlockKey namespace, BlockKey key, int length) {
        if (key.equals(exhaustDirectMemoryOn)) {
            throw new OutOfMemoryError("Cannot reserve " + length + " bytes of direct buffer memory (allocated: "
                + "67108864, limit: 67108864)");
        }
        return BlockTier.super.reserve(namespace, key, length);
    }

    @Override
    public BlockHandle get(BlockKey namespace, BlockKey key) {
        if (key.equals(exhaustDirectMemoryOn)) {
            throw new OutOfMemoryError("Cannot reserve 16777216 bytes of direct buffer memory (allocated: 60817408, "
                + "limit: 67108864)");
        }
        CountDownLatch gate = getGate;
        if (gate != null) {
            getEntered.countDown();
            try {
                gate.await();
            } catch (InterruptedException ex) {
                Thread.currentThread().interrupt();
            }
        }
        Entry e = blocks.get(key);
        if (e == null || !e.namespace.equals(namespace)) {
            counters.misses.increment();
            return null;
        }
        CRC32C crc = new CRC32C();
        crc.update(e.bytes);
        if ((int) crc.getValue() != e.crc) {
            counters.corrupt.increment();
            counters.misses.increment();
            return null;
        }
        counters.hits.increment();
        openHandles.incrementAndGet();
        ByteBuffer data = ByteBuffer.wrap(e.bytes).asReadOnlyBuffer();
        return new BlockHandle() {
            private boolean done;

            @Override public BlockKey namespace() { return e.namespace; }
            @Override public BlockKey key() { return key; }
            @Override public ByteBuffer data() { return data.duplicate(); }
            @Override public int length() { return e.bytes.length; }
            @Override public int crc32c() { return e.crc; }
            @Override public TierKind tier() { return kind; }

            @Override
            public synchronized void close() {
                if (!done) {
                    done = true;
                    openHandles.decrementAndGet();
                }
            }
        };
    }

    /** Flips one byte of the stored block, as a bad disk would. */
    void corrupt(BlockKey key) {
        blocks.get(key).bytes[0] ^= 0x5A;
    }

    @Override
    public boolean contains(BlockKey key) {
        return blocks.containsKey(key);
    }

    @Override
    public boolean remove(BlockKey key) {
        Entry e = blocks.remove(key);
        if (e != null) {
            counters.bytes.addAndGet(-e.bytes.length);
            counters.blocks.decrementAndGet();
        }
        return e != null;
    }

    @Override
    public TierCounters counters() {
        return counters;
    }

    @Override
    public void close() {
        closed = true;
    }
}
