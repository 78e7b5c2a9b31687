package io.spillway.placement.index;

import io.spillway.key.BlockKey;
import java.util.Objects;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.locks.StampedLock;
import java.util.function.ToLongFunction;
import org.agrona.DirectBuffer;
import org.agrona.collections.Int2IntHashMap;
import org.jspecify.annotations.Nullable;

/**
 * Where every known block is: from a 128-bit block key to the set of {@link Location}s holding it (pods' GPUs and
 * local offload, cluster nodes' CPU and NVMe tiers), fed by the event subscribers and read by the router.
 *
 * <p><b>Memory.</b> Keys live in primitive arrays (open addressing over the key's two longs, locations as 16-bit ids
 * stored inline, a side pool for keys with many locations): no object per key. The index holds at most
 * {@code maxKeys} keys; adding a new key when it is full evicts one key (with all its locations) chosen by CLOCK
 * (second chance): a key added or returned by a lookup is marked referenced; the clock hand sweeps the table,
 * clearing marks, and evicts the first key it finds unmarked. Evictions are counted ({@link #evictions()}). Under
 * {@code maxKeys} the index is exact.
 *
 * <p><b>Clearing a location</b> ({@link #clear}) is O(1): the location's id is retired at once (lookups never
 * return it again) and a fresh id is issued for the same location, so a snapshot can be loaded into the fresh id
 * at once; the retired id's entries are purged incrementally by later writes, a bounded slice of the table per
 * write, and the id is reused only after its purge completed. A write that names a retired id (an event decoded
 * before the clear and applied after it) is dropped: the clear came later and forgot that block. Should every id be
 * taken when one is needed, the purge is finished at once (a full pass over the table, the only write that is not
 * O(1)) before giving up with an {@link IllegalStateException}.
 *
 * <p><b>Shards.</b> The keys are split by the top bits of their hash into a power-of-two number of shards, each a
 * table of its own under a lock of its own ({@code shards} at construction, 1 by default). Each shard holds at most
 * {@code maxKeys / shards} keys (rounded up) and evicts within itself, so with more than one shard a key can be
 * evicted while the whole index is a little under {@code maxKeys} (a shard's share of random keys varies by about
 * its square root). A table grows by doubling, a rehash under its shard's lock: with shards, each pause is that
 * much shorter. A clear retires the id in every shard; the id is issued again once every shard's purge of it
 * completed.
 *
 * <p><b>Threads.</b> Any number of readers and writers. A write holds the lock of one shard at a time: a batch
 * call sorts its keys by shard and writes shard after shard, starting at a shard that depends on the calling
 * thread, so concurrent batches (several snapshot loaders) spread over the shards. With {@code helpers} at
 * construction, a batch of at least {@link #PARALLEL_MIN_KEYS} keys is also offered to helper threads, which claim
 * some of its shards while the caller writes others; the call returns when all are written, so a batch is as
 * synchronous as without helpers. Reads never wait for a purge: a read runs as an optimistic read of the stamped
 * lock of each shard it reads, validated afterwards, and again under their read locks if a write overlapped it; a
 * lookup over several keys sees each key's shard as of some moment during the call. Do not call the index's writes
 * from a {@link #forEach} consumer: the locks are not reentrant.
 */
public final class BlockLocationIndex implements AutoCloseable {
    /** Location ids are 1..MAX_LOCATION_ID (16 bits, 0 means "none"). */
    public static final int MAX_LOCATION_ID = 65_535;
    /** The most shards an index may have. */
    public static final int MAX_SHARDS = 64;
    /** The smallest batch offered to helper threads: below it, handing over costs more than it saves. */
    public static final int PARALLEL_MIN_KEYS = 128;

    /** Slots a write sweeps for retired ids while a purge is pending, per call and shard... */
    static final int SWEEP_PER_CALL = 4096;
    /** ...and per key of a batch, so a large batch keeps the purge moving in proportion. */
    static final int SWEEP_PER_KEY = 16;

    private static final int ADD = 0;
    private static final int REMOVE = 1;
    private static final int MOVE = 2;
    /**
     * Keys a batch reads ahead before writing them (see {@link KeyTable#touch}): enough reads to overlap, few enough
     * that their cache lines are still there when the writes come (two lines a key).
     */
    private static final int TOUCH_WINDOW = 256;

    /** Serialises issuing and retiring ids (taken before any shard lock, never while holding one). */
    private final Object idLock = new Object();
    private final LocationTable ids = new LocationTable();
    private final Shard[] shards;
    private final int shardShift;
    private final long maxKeys;
    /**
     * Per retired id, the shards whose purge of it has not completed; a leaf lock of its own (taken once per id and
     * shard, never while taking another).
     */
    private final Int2IntHashMap purgesLeft = new Int2IntHashMap(0);
    private final AtomicInteger awaitingRelease = new AtomicInteger();
    private final ThreadLocal<KeyBatch> batches = ThreadLocal.withInitial(KeyBatch::new);
    private final @Nullable ApplyHelpers helpers;
    /** Shards per part of a batch that a helper or the caller claims: a quarter of them (fewer claims to share). */
    private final int partShards;
    /**
     * Sink of the read-ahead's values, so the compiler keeps the reads; written only in the (practically never) case
     * that their sum is 1, so that writers on two cores do not share a written cache line.
     */
    @SuppressWarnings("unused")
    private long touched;

    /**
     * @param maxKeys the most keys held before CLOCK eviction; at least 1
     * @throws IllegalArgumentException naming the value when it is out of range
     */
    public BlockLocationIndex(long maxKeys) {
        this(maxKeys, 0);
    }

    /**
     * An index whose table starts large enough for {@code expectedKeys} keys: it never grows below that, so a router
     * that knows its working set pays for the memory at start instead of a pause at each doubling (a resize rehashes
     * the whole table under the write lock: about 0.1 s at a million keys, lag every subscriber sees).
     *
     * @throws IllegalArgumentException naming the value when either is out of range
     */
    public BlockLocationIndex(long maxKeys, long expectedKeys) {
        this(maxKeys, expectedKeys, 1, 0);
    }

    /**
     * A sharded index (see the class comment) with {@code helpers} threads that write parts of large batches; {@link
     * #close} stops them.
     *
     * @param shards a power of two, 1 to {@link #MAX_SHARDS}, at most {@code maxKeys}
     * @param helpers helper threads, 0 to 16 (0 when {@code shards} is 1: there is nothing to share)
     * @throws IllegalArgumentException naming the value when one is out of range
     */
    public BlockLocationIndex(long maxKeys, long expectedKeys, int shards, int helpers) {
        if (maxKeys < 1 || maxKeys > KeyTable.maxKeysLimit()) {
            throw new IllegalArgumentException("maxKeys must be 1.." + KeyTable.maxKeysLimit() + ", got " + maxKeys);
        }
        if (expectedKeys < 0) {
            throw new IllegalArgumentException("expectedKeys must be >= 0, got " + expectedKeys);
        }
        if (shards < 1 || shards > MAX_SHARDS || Integer.bitCount(shards) != 1 || shards > maxKeys) {
            throw new IllegalArgumentException("shards must be a power of two from 1 to " + MAX_SHARDS
                + " and at most maxKeys (" + maxKeys + "), got " + shards);
        }
        if (helpers < 0 || helpers > 16 || (shards == 1 && helpers > 0)) {
            throw new IllegalArgumentException("helpers must be 0..16, and 0 with one shard; got " + helpers
                + " with " + shards + " shard(s)");
        }
        this.maxKeys = maxKeys;
        this.shards = new Shard[shards];
        this.shardShift = 64 - Integer.numberOfTrailingZeros(shards);
        long perShard = (maxKeys + shards - 1) / shards;
        long initialPerShard = (Math.min(expectedKeys, maxKeys) + shards - 1) / shards;
        for (int s = 0; s < shards; s++) {
            this.shards[s] = new Shard(new KeyTable(ids, perShard, initialPerShard, this::purged));
        }
        this.partShards = Math.max(1, shards / 4);
        this.helpers = helpers == 0 ? null
            : new ApplyHelpers(this::writePart, shards / partShards, helpers, "spillway-index");
    }

    /** The shard of a key's {@link KeyTable#hash}: its top bits ({@code shift} is 64 for one shard). */
    static int shardOf(long hash, int shift) {
        return shift == 64 ? 0 : (int) (hash >>> shift);
    }

    private Shard shardFor(long hash) {
        return shards[shardOf(hash, shardShift)];
    }

    /** Shards of this index. */
    public int shards() {
        return shards.length;
    }

    /** Shard {@code s}'s table, for diagnostics in this package (no lock: only while nothing writes). */
    KeyTable tableOf(int s) {
        return shards[s].keys;
    }

    /** The id table: {@link Location} to its current id and back. */
    public LocationTable locations() {
        return ids;
    }

    /** The current id of {@code location}, interned on first use. */
    public int location(Location location) {
        Objects.requireNonNull(location, "location");
        int id = ids.find(location);
        if (id != 0) {
            return id;
        }
        synchronized (idLock) {
            id = ids.find(location);
            return id != 0 ? id : issue(location);
        }
    }

    /**
     * Forgets every block at {@code location} (a pod's {@code AllBlocksCleared}, a node that left or restarted, a
     * snapshot about to be loaded) and returns the location's new id; see the class comment.
     *
     * @throws IllegalStateException when every location id is live, so none can be issued
     */
    public int clear(Location location) {
        Objects.requireNonNull(location, "location");
        synchronized (idLock) {
            int old = ids.find(location);
            int fresh = issue(location);
            if (old != 0) {
                ids.retire(old); // readers stop seeing it in every shard at once
                awaitingRelease.incrementAndGet();
                synchronized (purgesLeft) {
                    purgesLeft.put(old, shards.length);
                }
            }
            for (Shard shard : shards) {
                long stamp = shard.lock.writeLock();
                try {
                    if (old != 0) {
                        shard.keys.retire(old);
                    }
                    shard.keys.sweep(SWEEP_PER_CALL);
                } finally {
                    shard.lock.unlockWrite(stamp);
                }
            }
            return fresh;
        }
    }

    /** A shard completed its purge of {@code id} (under that shard's lock): the last one releases it. */
    private void purged(int id) {
        int left;
        synchronized (purgesLeft) {
            left = purgesLeft.get(id) - 1;
            if (left == 0) {
                purgesLeft.remove(id);
            } else {
                purgesLeft.put(id, left);
            }
        }
        if (left == 0) {
            ids.release(id);
            awaitingRelease.decrementAndGet();
        }
    }

    /** A new id for {@code location} (under the id lock), finishing pending purges first if that is what it takes. */
    private int issue(Location location) {
        int id = ids.issue(location);
        if (id == 0 && awaitingRelease.get() > 0) {
            for (Shard shard : shards) {
                long stamp = shard.lock.writeLock();
                try {
                    shard.keys.purgeAll();
                } finally {
                    shard.lock.unlockWrite(stamp);
                }
            }
            id = ids.issue(location);
        }
        if (id == 0) {
            throw new IllegalStateException("no location id left for " + location + ": all " + MAX_LOCATION_ID
                + " ids are live (" + ids.liveCount() + " live locations); an id comes free only when its location"
                + " is cleared and the purge that follows completes");
        }
        return id;
    }

    /** Records that {@code location} holds the key; true when it did not before. A retired id is ignored. */
    public boolean add(long hi, long lo, int location) {
        checkId(location);
        return writeOne(ADD, hi, lo, location);
    }

    /** Records that {@code location} no longer holds the key; true when it did. A key left with no location goes. */
    public boolean remove(long hi, long lo, int location) {
        checkId(location);
        return writeOne(REMOVE, hi, lo, location);
    }

    private boolean writeOne(int op, long hi, long lo, int location) {
        long hash = KeyTable.hash(hi, lo);
        Shard shard = shardFor(hash);
        long stamp = shard.lock.writeLock();
        try {
            KeyTable keys = shard.keys;
            boolean changed = LocationTable.isLive(ids.live, location)
                && (op == ADD ? keys.add(hi, lo, keys.homeOf(hash), location)
                              : keys.remove(hi, lo, keys.homeOf(hash), location));
            keys.sweep(SWEEP_PER_CALL);
            return changed;
        } finally {
            shard.lock.unlockWrite(stamp);
        }
    }

    /**
     * {@link #add} for {@code count} keys packed in {@code buffer} from {@code offset}, each 16 bytes: {@code hi} then
     * {@code lo}, big-endian (the block key's wire form, docs/block-keys.md).
     *
     * @return how many were new at that location
     */
    public int addAll(int location, DirectBuffer buffer, int offset, int count) {
        checkId(location);
        checkPacked(buffer, offset, count);
        return write(ADD, location, 0, batches.get().load(buffer, offset, count, shards.length, shardShift));
    }

    /** {@link #remove} for {@code count} packed keys, as {@link #addAll(int, DirectBuffer, int, int)} reads them. */
    public int removeAll(int location, DirectBuffer buffer, int offset, int count) {
        checkId(location);
        checkPacked(buffer, offset, count);
        return write(REMOVE, location, 0, batches.get().load(buffer, offset, count, shards.length, shardShift));
    }

    /**
     * Moves {@code count} packed keys from one location to another (a tier demotion). Every key ends up at {@code
     * to}, also one the index did not have at {@code from} (evicted, or its event missed): the move says where the
     * block is now. A retired {@code from} holds nothing; a retired {@code to} takes nothing.
     *
     * @return how many of the keys were at {@code from}
     */
    public int moveAll(int from, int to, DirectBuffer buffer, int offset, int count) {
        checkId(from);
        checkId(to);
        checkPacked(buffer, offset, count);
        return write(MOVE, from, to, batches.get().load(buffer, offset, count, shards.length, shardShift));
    }

    /** {@link #add} for keys given as parallel arrays. */
    public int addAll(int location, long[] his, long[] los, int count) {
        checkId(location);
        checkArrays(his, los, count);
        return write(ADD, location, 0, batches.get().load(his, los, count, shards.length, shardShift));
    }

    /** {@link #remove} for keys given as parallel arrays. */
    public int removeAll(int location, long[] his, long[] los, int count) {
        checkId(location);
        checkArrays(his, los, count);
        return write(REMOVE, location, 0, batches.get().load(his, los, count, shards.length, shardShift));
    }

    /**
     * Writes a loaded batch, part after part (a part is {@link #partShards} consecutive shards), some parts by
     * helpers when there are helpers and keys enough. A caller starts at a part of its own (by thread), so that
     * concurrent callers spread over the shards.
     */
    private int write(int op, int id, int to, KeyBatch batch) {
        int parts = shards.length / partShards;
        int first = batch.turn & (parts - 1);
        if (helpers != null && batch.count >= PARALLEL_MIN_KEYS) {
            ApplyHelpers.Job job = new ApplyHelpers.Job(op, id, to, batch, first);
            if (helpers.offer(job)) {
                helpers.work(job);
                helpers.finish(job);
                Throwable failure = job.failure;
                if (failure instanceof RuntimeException e) {
                    throw e;
                } else if (failure instanceof Error e) {
                    throw e;
                }
                return job.result.get();
            }
        }
        // alone: every part, as two runs of consecutive shards (from the caller's part to the end, then the rest)
        int split = first * partShards;
        return writeShards(split, shards.length - split, op, id, to, batch)
            + writeShards(0, split, op, id, to, batch);
    }

    private int writePart(int part, ApplyHelpers.Job job) {
        return writeShards(part * partShards, partShards, job.op, job.id, job.to, job.batch);
    }

    /**
     * Writes the batch's keys of shards {@code first} to {@code first + n - 1} (consecutive in the batch, which is
     * sorted by shard), holding one shard's lock at a time; returns how many changed (see each operation). Keys are
     * read ahead a window at a time (see {@link KeyTable#touch}) before any lock is taken for them: the reads are
     * only hints, harmless on a table a concurrent writer is replacing.
     */
    private int writeShards(int first, int n, int op, int id, int to, KeyBatch batch) {
        int from = batch.start[first];
        int end = batch.start[first + n];
        long[] his = batch.his;
        long[] los = batch.los;
        long[] hashes = batch.hashes;
        int changed = 0;
        int s = first;
        int locked = -1;
        Shard shard = null;
        long stamp = 0;
        boolean live = false;
        boolean toLive = false;
        try {
            for (int w = from; w < end; w += TOUCH_WINDOW) {
                int windowEnd = Math.min(end, w + TOUCH_WINDOW);
                long sum = 0;
                for (int j = w; j < windowEnd; j++) {
                    sum += KeyTable.touch(shards[shardOf(hashes[j], shardShift)].keys.slots, hashes[j]);
                }
                if (sum == 1) {
                    touched = sum;
                }
                for (int j = w; j < windowEnd; j++) {
                    while (j >= batch.start[s + 1]) {
                        s++;
                    }
                    if (locked != s) {
                        if (shard != null) {
                            unlockAfterWrite(shard, stamp, batch, locked); // s moved on: that shard is done
                        }
                        locked = s;
                        shard = shards[s];
                        stamp = shard.lock.writeLock();
                        live = LocationTable.isLive(ids.live, id);
                        toLive = op == MOVE && LocationTable.isLive(ids.live, to);
                    }
                    KeyTable keys = Objects.requireNonNull(shard).keys; // set when s first moved past locked = -1
                    int home = keys.homeOf(hashes[j]);
                    if (op == ADD) {
                        changed += live && keys.add(his[j], los[j], home, id) ? 1 : 0;
                    } else if (op == REMOVE) {
                        changed += live && keys.remove(his[j], los[j], home, id) ? 1 : 0;
                    } else {
                        changed += move(keys, his[j], los[j], home, hashes[j], id, to, live, toLive) ? 1 : 0;
                    }
                }
            }
        } finally {
            if (shard != null) {
                unlockAfterWrite(shard, stamp, batch, locked);
            }
        }
        return changed;
    }

    /** Sweeps in proportion to the batch's keys of shard {@code s}, then releases its write lock. */
    private static void unlockAfterWrite(Shard shard, long stamp, KeyBatch batch, int s) {
        try {
            shard.keys.sweep(SWEEP_PER_CALL + (long) SWEEP_PER_KEY * (batch.start[s + 1] - batch.start[s]));
        } finally {
            shard.lock.unlockWrite(stamp);
        }
    }

    /** One key of {@link #moveAll}: true when it was at {@code from}. */
    private static boolean move(KeyTable keys, long hi, long lo, int home, long hash, int from, int to,
                                boolean fromLive, boolean toLive) {
        if (from == to) {
            return fromLive && keys.readContains(hi, lo, from);
        }
        int mask = keys.mask();
        if (toLive) {
            keys.add(hi, lo, home, to); // first, so a key at both never leaves the table in between
        }
        return fromLive && keys.remove(hi, lo, keys.mask() == mask ? home : keys.homeOf(hash), from);
    }

    /** Whether {@code location} holds the key (not a reference for CLOCK). */
    public boolean contains(long hi, long lo, int location) {
        checkId(location);
        Shard shard = shardFor(KeyTable.hash(hi, lo));
        long stamp = shard.lock.tryOptimisticRead();
        if (stamp != 0) {
            boolean held = shard.keys.readContains(hi, lo, location);
            if (shard.lock.validate(stamp)) {
                return held;
            }
        }
        stamp = shard.lock.readLock();
        try {
            return shard.keys.readContains(hi, lo, location);
        } finally {
            shard.lock.unlockRead(stamp);
        }
    }

    /**
     * Writes the live location ids holding the key into {@code out} (grown by the caller); returns how many. When
     * that is more than {@code out.length}, only the first {@code out.length} were written: grow it and call again.
     * Marks the key referenced.
     */
    public int locationsOf(long hi, long lo, int[] out) {
        Objects.requireNonNull(out, "out");
        Shard shard = shardFor(KeyTable.hash(hi, lo));
        long stamp = shard.lock.tryOptimisticRead();
        if (stamp != 0) {
            int n = shard.keys.readLocations(hi, lo, out);
            if (shard.lock.validate(stamp)) {
                return n;
            }
        }
        stamp = shard.lock.readLock();
        try {
            return shard.keys.readLocations(hi, lo, out);
        } finally {
            shard.lock.unlockRead(stamp);
        }
    }

    /**
     * For every location holding {@code keys[0]}, the number of leading keys of the chain it holds without a gap,
     * written into {@code out} (cleared first). Marks the keys it finds as referenced.
     */
    public void longestPrefix(BlockKey[] keys, PrefixRuns out) {
        Objects.requireNonNull(keys, "keys");
        Objects.requireNonNull(out, "out");
        prefix(keys, null, null, keys.length, out);
    }

    /** The same as {@link #longestPrefix(BlockKey[], PrefixRuns)} over the first {@code count} keys of the arrays. */
    public void longestPrefix(long[] his, long[] los, int count, PrefixRuns out) {
        checkArrays(his, los, count);
        Objects.requireNonNull(out, "out");
        prefix(null, his, los, count, out);
    }

    private void prefix(BlockKey @Nullable [] chain, long @Nullable [] his, long @Nullable [] los, int count, PrefixRuns out) {
        long[] stamps = out.stamps(shards.length);
        if (readPrefix(chain, his, los, count, out, stamps)) {
            return;
        }
        long taken = lockChain(chain, his, los, count, stamps);
        try {
            readPrefix(chain, his, los, count, out, null);
        } finally {
            unlockChain(taken, stamps);
        }
    }

    /**
     * Tells {@code walker} the first {@code count} keys of the chain in order, each as how its location ids differ
     * from the key before's (see {@link ChainWalker}), until the walker stops; marks the keys it finds as referenced.
     * Reads optimistically, and again under the read locks of the chain's shards if a write overlapped.
     */
    public void walk(long[] his, long[] los, int count, ChainWalker walker) {
        checkArrays(his, los, count);
        Objects.requireNonNull(walker, "walker");
        long[] stamps = walker.stamps(shards.length);
        if (readWalk(his, los, count, walker, stamps)) {
            return;
        }
        long taken = lockChain(null, his, los, count, stamps);
        try {
            readWalk(his, los, count, walker, null);
        } finally {
            unlockChain(taken, stamps);
        }
    }

    /**
     * After an optimistic read of a chain failed: takes the read locks of the chain's shards in shard order (their
     * stamps into {@code stamps}) and returns the set of shards taken.
     */
    private long lockChain(BlockKey @Nullable [] chain, long @Nullable [] his, long @Nullable [] los, int count, long[] stamps) {
        long taken = 0;
        for (int k = 0; k < count; k++) {
            taken |= 1L << shardOf(hashOf(chain, his, los, k), shardShift);
        }
        for (int s = 0; s < shards.length; s++) {
            if ((taken & 1L << s) != 0) {
                stamps[s] = shards[s].lock.readLock();
            }
        }
        return taken;
    }

    private void unlockChain(long taken, long[] stamps) {
        for (int s = 0; s < shards.length; s++) {
            if ((taken & 1L << s) != 0) {
                shards[s].lock.unlockRead(stamps[s]);
            }
        }
    }

    /**
     * {@link #walk}'s read: optimistic with {@code stamps} (false when a write overlapped), locked without. Keys go
     * in batches (8 keys, doubling to {@link ChainWalker#BATCH}): a batch's slots are found first, one independent
     * probe after another so that their cache misses overlap, then its keys are told. A walk that stops early has
     * probed at most a batch too far. (Touching the batch's pool blocks in a pass between measured no faster.)
     */
    private boolean readWalk(long[] his, long[] los, int count, ChainWalker walker, long @Nullable [] stamps) {
        walker.begin();
        long seen = 0;
        long[] words = walker.words;
        int[] shardAt = walker.shardAt;
        int[][] pools = walker.pools(shards.length);
        for (int base = 0, batch = 8; base < count; base += batch, batch = Math.min(batch * 2, ChainWalker.BATCH)) {
            int end = Math.min(count, base + batch);
            for (int k = base; k < end; k++) {
                long hi = his[k];
                long lo = los[k];
                long hash = KeyTable.hash(hi, lo);
                int s = shardOf(hash, shardShift);
                Shard shard = shards[s];
                KeyTable keys = shard.keys;
                if ((seen & 1L << s) == 0) {
                    seen = stampOnFirstRead(s, seen, stamps);
                    if (seen == 0) {
                        return false;
                    }
                    pools[s] = keys.pool.ints; // read after the stamp: a pool a write replaces fails the validation
                }
                long[] t = keys.slots;
                int slot = KeyTable.find(t, hi, lo, hash);
                long word = 0;
                if (slot >= 0) {
                    KeyTable.markRead(keys.refs, slot);
                    word = KeyTable.wordAt(t, slot);
                }
                words[k - base] = word;
                shardAt[k - base] = s;
            }
            for (int k = base; k < end; k++) {
                if (!walker.step(k, words[k - base], pools[shardAt[k - base]])) {
                    return stamps == null || validate(seen, stamps);
                }
            }
        }
        return stamps == null || validate(seen, stamps);
    }

    /**
     * A chain read reaching shard {@code s}: with {@code stamps} (an optimistic read), takes the shard's stamp the
     * first time. Returns the shards seen so far with {@code s}, or 0 when a write holds the shard (the read is to be
     * done again under the locks); never 0 otherwise.
     */
    private long stampOnFirstRead(int s, long seen, long @Nullable [] stamps) {
        long bit = 1L << s;
        if (stamps != null && (seen & bit) == 0) {
            long stamp = shards[s].lock.tryOptimisticRead();
            if (stamp == 0) {
                return 0;
            }
            stamps[s] = stamp;
        }
        return seen | bit;
    }

    private boolean validate(long seen, long[] stamps) {
        for (int s = 0; s < shards.length; s++) {
            if ((seen & 1L << s) != 0 && !shards[s].lock.validate(stamps[s])) {
                return false;
            }
        }
        return true;
    }

    @SuppressWarnings("NullAway") // callers pass a chain or both his and los: never neither
    private static long hashOf(BlockKey @Nullable [] chain, long @Nullable [] his, long @Nullable [] los, int k) {
        return chain != null ? KeyTable.hash(chain[k].hi(), chain[k].lo()) : KeyTable.hash(his[k], los[k]);
    }

    /**
     * The runs of {@link #longestPrefix}: the live ids of the first key start at 1, and each later key extends the
     * runs still unbroken that it holds; stops at the first key that extends none. With {@code stamps}, an optimistic
     * read: each shard's stamp is taken when the chain first reaches it, and all are validated at the end; false when
     * one fails (the result is then to be thrown away). Without, the caller holds the read locks.
     */
    @SuppressWarnings("NullAway") // callers pass a chain or both his and los: never neither
    private boolean readPrefix(BlockKey @Nullable [] chain, long @Nullable [] his, long @Nullable [] los, int count, PrefixRuns out,
        long @Nullable [] stamps) {
        out.clear();
        long seen = 0;
        long[] live = ids.live;
        for (int k = 0, unbroken = 1; k < count && unbroken > 0; k++) {
            long hi = chain != null ? chain[k].hi() : his[k];
            long lo = chain != null ? chain[k].lo() : los[k];
            long hash = KeyTable.hash(hi, lo);
            int s = shardOf(hash, shardShift);
            Shard shard = shards[s];
            seen = stampOnFirstRead(s, seen, stamps);
            if (seen == 0) {
                return false;
            }
            KeyTable keys = shard.keys;
            long[] t = keys.slots;
            int[] a = keys.pool.ints;
            int slot = KeyTable.find(t, hi, lo, hash);
            if (slot < 0) {
                break;
            }
            KeyTable.markRead(keys.refs, slot);
            long word = KeyTable.wordAt(t, slot);
            unbroken = 0;
            for (int i = 0, n = KeyTable.idCount(word, a); i < n; i++) {
                int id = KeyTable.idAt(word, a, i);
                if (k == 0) {
                    // the range check only matters on a torn read, whose pool ints can be anything
                    if (id > 0 && id <= MAX_LOCATION_ID && LocationTable.isLive(live, id) && out.indexOf(id) < 0) {
                        out.add(id, 1);
                        unbroken++;
                    }
                } else {
                    int at = out.indexOf(id);
                    if (at >= 0 && out.run(at) == k) {
                        out.setRun(at, k + 1);
                        unbroken++;
                    }
                }
            }
        }
        return stamps == null || validate(seen, stamps);
    }

    /** Calls {@code consumer} with every (key, live location) pair; for tests and diagnostics shard by shard. */
    public void forEach(KeyLocationConsumer consumer) {
        Objects.requireNonNull(consumer, "consumer");
        for (Shard shard : shards) {
            long stamp = shard.lock.readLock();
            try {
                shard.keys.forEach(consumer);
            } finally {
                shard.lock.unlockRead(stamp);
            }
        }
    }

    /** Keys held now (a key whose only locations are retired counts until purged). */
    public long size() {
        return sum(keys -> keys.size);
    }

    /** Keys held at one live location id (0 for a retired one). */
    public long sizeOf(int location) {
        checkId(location);
        return sum(keys -> keys.readKeysAt(location));
    }

    /** Keys evicted by CLOCK since creation. */
    public long evictions() {
        return sum(keys -> keys.evictions);
    }

    /** A figure summed over the shards, each read optimistically, again under its read lock if a write overlapped. */
    private long sum(ToLongFunction<KeyTable> figure) {
        long total = 0;
        for (Shard shard : shards) {
            long stamp = shard.lock.tryOptimisticRead();
            long value = figure.applyAsLong(shard.keys);
            if (stamp == 0 || !shard.lock.validate(stamp)) {
                stamp = shard.lock.readLock();
                try {
                    value = figure.applyAsLong(shard.keys);
                } finally {
                    shard.lock.unlockRead(stamp);
                }
            }
            total += value;
        }
        return total;
    }

    /** Bytes of the index's own arrays (keys, locations, marks, the overflow pool): what it costs the heap. */
    public long memoryBytes() {
        long bytes = ids.bytes();
        for (Shard shard : shards) {
            long stamp = shard.lock.readLock();
            try {
                bytes += shard.keys.bytes();
            } finally {
                shard.lock.unlockRead(stamp);
            }
        }
        return bytes;
    }

    /** The bound given at construction. */
    public long maxKeys() {
        return maxKeys;
    }

    /** Stops the helper threads, if any; the index stays usable (batches are then written by their callers). */
    @Override
    public void close() {
        if (helpers != null) {
            helpers.close();
        }
    }

    /** Parts of batches that helper threads wrote (for tests and diagnostics). */
    long helperParts() {
        return helpers == null ? 0 : helpers.helped.sum();
    }

    /** Retired ids whose purge has not completed in every shard yet (for tests and diagnostics). */
    int retiredIds() {
        return awaitingRelease.get();
    }

    /** What is wrong with the tables, or null (a full scan, for tests): each shard's structure and its keys' shards. */
    @Nullable String checkInvariants() {
        for (int s = 0; s < shards.length; s++) {
            Shard shard = shards[s];
            long stamp = shard.lock.readLock();
            try {
                String problem = shard.keys.checkInvariants();
                if (problem != null) {
                    return "shard " + s + ": " + problem;
                }
                long[] t = shard.keys.slots;
                for (int b = 0; b < t.length; b += 3) {
                    if (t[b + 2] != 0 && shardOf(KeyTable.hash(t[b], t[b + 1]), shardShift) != s) {
                        return "key " + t[b] + "/" + t[b + 1] + " is in shard " + s + ", not its own";
                    }
                }
            } finally {
                shard.lock.unlockRead(stamp);
            }
        }
        return null;
    }

    /** Table slots now, all shards (for tests and diagnostics). */
    int capacity() {
        return (int) sum(keys -> keys.capacity());
    }

    private void checkId(int location) {
        if (location < 1 || location > MAX_LOCATION_ID) {
            throw new IllegalArgumentException("location id must be 1.." + MAX_LOCATION_ID + ", got " + location);
        }
        int issued = ids.issued();
        if (location > issued) {
            throw new IllegalArgumentException("location id " + location + " was never issued (ids issued so far: 1.."
                + issued + "); get ids from location(Location)");
        }
    }

    private static void checkCount(int count) {
        if (count < 0) {
            throw new IllegalArgumentException("count must be at least 0, got " + count);
        }
    }

    private static void checkPacked(DirectBuffer buffer, int offset, int count) {
        Objects.requireNonNull(buffer, "buffer");
        checkCount(count);
        if (offset < 0) {
            throw new IllegalArgumentException("offset must be at least 0, got " + offset);
        }
        long end = offset + (long) BlockKey.BYTES * count;
        if (end > buffer.capacity()) {
            throw new IllegalArgumentException("buffer too short: " + count + " keys of " + BlockKey.BYTES
                + " bytes from offset " + offset + " end at " + end + ", capacity is " + buffer.capacity());
        }
    }

    private static void checkArrays(long[] his, long[] los, int count) {
        Objects.requireNonNull(his, "his");
        Objects.requireNonNull(los, "los");
        checkCount(count);
        if (his.length < count || los.length < count) {
            throw new IllegalArgumentException("count " + count + " exceeds the arrays (his: " + his.length
                + ", los: " + los.length + ")");
        }
    }

    /** One (key, location) pair of {@link #forEach}. */
    @FunctionalInterface
    public interface KeyLocationConsumer {
        void accept(long hi, long lo, int location);
    }
}
