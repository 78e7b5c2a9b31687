package io.spillway.tier.nvme;

import io.spillway.key.BlockKey;
import io.spillway.protocol.ErrorCode;
import io.spillway.tier.BlockHandle;
import io.spillway.tier.BlockTier;
import io.spillway.tier.TierCounters;
import io.spillway.tier.TierKind;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.lang.System.Logger;
import java.lang.System.Logger.Level;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.HashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.ReentrantReadWriteLock;
import net.jpountz.lz4.LZ4Exception;
import org.rocksdb.RocksDBException;

/**
 * The NVMe tier: blocks in RocksDB under one directory, bounded by a byte capacity with least-recently-used
 * eviction, every read verified against the block's CRC32C, and everything still held served again after a restart.
 *
 * <pre>{@code
 * try (NvmeTier tier = NvmeTier.open(NvmeTierContext.builder().directory(dir).capacityBytes(64L << 30).build())) {
 *     tier.put(namespace, key, bytes, crc32c);
 *     try (BlockHandle h = tier.get(namespace, key)) { ... h.data() ... }
 * }
 * }</pre>
 *
 * <p>A corrupt block — its CRC32C or record header does not match, or RocksDB reports corruption — is a miss, counted
 * in {@link TierCounters#corrupt}, and deleted. Reads land in pooled direct buffers; a handle owns its buffer until
 * closed, so it stays valid after the block is evicted. Thread-safe.
 *
 * <p>A full disk or a RocksDB background error makes the tier degraded ({@link #health()}): puts answer
 * {@code BACK_PRESSURE} (the CPU tier keeps the block queued for demotion), gets are still served. A health timer
 * reads the free space every {@code healthCheckIntervalMs}; once there is room again, writes resume on their own,
 * reopening the database first when RocksDB had stopped on a background error (docs/reliability.md).
 */
public final class NvmeTier implements BlockTier {
    private static final Logger LOG = System.getLogger(NvmeTier.class.getName());

    private final NvmeTierContext ctx;
    /** Replaced by a reopen (under the write lock); {@code null} while a reopen has failed. */
    private volatile RocksStore store;
    private final NvmeHealth health;
    private final ScheduledExecutorService healthTimer;
    private final DirectBufferPool pool;
    private final RecordCodec codec;
    private final TierCounters counters = new TierCounters();
    /** Guards the index, the bytes/blocks gauges, and every delete or access write that must agree with them. */
    private final Object indexLock = new Object();
    private final LruIndex index = new LruIndex();
    private final AtomicLong ticks = new AtomicLong();
    private final Set<BlockKey> putsInFlight = ConcurrentHashMap.newKeySet();
    /** Operations hold the read lock; close takes the write lock so no call touches a closed database. */
    private final ReentrantReadWriteLock openLock = new ReentrantReadWriteLock();
    private boolean closed;

    private NvmeTier(NvmeTierContext ctx, NvmeHealth health, RocksStore store) {
        this.ctx = ctx;
        this.health = health;
        this.store = store;
        this.pool = new DirectBufferPool(ctx.bufferPoolBytes());
        this.codec = new RecordCodec(ctx.compression(), pool);
        this.healthTimer = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread t = new Thread(r, "spillway-nvme-health");
            t.setDaemon(true);
            return t;
        });
    }

    /**
     * Opens (or creates) the tier in {@code ctx.directory()} and rebuilds its index and eviction order from the
     * meta column family, without reading payloads. Blocks over the capacity are evicted at once.
     *
     * @throws UncheckedIOException when RocksDB cannot open the directory
     */
    public static NvmeTier open(NvmeTierContext ctx) {
        NvmeHealth health = new NvmeHealth();
        RocksStore store;
        try {
            store = openStore(ctx, health);
        } catch (RocksDBException e) {
            throw new UncheckedIOException(new IOException("cannot open NVMe tier in " + ctx.directory(), e));
        }
        NvmeTier tier = new NvmeTier(ctx, health, store);
        tier.loadIndex(store);
        tier.checkHealth();
        long every = ctx.healthCheckIntervalMs();
        tier.healthTimer.scheduleWithFixedDelay(tier::checkHealth, every, every, TimeUnit.MILLISECONDS);
        return tier;
    }

    private static RocksStore openStore(NvmeTierContext ctx, NvmeHealth health) throws RocksDBException {
        return RocksStore.open(ctx.directory(), ctx.blobFiles(), ctx.writeAheadLog(), reason -> {
            health.backgroundError(reason);
            LOG.log(Level.WARNING, () -> "NVMe tier in " + ctx.directory() + ": " + reason
                + "; writes refused until space is back and the database is reopened");
        });
    }

    /** Whether the tier can write now, why not, and its fault counters. */
    public NvmeHealth health() {
        return health;
    }

    /** {@inheritDoc} Names the NVMe tier and every reason it cannot write (free space, RocksDB's error). */
    @Override
    public Optional<String> degradation() {
        return health.degradation();
    }

    /**
     * One health check (the timer runs it every {@code healthCheckIntervalMs}): reads the free space, and reopens
     * the database when a background error stopped it and there is room again. Never throws.
     */
    void checkHealth() {
        try {
            long min = ctx.minFreeBytes();
            if (min > 0) {
                long free = ctx.freeSpace().applyAsLong(ctx.directory());
                health.freeSpace(free >= min ? null : "disk nearly full: " + free + " bytes free in "
                    + ctx.directory() + ", below " + NvmeTierContext.MIN_FREE_BYTES_PROP + " = " + min);
            }
            if (health.needsReopen()) {
                reopen();
            }
        } catch (RuntimeException e) {
            health.freeSpace("cannot check free space: " + e.getMessage());
        }
    }

    /**
     * Closes and reopens the database, clearing RocksDB's background error, and rebuilds the index from what is on
     * disk. Without a write-ahead log, blocks still in the memtable when the flush failed are lost: they leave the
     * index, the listener hears of each, and they are counted in {@link NvmeHealth#lostOnReopen()}.
     */
    private void reopen() {
        openLock.writeLock().lock();
        try {
            if (closed) {
                return;
            }
            Set<BlockKey> before;
            synchronized (indexLock) {
                before = new HashSet<>(index.keysInOrder());
                index.clear();
                ticks.set(0);
            }
            RocksStore old = store;
            store = null;
            if (old != null) {
                old.close();
            }
            RocksStore reopened;
            try {
                reopened = openStore(ctx, health);
            } catch (RocksDBException e) {
                health.reopenFailed("cannot reopen the database: " + RocksStore.describe(e));
                synchronized (indexLock) {
                    publishGauges();
                    before.forEach(this::changed);
                }
                return;
            }
            store = reopened;
            loadIndex(reopened);
            long lost = 0;
            synchronized (indexLock) {
                for (BlockKey k : before) {
                    if (!index.contains(k)) {
                        lost++;
                        changed(k);
                    }
                }
            }
            health.reopened(lost);
            long lostBlocks = lost;
            LOG.log(Level.INFO, () -> "NVMe tier in " + ctx.directory() + " reopened after a background error; "
                + lostBlocks + " unflushed blocks lost");
        } finally {
            openLock.writeLock().unlock();
        }
    }

    /** The configured byte cap on stored records (headers plus stored payloads). */
    public long capacityBytes() {
        return ctx.capacityBytes();
    }

    @Override
    public TierKind kind() {
        return TierKind.NVME;
    }

    @Override
    public ErrorCode put(BlockKey namespace, BlockKey key, ByteBuffer src, int crc32c) {
        int length = src.remaining();
        if (length > ctx.maxBlockBytes()) {
            return ErrorCode.BLOCK_TOO_LARGE;
        }
        if (BlockRecord.crc32c(src, src.position(), length) != crc32c) {
            return ErrorCode.CHECKSUM_MISMATCH;
        }
        return storeBlock(namespace, key, src, crc32c);
    }

    /**
     * Stores a block under {@code payloadCrc} without checking it against the bytes. {@link #put} checks first; tests
     * call this directly to plant a record whose checksum is wrong.
     */
    ErrorCode storeBlock(BlockKey namespace, BlockKey key, ByteBuffer src, int payloadCrc) {
        openLock.readLock().lock();
        try {
            requireOpen();
            if (contains(key)) {
                return ErrorCode.OK;
            }
            RocksStore db = store;
            if (db == null || !health.writable()) {
                health.refused();
                return ErrorCode.BACK_PRESSURE;
            }
            if (!putsInFlight.add(key)) {
                return ErrorCode.OK;
            }
            try {
                return contains(key) ? ErrorCode.OK : write(db, namespace, key, src, payloadCrc);
            } finally {
                putsInFlight.remove(key);
            }
        } finally {
            openLock.readLock().unlock();
        }
    }

    private ErrorCode write(RocksStore db, BlockKey namespace, BlockKey key, ByteBuffer src, int payloadCrc) {
        ByteBuffer record = pool.acquire(BlockRecord.HEADER_BYTES + src.remaining());
        try {
            int recordBytes = codec.encode(namespace, src, payloadCrc, record);
            db.putBlock(key, record.limit(recordBytes), new BlockMeta(recordBytes, ticks.incrementAndGet()));
            synchronized (indexLock) {
                index.add(key, recordBytes);
                List<BlockKey> victims = index.evictOver(ctx.capacityBytes());
                deleteQuietly(victims);
                counters.evictions.add(victims.size());
                publishGauges();
                changed(key);
                victims.forEach(this::changed);
            }
            counters.puts.increment();
            return ErrorCode.OK;
        } catch (RocksDBException e) {
            // RocksDB refuses writes after a background error, or the disk failed under this one: either way the
            // tier cannot write until the health timer has reopened it; the caller keeps the block and retries.
            health.writeFailed(RocksStore.describe(e));
            return ErrorCode.BACK_PRESSURE;
        } finally {
            pool.release(record);
        }
    }

    @Override
    public BlockHandle get(BlockKey namespace, BlockKey key) {
        openLock.readLock().lock();
        try {
            requireOpen();
            BlockHandle handle = read(namespace, key);
            (handle == null ? counters.misses : counters.hits).increment();
            return handle;
        } finally {
            openLock.readLock().unlock();
        }
    }

    private BlockHandle read(BlockKey namespace, BlockKey key) {
        int recordBytes;
        synchronized (indexLock) {
            recordBytes = index.weight(key);
        }
        RocksStore db = store;
        if (recordBytes < 0 || db == null) {
            return null;
        }
        ByteBuffer record = pool.acquire(recordBytes);
        ByteBuffer raw = null;
        try {
            int length;
            try {
                length = db.readBlock(key, record);
            } catch (RocksDBException e) {
                if (RocksStore.isCorruption(e)) {
                    dropCorrupt(key);
                }
                return null;
            }
            if (length < 0) {
                return null; // removed or evicted since the index lookup
            }
            if (length != recordBytes || BlockRecord.validateHeader(record, length, ctx.maxBlockBytes()) != null) {
                dropCorrupt(key);
                return null;
            }
            if (!BlockRecord.namespace(record).equals(namespace)) {
                return null;
            }
            int rawLength = BlockRecord.rawLength(record);
            int offset = BlockRecord.HEADER_BYTES;
            if (BlockRecord.compression(record) != Compression.NONE) {
                raw = pool.acquire(rawLength);
                try {
                    codec.decompress(record, raw);
                } catch (LZ4Exception e) {
                    dropCorrupt(key);
                    return null;
                }
                offset = 0;
            }
            ByteBuffer bytes = raw != null ? raw : record;
            int crc = BlockRecord.payloadCrc(record);
            if (BlockRecord.crc32c(bytes, offset, rawLength) != crc) {
                dropCorrupt(key);
                return null;
            }
            recordAccess(db, key, recordBytes);
            BlockHandle handle = new PooledBlockHandle(namespace, key, bytes, offset, rawLength, crc, pool);
            if (bytes == record) {
                record = null;
            } else {
                raw = null;
            }
            return handle;
        } finally {
            if (record != null) {
                pool.release(record);
            }
            if (raw != null) {
                pool.release(raw);
            }
        }
    }

    @Override
    public boolean contains(BlockKey key) {
        synchronized (indexLock) {
            return index.contains(key);
        }
    }

    @Override
    public boolean remove(BlockKey key) {
        openLock.readLock().lock();
        try {
            requireOpen();
            synchronized (indexLock) {
                if (index.remove(key) < 0) {
                    return false;
                }
                deleteQuietly(List.of(key));
                publishGauges();
                changed(key);
                return true;
            }
        } finally {
            openLock.readLock().unlock();
        }
    }

    @Override
    public TierCounters counters() {
        return counters;
    }

    /** {@inheritDoc} A copy of the in-memory index's keys, taken under its lock. */
    @Override
    public List<BlockKey> keys() {
        synchronized (indexLock) {
            return index.keysInOrder();
        }
    }

    /** Flushes and closes the database. Open handles stay valid; later calls throw {@link IllegalStateException}. */
    @Override
    public void close() {
        openLock.writeLock().lock();
        try {
            if (!closed) {
                closed = true;
                healthTimer.shutdownNow();
                RocksStore db = store;
                if (db != null) {
                    db.close();
                }
            }
        } finally {
            openLock.writeLock().unlock();
        }
    }

    /** The database, for tests that plant or inspect records. */
    RocksStore store() {
        return store;
    }

    /** The buffer pool, for tests that check buffers are reused. */
    DirectBufferPool pool() {
        return pool;
    }

    /** Keys from least to most recently used, for tests of the eviction order. */
    List<BlockKey> keysInEvictionOrder() {
        synchronized (indexLock) {
            return index.keysInOrder();
        }
    }

    private void loadIndex(RocksStore store) {
        List<BlockKey> keys = new ArrayList<>();
        List<BlockMeta> metas = new ArrayList<>();
        List<BlockKey> unreadable = new ArrayList<>();
        store.forEachMeta((keyBytes, value) -> {
            BlockKey key = keyBytes.length == BlockKey.BYTES ? BlockKey.fromBytes(keyBytes) : null;
            BlockMeta meta = BlockMeta.fromBytes(value);
            if (key != null && meta != null) {
                keys.add(key);
                metas.add(meta);
            } else if (key != null) {
                unreadable.add(key);
            }
        });
        Integer[] order = new Integer[keys.size()];
        for (int i = 0; i < order.length; i++) {
            order[i] = i;
        }
        Arrays.sort(order, Comparator.comparingLong(i -> metas.get(i).lastAccess()));
        synchronized (indexLock) {
            long maxTick = 0;
            for (int i : order) {
                index.add(keys.get(i), metas.get(i).recordBytes());
                maxTick = Math.max(maxTick, metas.get(i).lastAccess());
            }
            ticks.set(maxTick);
            List<BlockKey> victims = index.evictOver(ctx.capacityBytes());
            victims.addAll(unreadable);
            deleteQuietly(victims);
            counters.evictions.add(victims.size() - unreadable.size());
            publishGauges();
        }
    }

    /** Counts a corrupt block and deletes it, so it is never read again. */
    private void dropCorrupt(BlockKey key) {
        counters.corrupt.increment();
        synchronized (indexLock) {
            if (index.remove(key) >= 0) {
                deleteQuietly(List.of(key));
                publishGauges();
                changed(key);
            }
        }
    }

    private void recordAccess(RocksStore db, BlockKey key, int recordBytes) {
        synchronized (indexLock) {
            if (index.touch(key)) {
                try {
                    db.putAccess(key, new BlockMeta(recordBytes, ticks.incrementAndGet()));
                } catch (RocksDBException e) {
                    // recency is a hint: losing one update only makes the order after a restart less exact
                }
            }
        }
    }

    /** Deletes keys already dropped from the index. Must hold indexLock so a concurrent put cannot interleave. */
    private void deleteQuietly(List<BlockKey> keys) {
        RocksStore db = store;
        if (db == null) {
            return; // a failed reopen emptied the index; what stays on disk is indexed again by the next reopen
        }
        try {
            db.delete(keys);
        } catch (RocksDBException e) {
            // The index no longer holds them, so they are never served; their meta brings them back after a
            // restart, where they are evicted again in turn.
        }
    }

    /** Tells the listener the tier's holding of {@code key} changed; called after the change, under indexLock. */
    private void changed(BlockKey key) {
        ctx.listener().onChange(TierKind.NVME, key);
    }

    private void publishGauges() {
        counters.bytes.set(index.bytes());
        counters.blocks.set(index.size());
    }

    private void requireOpen() {
        if (closed) {
            throw new IllegalStateException("NVMe tier in " + ctx.directory() + " is closed");
        }
    }
}
