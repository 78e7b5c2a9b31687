package io.spillway.placement.index;

import io.spillway.key.BlockKey;
import java.nio.ByteOrder;
import java.util.Objects;
import java.util.concurrent.locks.StampedLock;
import org.agrona.DirectBuffer;

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
 * <p><b>Threads.</b> Any number of readers and writers; writes are serialised by one lock, held for one call (a
 * batch call holds it for its whole batch), and reads never wait for a purge. A read first runs as an optimistic
 * read of a {@link StampedLock}, validated afterwards, and again under the read lock if a write overlapped it. Do not
 * call the index's writes from a {@link #forEach} consumer: the lock is not reentrant.
 */
public final class BlockLocationIndex {
    /** Location ids are 1..MAX_LOCATION_ID (16 bits, 0 means "none"). */
    public static final int MAX_LOCATION_ID = 65_535;

    /** Slots a write sweeps for retired ids while a purge is pending, per call... */
    static final int SWEEP_PER_CALL = 4096;
    /** ...and per key of a batch, so a large batch keeps the purge moving in proportion. */
    static final int SWEEP_PER_KEY = 16;

    private final StampedLock lock = new StampedLock();
    private final LocationTable ids = new LocationTable();
    private final KeyTable keys;

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
        if (maxKeys < 1 || maxKeys > KeyTable.maxKeysLimit()) {
            throw new IllegalArgumentException("maxKeys must be 1.." + KeyTable.maxKeysLimit() + ", got " + maxKeys);
        }
        if (expectedKeys < 0) {
            throw new IllegalArgumentException("expectedKeys must be >= 0, got " + expectedKeys);
        }
        keys = new KeyTable(ids, maxKeys, expectedKeys);
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
        long stamp = lock.writeLock();
        try {
            id = ids.find(location);
            return id != 0 ? id : issue(location);
        } finally {
            lock.unlockWrite(stamp);
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
        long stamp = lock.writeLock();
        try {
            int old = ids.find(location);
            int fresh = issue(location);
            if (old != 0) {
                keys.retire(old);
            }
            keys.sweep(SWEEP_PER_CALL);
            return fresh;
        } finally {
            lock.unlockWrite(stamp);
        }
    }

    /** A new id for {@code location}, finishing a pending purge first if that is what it takes. */
    private int issue(Location location) {
        int id = ids.issue(location);
        if (id == 0 && keys.retired() > 0) {
            keys.purgeAll();
            id = ids.issue(location);
        }
        if (id == 0) {
            throw new IllegalStateException("no location id left for " + location + ": all " + MAX_LOCATION_ID
                + " ids are live (" + ids.liveCount() + " live locations); an id comes free only when its location"
                + " is cleared and the purge that follows completes");
        }
        keys.ensureIdCapacity(id);
        return id;
    }

    /** Records that {@code location} holds the key; true when it did not before. A retired id is ignored. */
    public boolean add(long hi, long lo, int location) {
        checkId(location);
        long stamp = lock.writeLock();
        try {
            boolean added = LocationTable.isLive(ids.live, location) && keys.add(hi, lo, location);
            keys.sweep(SWEEP_PER_CALL);
            return added;
        } finally {
            lock.unlockWrite(stamp);
        }
    }

    /** Records that {@code location} no longer holds the key; true when it did. A key left with no location goes. */
    public boolean remove(long hi, long lo, int location) {
        checkId(location);
        long stamp = lock.writeLock();
        try {
            boolean removed = LocationTable.isLive(ids.live, location) && keys.remove(hi, lo, location);
            keys.sweep(SWEEP_PER_CALL);
            return removed;
        } finally {
            lock.unlockWrite(stamp);
        }
    }

    /**
     * {@link #add} for {@code count} keys packed in {@code buffer} from {@code offset}, each 16 bytes: {@code hi} then
     * {@code lo}, big-endian (the block key's wire form, docs/block-keys.md), under one hold of the write lock.
     *
     * @return how many were new at that location
     */
    public int addAll(int location, DirectBuffer buffer, int offset, int count) {
        checkId(location);
        checkPacked(buffer, offset, count);
        long stamp = lock.writeLock();
        try {
            int added = 0;
            if (LocationTable.isLive(ids.live, location)) {
                for (int from = 0; from < count; from += TOUCH_WINDOW) {
                    int n = Math.min(TOUCH_WINDOW, count - from);
                    int base = offset + from * BlockKey.BYTES;
                    int mask = touch(buffer, base, n);
                    for (int i = 0, at = base; i < n; i++, at += BlockKey.BYTES) {
                        long hi = buffer.getLong(at, ByteOrder.BIG_ENDIAN);
                        long lo = buffer.getLong(at + 8, ByteOrder.BIG_ENDIAN);
                        if (keys.add(hi, lo, keys.mask() == mask ? homes[i] : keys.home(hi, lo), location)) {
                            added++;
                        }
                    }
                }
            }
            keys.sweep(sweepBudget(count));
            return added;
        } finally {
            lock.unlockWrite(stamp);
        }
    }


    /**
     * Keys a batch call touches ahead of writing them (see {@link KeyTable#touch}): enough reads to overlap, few
     * enough that their cache lines are still there when the writes come (two lines a key).
     */
    private static final int TOUCH_WINDOW = 256;

    /** The window's keys' home slots, computed once by {@link #touch} (writers only: under the write lock). */
    private final int[] homes = new int[TOUCH_WINDOW];

    /** Sink of the touches' values, so the compiler keeps the reads. */
    @SuppressWarnings("unused")
    private long touched;

    /**
     * Computes the home slot of each of the {@code count} (at most {@link #TOUCH_WINDOW}) packed keys from {@code at}
     * into {@link #homes} and starts
     * the memory reads of their slots (see {@link KeyTable#touch}); returns the mask the homes were computed under.
     */
    private int touch(DirectBuffer buffer, int at, int count) {
        long sum = 0;
        for (int k = 0; k < count; k++, at += BlockKey.BYTES) {
            int home = keys.home(buffer.getLong(at, ByteOrder.BIG_ENDIAN), buffer.getLong(at + 8, ByteOrder.BIG_ENDIAN));
            homes[k] = home;
            sum += keys.touch(home);
        }
        touched += sum;
        return keys.mask();
    }

    /** {@link #remove} for {@code count} packed keys, as {@link #addAll(int, DirectBuffer, int, int)} reads them. */
    public int removeAll(int location, DirectBuffer buffer, int offset, int count) {
        checkId(location);
        checkPacked(buffer, offset, count);
        long stamp = lock.writeLock();
        try {
            int removed = 0;
            if (LocationTable.isLive(ids.live, location)) {
                for (int from = 0; from < count; from += TOUCH_WINDOW) {
                    int n = Math.min(TOUCH_WINDOW, count - from);
                    int base = offset + from * BlockKey.BYTES;
                    touch(buffer, base, n); // removals never resize: the homes stay valid
                    for (int i = 0, at = base; i < n; i++, at += BlockKey.BYTES) {
                        if (keys.remove(buffer.getLong(at, ByteOrder.BIG_ENDIAN),
                            buffer.getLong(at + 8, ByteOrder.BIG_ENDIAN), homes[i], location)) {
                            removed++;
                        }
                    }
                }
            }
            keys.sweep(sweepBudget(count));
            return removed;
        } finally {
            lock.unlockWrite(stamp);
        }
    }

    /**
     * Moves {@code count} packed keys from one location to another (a tier demotion), under one lock hold. Every key
     * ends up at {@code to}, also one the index did not have at {@code from} (evicted, or its event missed): the
     * move says where the block is now. A retired {@code from} holds nothing; a retired {@code to} takes nothing.
     *
     * @return how many of the keys were at {@code from}
     */
    public int moveAll(int from, int to, DirectBuffer buffer, int offset, int count) {
        checkId(from);
        checkId(to);
        checkPacked(buffer, offset, count);
        long stamp = lock.writeLock();
        try {
            boolean fromLive = LocationTable.isLive(ids.live, from);
            boolean toLive = LocationTable.isLive(ids.live, to);
            int moved = 0;
            for (int i = 0, at = offset; i < count; i++, at += BlockKey.BYTES) {
                if (i % TOUCH_WINDOW == 0) {
                    touch(buffer, at, Math.min(TOUCH_WINDOW, count - i)); // homes not reused: an add may grow the table
                }
                long hi = buffer.getLong(at, ByteOrder.BIG_ENDIAN);
                long lo = buffer.getLong(at + 8, ByteOrder.BIG_ENDIAN);
                if (from == to) {
                    moved += fromLive && keys.readContains(hi, lo, from) ? 1 : 0;
                    continue;
                }
                if (toLive) {
                    keys.add(hi, lo, to); // first, so a key at both never leaves the table in between
                }
                if (fromLive && keys.remove(hi, lo, from)) {
                    moved++;
                }
            }
            keys.sweep(sweepBudget(count));
            return moved;
        } finally {
            lock.unlockWrite(stamp);
        }
    }

    /** {@link #add} for keys given as parallel arrays, under one lock hold. */
    public int addAll(int location, long[] his, long[] los, int count) {
        checkId(location);
        checkArrays(his, los, count);
        long stamp = lock.writeLock();
        try {
            int added = 0;
            if (LocationTable.isLive(ids.live, location)) {
                for (int i = 0; i < count; i++) {
                    if (keys.add(his[i], los[i], location)) {
                        added++;
                    }
                }
            }
            keys.sweep(sweepBudget(count));
            return added;
        } finally {
            lock.unlockWrite(stamp);
        }
    }

    /** {@link #remove} for keys given as parallel arrays, under one lock hold. */
    public int removeAll(int location, long[] his, long[] los, int count) {
        checkId(location);
        checkArrays(his, los, count);
        long stamp = lock.writeLock();
        try {
            int removed = 0;
            if (LocationTable.isLive(ids.live, location)) {
                for (int i = 0; i < count; i++) {
                    if (keys.remove(his[i], los[i], location)) {
                        removed++;
                    }
                }
            }
            keys.sweep(sweepBudget(count));
            return removed;
        } finally {
            lock.unlockWrite(stamp);
        }
    }

    /** Whether {@code location} holds the key (not a reference for CLOCK). */
    public boolean contains(long hi, long lo, int location) {
        checkId(location);
        long stamp = lock.tryOptimisticRead();
        if (stamp != 0) {
            boolean held = keys.readContains(hi, lo, location);
            if (lock.validate(stamp)) {
                return held;
            }
        }
        stamp = lock.readLock();
        try {
            return keys.readContains(hi, lo, location);
        } finally {
            lock.unlockRead(stamp);
        }
    }

    /**
     * Writes the live location ids holding the key into {@code out} (grown by the caller); returns how many. When
     * that is more than {@code out.length}, only the first {@code out.length} were written: grow it and call again.
     * Marks the key referenced.
     */
    public int locationsOf(long hi, long lo, int[] out) {
        Objects.requireNonNull(out, "out");
        long stamp = lock.tryOptimisticRead();
        if (stamp != 0) {
            int n = keys.readLocations(hi, lo, out);
            if (lock.validate(stamp)) {
                return n;
            }
        }
        stamp = lock.readLock();
        try {
            return keys.readLocations(hi, lo, out);
        } finally {
            lock.unlockRead(stamp);
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

    private void prefix(BlockKey[] chain, long[] his, long[] los, int count, PrefixRuns out) {
        long stamp = lock.tryOptimisticRead();
        if (stamp != 0) {
            keys.readPrefix(chain, his, los, count, out);
            if (lock.validate(stamp)) {
                return;
            }
        }
        stamp = lock.readLock();
        try {
            keys.readPrefix(chain, his, los, count, out);
        } finally {
            lock.unlockRead(stamp);
        }
    }

    /** Calls {@code consumer} with every (key, live location) pair; for tests and diagnostics, holds the read lock. */
    public void forEach(KeyLocationConsumer consumer) {
        Objects.requireNonNull(consumer, "consumer");
        long stamp = lock.readLock();
        try {
            keys.forEach(consumer);
        } finally {
            lock.unlockRead(stamp);
        }
    }

    /** Keys held now (a key whose only locations are retired counts until purged). */
    public long size() {
        long stamp = lock.tryOptimisticRead();
        long size = keys.size;
        if (stamp != 0 && lock.validate(stamp)) {
            return size;
        }
        stamp = lock.readLock();
        try {
            return keys.size;
        } finally {
            lock.unlockRead(stamp);
        }
    }

    /** Keys held at one live location id (0 for a retired one). */
    public long sizeOf(int location) {
        checkId(location);
        long stamp = lock.tryOptimisticRead();
        long size = keys.readKeysAt(location);
        if (stamp != 0 && lock.validate(stamp)) {
            return size;
        }
        stamp = lock.readLock();
        try {
            return keys.readKeysAt(location);
        } finally {
            lock.unlockRead(stamp);
        }
    }

    /** Keys evicted by CLOCK since creation. */
    public long evictions() {
        long stamp = lock.tryOptimisticRead();
        long evictions = keys.evictions;
        if (stamp != 0 && lock.validate(stamp)) {
            return evictions;
        }
        stamp = lock.readLock();
        try {
            return keys.evictions;
        } finally {
            lock.unlockRead(stamp);
        }
    }

    /** Bytes of the index's own arrays (keys, locations, marks, the overflow pool): what it costs the heap. */
    public long memoryBytes() {
        long stamp = lock.readLock();
        try {
            return keys.bytes() + ids.bytes();
        } finally {
            lock.unlockRead(stamp);
        }
    }

    /** The bound given at construction. */
    public long maxKeys() {
        return keys.maxKeys;
    }

    /** Retired ids whose purge has not completed yet (for tests and diagnostics). */
    int retiredIds() {
        long stamp = lock.readLock();
        try {
            return keys.retired();
        } finally {
            lock.unlockRead(stamp);
        }
    }

    /** What is wrong with the table's structure, or null (a full scan, for tests). */
    String checkInvariants() {
        long stamp = lock.readLock();
        try {
            return keys.checkInvariants();
        } finally {
            lock.unlockRead(stamp);
        }
    }

    /** Table slots now (for tests and diagnostics). */
    int capacity() {
        long stamp = lock.readLock();
        try {
            return keys.capacity();
        } finally {
            lock.unlockRead(stamp);
        }
    }

    private static long sweepBudget(int count) {
        return SWEEP_PER_CALL + (long) SWEEP_PER_KEY * count;
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
