package io.spillway.tier.cpu;

import io.netty.buffer.ByteBuf;
import io.spillway.key.BlockKey;
import io.spillway.protocol.Crc32c;
import io.spillway.protocol.ErrorCode;
import io.spillway.tier.BlockHandle;
import io.spillway.tier.BlockTier;
import io.spillway.tier.BlockWriter;
import io.spillway.tier.TierCounters;
import io.spillway.tier.TierKind;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.LongAdder;
import org.agrona.concurrent.Agent;
import org.agrona.concurrent.AgentRunner;
import org.agrona.concurrent.IdleStrategy;

/**
 * The CPU tier: blocks in pooled off-heap memory under a hard byte cap, evicted in the context's
 * {@link CpuEvictionPolicy} order (byte-weighted LRU by default, W-TinyLFU as a setting) and demoted to the next tier
 * by a background Agrona {@link Agent}.
 *
 * <p>Memory: every block's bytes are reserved against {@link #capacityBytes()} before they are allocated and given
 * back only when freed, so {@link #allocatedBytes()} counts blocks in the index, blocks waiting for demotion,
 * evicted blocks still pinned by a reader and reservations not yet committed or aborted ({@link #reserve}), and
 * never exceeds the cap. The index holds at most the cap less the
 * demotion headroom; when the headroom is used up, or {@link #pendingDemotions()} reaches its bound, puts answer
 * {@link ErrorCode#BACK_PRESSURE}.
 *
 * <p>Gauges: {@code counters().bytes} and {@code blocks} cover readable blocks (index and demotion queue).
 *
 * <pre>{@code
 * try (CpuTier tier = CpuTier.open(CpuTierContext.builder().capacityBytes(64L << 30).nextTier(nvme).build())) {
 *     tier.put(ns, key, bytes, crc);
 *     try (BlockHandle h = tier.get(ns, key)) { send(h.data()); }
 * }
 * }</pre>
 */
public final class CpuTier implements BlockTier {
    private static final System.Logger LOG = System.getLogger(CpuTier.class.getName());

    private final CpuTierContext ctx;
    private final TierCounters counters = new TierCounters();
    private final OffHeapPool pool;
    private final DemotionQueue demotionQueue = new DemotionQueue();
    private final BlockIndex index;
    private final GroupShares shares;
    private final DemotionAgent demotionAgent;
    private final AgentRunner runner;
    private final AtomicBoolean closing = new AtomicBoolean();
    private volatile boolean closed;
    private volatile boolean terminated;

    private CpuTier(CpuTierContext ctx) {
        this.ctx = ctx;
        this.pool = new OffHeapPool(ctx.capacityBytes(), ctx.arenas(), ctx.chunkBytes());
        this.index = BlockIndex.create(ctx.evictionPolicy(), ctx.maxIndexBytes(), this::onEviction);
        this.shares = ctx.groupOf() == null ? null : new GroupShares(ctx.groupOf());
        this.demotionAgent = ctx.nextTier() == null ? null : new DemotionAgent(demotionQueue, ctx.nextTier(),
            counters, this::release, ctx.errorHandler(), ctx.demotionBatchBlocks());
        this.runner = demotionAgent != null && ctx.threadingMode() == ThreadingMode.DEDICATED
            ? startDedicated(demotionAgent, ctx) : null;
    }

    /** Runs the agent on its own daemon thread, named after its role, until {@link #close()}. */
    private static AgentRunner startDedicated(DemotionAgent agent, CpuTierContext ctx) {
        AgentRunner runner = new AgentRunner(ctx.idleStrategy(), ctx.errorHandler(), null, agent);
        AgentRunner.startOnThread(runner, r -> {
            Thread t = new Thread(r, agent.roleName());
            t.setDaemon(true);
            return t;
        });
        return runner;
    }

    /**
     * Stops the dedicated thread and waits for it: after each {@code closeTimeoutMs} it is still running, the
     * error handler hears of it and the thread is interrupted (Agrona's {@code AgentRunner.close(int, Consumer)}).
     */
    private void stopDedicated() {
        long timeoutMillis = ctx.closeTimeoutMs();
        String role = demotionAgent.roleName();
        runner.close((int) Math.min(Integer.MAX_VALUE, timeoutMillis), thread -> ctx.errorHandler().onError(
            new IllegalStateException(role + " did not stop within " + timeoutMillis + " ms; interrupted")));
    }

    /** Opens a tier with these settings; with {@link ThreadingMode#DEDICATED} and a next tier, starts its thread. */
    public static CpuTier open(CpuTierContext ctx) {
        return new CpuTier(ctx);
    }

    @Override
    public TierKind kind() {
        return TierKind.CPU;
    }

    /**
     * {@inheritDoc}
     *
     * <p>Copies the bytes once into off-heap memory. Answers {@code SHUTTING_DOWN} once closing.
     */
    @Override
    public ErrorCode put(BlockKey namespace, BlockKey key, ByteBuffer src, int crc32c) {
        return store(namespace, key, src, crc32c, counters.puts);
    }

    /**
     * A put of a block copied up from a slower tier: the same as {@link #put} but counted as a promotion.
     */
    public ErrorCode promote(BlockKey namespace, BlockKey key, ByteBuffer src, int crc32c) {
        return store(namespace, key, src, crc32c, counters.promotions);
    }

    /**
     * {@inheritDoc}
     *
     * <p>Decides at once what {@link #put} would: {@code SHUTTING_DOWN} once closing, {@code BLOCK_TOO_LARGE} over
     * {@code maxBlockBytes}, the present writer for a key already held, {@code BACK_PRESSURE} when the demotion queue
     * is at its bound or the bytes do not fit under the cap. A reservation allocates the block's off-heap memory
     * now and counts against {@link #capacityBytes()} (in {@link #allocatedBytes()}) until it is aborted, or until
     * the committed block is freed; the target is that memory itself, so the bytes are written once. A commit
     * counts a put. Writers still open when the tier closes free their memory when they commit or abort. Under
     * {@link CpuEvictionPolicy#LRU} a put of an indexed key makes that block most recently used.
     */
    @Override
    public BlockWriter reserve(BlockKey namespace, BlockKey key, int length) {
        return reserve(namespace, key, length, counters.puts);
    }

    private BlockWriter reserve(BlockKey namespace, BlockKey key, int length, LongAdder counter) {
        if (length < 0) {
            throw new IllegalArgumentException("length " + length + " < 0");
        }
        if (closed) {
            return BlockWriter.refused(ErrorCode.SHUTTING_DOWN);
        }
        if (length > ctx.maxBlockBytes()) {
            return BlockWriter.refused(ErrorCode.BLOCK_TOO_LARGE);
        }
        Block stored = index.getAndTouch(key);
        if (stored != null) {
            if (shares != null) {
                shares.touched(stored);
            }
            return present(counter); // blocks are immutable per key: keep the one stored
        }
        if (demotionQueue.contains(key)) {
            return present(counter);
        }
        if (demotionQueue.size() >= ctx.demotionQueueBlocks()) {
            return BlockWriter.refused(backPressure());
        }
        if (length == 0) {
            return new InPlaceBlockWriter(this, pool, namespace, key, null, counter);
        }
        ByteBuf buf = pool.allocate(length);
        if (buf == null) {
            index.cleanUp(); // eviction may lag behind concurrent puts; without a next tier it frees memory
            buf = pool.allocate(length);
        }
        return buf == null ? BlockWriter.refused(backPressure())
            : new InPlaceBlockWriter(this, pool, namespace, key, buf, counter);
    }

    /** A put (not a promotion) of a key already held is a duplicate: acknowledged, counted, nothing stored. */
    private BlockWriter present(LongAdder counter) {
        if (counter == counters.puts) {
            counters.duplicates.increment();
        }
        return BlockWriter.present();
    }

    private ErrorCode store(BlockKey namespace, BlockKey key, ByteBuffer src, int crc32c, LongAdder counter) {
        BlockWriter writer = reserve(namespace, key, src.remaining(), counter);
        ByteBuffer target = writer.target();
        if (target != null) {
            target.put(src.duplicate());
        }
        return writer.commit(crc32c);
    }

    /**
     * Makes a block written in place visible, taking over its reference; {@code counter} counts the put. A block
     * of a key stored meanwhile is freed and the answer is {@code OK}; once closing, it is freed and the answer is
     * {@code SHUTTING_DOWN}.
     */
    ErrorCode insert(Block block, LongAdder counter) {
        if (closed) {
            block.unpin();
            return ErrorCode.SHUTTING_DOWN;
        }
        counters.bytes.addAndGet(block.length);
        counters.blocks.incrementAndGet();
        if (shares != null) {
            shares.adding(block);
        }
        if (!index.putIfAbsent(block)) {
            leftIndex(block);
            release(block); // lost a race with a put of the same key
            if (counter == counters.puts) {
                counters.duplicates.increment();
            }
            return ErrorCode.OK;
        }
        counter.increment();
        ctx.listener().onChange(TierKind.CPU, block.key);
        if (shares != null) {
            if (!shares.counts(block) && index.remove(block.key, block)) {
                // a concurrent put's overflow chose it as a victim between its count and its insert (it was not
                // indexed then, so that eviction missed it): evict it now, or it would be indexed and not counted
                onEviction(block);
            }
            evictFromIndex(shares.overflow(block.namespace));
        }
        if (closed && index.remove(block.key, block)) {
            leftIndex(block);
            release(block); // close() may have swept the index before this insert
        }
        return ErrorCode.OK;
    }

    private ErrorCode backPressure() {
        counters.backPressured.increment();
        return ErrorCode.BACK_PRESSURE;
    }

    /**
     * {@inheritDoc}
     *
     * <p>Finds blocks in the index and blocks waiting for demotion. The handle's data is a read-only view of the
     * off-heap bytes, not a copy. With {@code verifyOnRead} (the default) the bytes are checked against their CRC32C
     * first: a corrupt block is dropped, counted in {@code corrupt}, and the read misses.
     */
    @Override
    public BlockHandle get(BlockKey namespace, BlockKey key) {
        Block block = closed ? null : index.getAndTouch(key);
        if (block != null && shares != null) {
            shares.touched(block); // the group the indexed block counts in, as the index was touched
        }
        if (block == null && !closed) {
            block = demotionQueue.get(key);
        }
        if (block == null || !block.namespace.equals(namespace) || !block.tryPin()) {
            counters.misses.increment();
            return null;
        }
        if (ctx.verifyOnRead() && Crc32c.of(block.view()) != block.crc32c) {
            block.unpin();
            dropCorrupt(block);
            counters.misses.increment();
            return null;
        }
        counters.hits.increment();
        return new PinnedBlockHandle(block);
    }

    /**
     * A block whose bytes no longer match its CRC32C (memory corrupted after the put) is never served: counted,
     * taken out of the index or the demotion queue (so it is neither read nor demoted again) and freed once no
     * reader pins it. A later put of the key stores it afresh.
     */
    private void dropCorrupt(Block block) {
        counters.corrupt.increment();
        LOG.log(System.Logger.Level.WARNING, () -> "CPU-tier block " + block.key + " (" + block.length
            + " bytes) does not match its CRC32C: dropped, the read misses");
        if (index.remove(block.key, block)) {
            leftIndex(block);
            release(block);
        } else if (demotionQueue.remove(block)) {
            release(block);
        }
    }

    /**
     * The blocks resident now, hottest first: what a node hands to the next owners when it leaves or when ownership
     * moves. Reading a resident through {@link ResidentBlock#pin()} is neither an access nor a hit, so a hand-off
     * does not disturb the eviction order or the counters.
     */
    public List<ResidentBlock> residents() {
        if (closed) {
            return List.of();
        }
        List<Block> blocks = index.hottestFirst();
        List<ResidentBlock> out = new ArrayList<>(blocks.size());
        for (Block b : blocks) {
            out.add(new ResidentBlock(b));
        }
        return out;
    }

    @Override
    public boolean contains(BlockKey key) {
        return index.contains(key) || demotionQueue.contains(key);
    }

    /** {@inheritDoc} The indexed keys, then those waiting for demotion (a key in both is listed twice). */
    @Override
    public List<BlockKey> keys() {
        if (closed) {
            return List.of();
        }
        List<BlockKey> keys = new ArrayList<>(index.keys());
        keys.addAll(demotionQueue.keys());
        return keys;
    }

    @Override
    public boolean remove(BlockKey key) {
        boolean found = false;
        Block block = index.remove(key);
        if (block != null) {
            leftIndex(block);
            release(block);
            found = true;
        }
        Block pending = demotionQueue.remove(key);
        if (pending != null) {
            release(pending);
            found = true;
        }
        return found;
    }

    @Override
    public TierCounters counters() {
        return counters;
    }

    /** The hard cap on off-heap bytes. */
    public long capacityBytes() {
        return pool.capacityBytes();
    }

    /**
     * Off-heap bytes held now: indexed, waiting for demotion, pinned after eviction or removal, or reserved by a
     * writer not yet committed or aborted.
     */
    public long allocatedBytes() {
        return pool.allocatedBytes();
    }

    /** Evicted blocks waiting to be handed to the next tier. */
    public int pendingDemotions() {
        return demotionQueue.size();
    }

    /**
     * The demotion agent (an Agrona {@link Agent}), for an owner that runs it ({@link ThreadingMode#INVOKER}), for
     * example in its own {@code AgentRunner} or composite agent; {@code null} without a next tier. Calling it while a
     * dedicated thread runs it is not allowed.
     */
    public Agent demotionAgent() {
        return demotionAgent;
    }

    /**
     * Direct memory the tier's allocator holds from the system: whole chunks, so it can exceed
     * {@link #allocatedBytes()} by size-class rounding and partly used or cached chunks. For metrics.
     */
    public long pooledBytes() {
        return pool.pooledBytes();
    }

    public CpuTierContext context() {
        return ctx;
    }

    /** Buffers allocated and not yet released, as the allocator's arenas count them (for leak checks). */
    long activeAllocations() {
        return pool.activeAllocations();
    }

    /** Whether the index (not the demotion queue) holds the key. */
    boolean isIndexed(BlockKey key) {
        return index.contains(key);
    }

    /** The index's weight in bytes (an empty block weighs 1); at most {@code context().maxIndexBytes()}. */
    long indexedWeight() {
        return index.weight();
    }

    /** Runs the index's pending maintenance (eviction) now. */
    void cleanUp() {
        index.cleanUp();
    }

    /**
     * Sets the most bytes the blocks of {@code group} (as the context's {@code groupOf} names namespaces' groups) may
     * take in the index, {@link Long#MAX_VALUE} for no limit; the group's least recently used blocks over a lowered
     * limit are evicted at once (demoted to the next tier, as any eviction). A put that takes a group over its limit
     * evicts that group's own least recently used blocks, never another group's.
     *
     * @throws IllegalStateException when the tier was opened without {@code groupOf}
     */
    public void setGroupLimit(String group, long bytes) {
        if (shares == null) {
            throw new IllegalStateException("this CPU tier has no groups: open it with CpuTierContext.groupOf");
        }
        evictFromIndex(shares.limit(group, bytes));
    }

    /** Every group's share of the index now, by name; empty without {@code groupOf}. */
    public Map<String, GroupUsage> groupUsage() {
        return shares == null ? Map.of() : shares.usage();
    }

    /** Evicts blocks a group's limit named, each one that is still indexed (another path may have evicted it). */
    private void evictFromIndex(List<Block> victims) {
        for (Block v : victims) {
            if (index.remove(v.key, v)) {
                onEviction(v);
            }
        }
    }

    /** A block left the index (or never entered it): it leaves its group's share. */
    private void leftIndex(Block block) {
        if (shares != null) {
            shares.left(block);
        }
    }

    /** The index's eviction listener: runs inside the index operation that evicts, so it never calls the index. */
    private void onEviction(Block block) {
        leftIndex(block);
        counters.evictions.increment();
        if (demotionAgent == null || !demotionQueue.offer(block)) {
            release(block); // no next tier, or a copy of this key is already waiting
        } else if (terminated && demotionQueue.remove(block)) {
            release(block); // evicted by a put racing close() after the queue was drained
        }
    }

    /**
     * Ends a block's residency: it leaves the gauges, its memory is freed once no reader pins it, and the listener is
     * told (the key may still be held by another block of the same key, which the listener finds when it looks).
     */
    private void release(Block block) {
        counters.bytes.addAndGet(-block.length);
        counters.blocks.decrementAndGet();
        block.unpin();
        ctx.listener().onChange(TierKind.CPU, block.key);
    }

    /**
     * Stops the demotion agent, demotes every block first when {@code flushOnClose} is set (within
     * {@code closeTimeoutMs}), then frees every block no reader pins; pinned blocks are freed when their handles
     * close, and blocks still being written when their writers commit (answering {@code SHUTTING_DOWN}) or abort.
     * Puts and reservations then answer {@code SHUTTING_DOWN} and gets miss. Does not close the next tier.
     * Idempotent.
     */
    @Override
    public void close() {
        if (!closing.compareAndSet(false, true)) {
            return;
        }
        closed = true;
        long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(ctx.closeTimeoutMs());
        if (runner != null) {
            stopDedicated();
        }
        if (ctx.flushOnClose() && demotionAgent != null) {
            flush(deadline);
        }
        terminated = true;
        for (BlockKey key : index.keys()) {
            Block block = index.remove(key);
            if (block != null) {
                leftIndex(block);
                release(block);
            }
        }
        demotionQueue.drain(this::release);
    }

    private void flush(long deadline) {
        for (BlockKey key : index.keys()) {
            Block block = index.remove(key);
            if (block != null) {
                leftIndex(block);
            }
            if (block != null && !demotionQueue.offer(block)) {
                release(block);
            }
        }
        IdleStrategy idle = ctx.idleStrategy();
        idle.reset();
        while (demotionQueue.size() > 0 && System.nanoTime() - deadline < 0) {
            idle.idle(demotionAgent.doWork());
        }
    }
}
