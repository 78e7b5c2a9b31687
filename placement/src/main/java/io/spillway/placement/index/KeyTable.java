package io.spillway.placement.index;

import java.util.Arrays;
import java.util.function.IntConsumer;
import org.agrona.collections.IntArrayList;
import org.jspecify.annotations.Nullable;

/**
 * The storage of {@link BlockLocationIndex}: an open-addressing table over 128-bit keys with linear probing and
 * backward-shift deletion (no tombstones), CLOCK eviction, and the incremental purge of retired location ids.
 *
 * <p><b>Layout.</b> One {@code long[]} of three words per slot: {@code hi}, {@code lo} and the location word
 * ({@link Lanes}: four 16-bit ids inline, or a {@link LocationPool} block); a location word of 0 is an empty slot, so
 * every key, (0, 0) included, can be stored. A {@code long[]} bitset holds the CLOCK reference bit of each slot. The
 * capacity is a power of two; the table starts small and doubles at 70% load up to the capacity that holds
 * {@code maxKeys} at no more than 70% load.
 *
 * <p><b>Purge.</b> A retired id stays in entries until a sweep removes it: while any id awaits its purge, every write
 * sweeps a slice of the table ({@link #sweep}). Ids retired before a pass started are released when that pass
 * reaches the end of the table; ids retired during a pass wait for the next one. A backward shift that moves an
 * entry from the unswept part to the swept part moves the sweep's cursor back to it, so no entry escapes a pass. A
 * resize purges every entry it copies and so releases every waiting id.
 *
 * <p><b>Threads.</b> A table is one shard of the index. Every method that changes state runs under the shard's write
 * lock; an id whose purge completes here is handed to {@code released}, which the index counts down across shards.
 * The {@code read*} methods may run inside an optimistic read that a concurrent write invalidates: they read each array once into a local,
 * bound every index by that array's length and every probe by its capacity, so a torn read ends without an
 * exception and is thrown away by the caller's validation.
 */
final class KeyTable {
    static final int MAX_CAPACITY = 1 << 29;
    static final int MIN_CAPACITY = 64;
    private static final int SLOT = 3;

    private final LocationTable ids;
    private final IntConsumer released;
    final long maxKeys;
    private final int maxCapacity;

    long[] slots;
    long[] refs;
    LocationPool pool = new LocationPool();
    /** Keys held per id, live or retired: exact, a released id is at 0. */
    int[] keysAt = new int[16];
    private int capacity;
    private int mask;
    private long growAt;
    long size;
    long evictions;
    private int hand;

    private final IntArrayList sweepingIds = new IntArrayList();
    private final IntArrayList waitingIds = new IntArrayList();
    private int retired;
    private boolean sweeping;
    private int cursor;
    private long passes;

    /**
     * A table that starts large enough for {@code initialKeys} keys (at most {@code maxKeys}) without growing; each id
     * whose purge completes in it goes to {@code released}.
     */
    KeyTable(LocationTable ids, long maxKeys, long initialKeys, IntConsumer released) {
        this.ids = ids;
        this.released = released;
        this.maxKeys = maxKeys;
        this.maxCapacity = capacityFor(maxKeys);
        allocate(Math.max(Math.min(MIN_CAPACITY, maxCapacity), capacityFor(Math.min(initialKeys, maxKeys))));
    }

    /** The most keys a table can hold at 70% load of {@link #MAX_CAPACITY}. */
    static long maxKeysLimit() {
        return loadLimit(MAX_CAPACITY);
    }

    static int capacityFor(long maxKeys) {
        int capacity = 2;
        while (loadLimit(capacity) < maxKeys) {
            capacity <<= 1;
        }
        return capacity;
    }

    private static long loadLimit(int capacity) {
        return capacity * 7L / 10;
    }

    private void allocate(int newCapacity) {
        capacity = newCapacity;
        mask = newCapacity - 1;
        growAt = loadLimit(newCapacity);
        slots = new long[SLOT * newCapacity];
        refs = new long[Math.max(1, newCapacity >>> 6)];
        hand = 0;
    }

    static long hash(long hi, long lo) {
        long h = hi * 0x9E3779B97F4A7C15L ^ Long.rotateLeft(lo * 0xC2B2AE3D27D4EB4FL, 31);
        h = (h ^ (h >>> 32)) * 0xD6E8FEB86659FD93L;
        h = (h ^ (h >>> 32)) * 0xD6E8FEB86659FD93L;
        return h ^ (h >>> 32);
    }

    int capacity() {
        return capacity;
    }

    int retired() {
        return retired;
    }

    long passes() {
        return passes;
    }

    boolean sweeping() {
        return sweeping;
    }

    void ensureIdCapacity(int id) {
        if (id >= keysAt.length) {
            keysAt = Arrays.copyOf(keysAt, Math.min(BlockLocationIndex.MAX_LOCATION_ID + 1,
                Math.max(id + 1, keysAt.length * 2)));
        }
    }

    long bytes() {
        return 8L * slots.length + 8L * refs.length + pool.bytes() + 4L * keysAt.length;
    }

    // ---------------------------------------------------------------------------------------------------- writes

    /** The key's home slot in the table as it is now, from its {@link #hash} (changes when the table grows). */
    int homeOf(long hash) {
        return (int) hash & mask;
    }

    /** The slot mask; a {@link #homeOf} computed under another mask must be computed again. */
    int mask() {
        return mask;
    }

    /**
     * Reads a key's home slot in {@code t} and the one after it without using them, so that their cache lines are on
     * their way before they are needed: the table is far larger than the caches, and a batch that reads all its
     * keys' lines first, one independent read after another, waits for them together instead of one key at a time.
     * The slot comes from {@code t}'s own length, so a table a concurrent writer is replacing is read in bounds (the
     * read is only a hint). Returns a value the caller must consume (or the compiler drops the reads).
     */
    static long touch(long[] t, long hash) {
        int b = ((int) hash & (t.length / SLOT - 1)) * SLOT;
        return t[b + 2] + t[Math.min(b + SLOT + 2, t.length - 1)];
    }

    /** The slot holding the key, or {@code ~slot} of the empty slot where it would go. */
    private int probe(long hi, long lo) {
        return probe(hi, lo, (int) hash(hi, lo) & mask);
    }

    /** {@link #probe(long, long)} from the key's {@link #homeOf}, computed under the current {@link #mask()}. */
    private int probe(long hi, long lo, int home) {
        long[] t = slots;
        int s = home;
        while (true) {
            int b = s * SLOT;
            if (t[b + 2] == 0) {
                return ~s;
            }
            if (t[b] == hi && t[b + 1] == lo) {
                return s;
            }
            s = (s + 1) & mask;
        }
    }

    /**
     * Adds a live id to the key, inserting the key (and evicting one when full) if absent; true when new there.
     * {@code home} is the key's {@link #homeOf} under the current mask.
     */
    boolean add(long hi, long lo, int home, int id) {
        if (id >= keysAt.length) {
            ensureIdCapacity(id);
        }
        int s = probe(hi, lo, home);
        if (s >= 0) {
            int b = s * SLOT;
            long word = slots[b + 2];
            setRef(s);
            if (retired > 0) {
                word = purge(word);
                if (word == 0) {
                    slots[b + 2] = id;
                    keysAt[id]++;
                    return true;
                }
            }
            if (has(word, id)) {
                slots[b + 2] = word;
                return false;
            }
            slots[b + 2] = with(word, id);
            keysAt[id]++;
            return true;
        }
        if (size >= maxKeys) {
            evictOne();
            s = probe(hi, lo);
        }
        if (size >= growAt && capacity < maxCapacity) {
            resize(capacity << 1);
            s = probe(hi, lo);
        }
        s = ~s;
        int b = s * SLOT;
        slots[b] = hi;
        slots[b + 1] = lo;
        slots[b + 2] = id;
        setRef(s);
        size++;
        keysAt[id]++;
        return true;
    }

    /**
     * Removes an id from the key; a key left with no live id goes. True when the key was at the id. {@code home} is
     * the key's {@link #homeOf} under the current mask.
     */
    boolean remove(long hi, long lo, int home, int id) {
        int s = probe(hi, lo, home);
        if (s < 0) {
            return false;
        }
        int b = s * SLOT;
        long word = slots[b + 2];
        if (!has(word, id)) {
            return false;
        }
        word = without(word, id);
        keysAt[id]--;
        if (retired > 0 && word != 0) {
            word = purge(word);
        }
        if (word == 0) {
            deleteAt(s);
            size--;
        } else {
            slots[b + 2] = word;
        }
        return true;
    }

    /** CLOCK: clears reference bits from the hand on and evicts the first unreferenced key with all its ids. */
    private void evictOne() {
        long[] t = slots;
        while (true) {
            int s = hand;
            long word = t[s * SLOT + 2];
            if (word != 0) {
                if (isRef(s)) {
                    clearRef(s);
                } else {
                    dropAll(word);
                    deleteAt(s);
                    size--;
                    evictions++;
                    return; // the hand stays: a key shifted into this slot is looked at next
                }
            }
            hand = (s + 1) & mask;
        }
    }

    /**
     * Empties slot {@code i} (its ids already accounted for) by shifting back each later entry of the cluster that
     * may move into the hole: one whose home slot is not cyclically within (hole, its slot].
     */
    private void deleteAt(int i) {
        long[] t = slots;
        int m = mask;
        int j = i;
        while (true) {
            j = (j + 1) & m;
            int bj = j * SLOT;
            long word = t[bj + 2];
            if (word == 0) {
                break;
            }
            int home = (int) hash(t[bj], t[bj + 1]) & m;
            if (((j - home) & m) >= ((j - i) & m)) {
                int bi = i * SLOT;
                t[bi] = t[bj];
                t[bi + 1] = t[bj + 1];
                t[bi + 2] = word;
                if (isRef(j)) {
                    setRef(i);
                } else {
                    clearRef(i);
                }
                if (sweeping && i < cursor && j >= cursor) {
                    cursor = i; // moved from the unswept part to the swept part: sweep it again
                }
                i = j;
            }
        }
        int bi = i * SLOT;
        t[bi] = 0;
        t[bi + 1] = 0;
        t[bi + 2] = 0;
        clearRef(i);
    }

    private void resize(int newCapacity) {
        long[] old = slots;
        long[] oldRefs = refs;
        int[] oldPool = pool.ints;
        boolean purging = retired > 0;
        pool = new LocationPool();
        allocate(newCapacity);
        long[] t = slots;
        for (int s = 0, n = old.length / SLOT; s < n; s++) {
            int b = s * SLOT;
            long word = old[b + 2];
            if (word == 0) {
                continue;
            }
            word = copy(word, oldPool, purging);
            if (word == 0) {
                size--;
                continue;
            }
            int to = (int) hash(old[b], old[b + 1]) & mask;
            while (t[to * SLOT + 2] != 0) {
                to = (to + 1) & mask;
            }
            t[to * SLOT] = old[b];
            t[to * SLOT + 1] = old[b + 1];
            t[to * SLOT + 2] = word;
            if ((oldRefs[s >>> 6] & 1L << s) != 0) {
                setRef(to);
            }
        }
        if (purging) {
            releaseAll(sweepingIds);
            releaseAll(waitingIds);
            sweeping = false;
        }
    }

    /** A location word copied into the new {@link #pool}, without retired ids when purging. */
    private long copy(long word, int[] from, boolean purging) {
        if (Lanes.isInline(word)) {
            return purging ? purge(word) : word;
        }
        int p = (int) Lanes.offset(word);
        int n = from[p];
        int kept = 0;
        long inline = 0;
        int q = 0;
        for (int i = 0; i < n; i++) {
            int id = from[p + LocationPool.HEADER + i];
            if (purging && !LocationTable.isLive(ids.live, id)) {
                keysAt[id]--;
                continue;
            }
            if (kept < Lanes.INLINE) {
                inline = Lanes.with(inline, kept, id);
            } else {
                if (kept == Lanes.INLINE) {
                    q = pool.allocateFor(n);
                    for (int lane = 0; lane < Lanes.INLINE; lane++) {
                        pool.ints[q + LocationPool.HEADER + lane] = Lanes.id(inline, lane);
                    }
                }
                pool.ints[q + LocationPool.HEADER + kept] = id;
            }
            kept++;
        }
        if (kept <= Lanes.INLINE) {
            return inline;
        }
        pool.ints[q] = kept;
        return Lanes.pooled(q);
    }

    // ---------------------------------------------------------------------------------------------------- purge

    /** Queues the purge of an id the index has just retired (readers already skip it). */
    void retire(int id) {
        retired++;
        if (sweeping) {
            waitingIds.addInt(id);
        } else {
            sweepingIds.addInt(id);
            startPass();
        }
    }

    private void startPass() {
        sweeping = true;
        cursor = 0;
    }

    /** Sweeps up to {@code budget} slots for retired ids, releasing the ids of each pass that completes. */
    void sweep(long budget) {
        long[] t = slots;
        while (sweeping && budget-- > 0) {
            if (cursor == capacity) {
                finishPass();
                continue;
            }
            int b = cursor * SLOT;
            long word = t[b + 2];
            if (word != 0) {
                long kept = purge(word);
                if (kept == 0) {
                    deleteAt(cursor); // a later entry may shift into the cursor's slot: look at it again
                    size--;
                    continue;
                }
                t[b + 2] = kept;
            }
            cursor++;
        }
    }

    /** Purges every entry now and releases every retired id: the fallback when no id is free. */
    void purgeAll() {
        if (retired == 0) {
            return;
        }
        sweepingIds.addAll(waitingIds);
        waitingIds.clear();
        startPass();
        sweep(Long.MAX_VALUE);
    }

    private void finishPass() {
        passes++;
        releaseAll(sweepingIds);
        sweepingIds.addAll(waitingIds);
        waitingIds.clear();
        if (sweepingIds.isEmpty()) {
            sweeping = false;
        } else {
            startPass();
        }
    }

    private void releaseAll(IntArrayList list) {
        for (int i = 0, n = list.size(); i < n; i++) {
            int id = list.getInt(i);
            assert id >= keysAt.length || keysAt[id] == 0
                : "location id " + id + " released while " + keysAt[id] + " keys hold it";
            retired--;
            released.accept(id);
        }
        list.clear();
    }

    // ---------------------------------------------------------------------------------------------------- words

    private boolean has(long word, int id) {
        if (Lanes.isInline(word)) {
            return Lanes.laneOf(word, id) >= 0;
        }
        int[] a = pool.ints;
        int p = (int) Lanes.offset(word);
        for (int i = p + LocationPool.HEADER, end = i + a[p]; i < end; i++) {
            if (a[i] == id) {
                return true;
            }
        }
        return false;
    }

    /** {@code word} plus an id it does not hold. */
    private long with(long word, int id) {
        if (Lanes.isInline(word)) {
            int n = Lanes.count(word);
            if (n < Lanes.INLINE) {
                return Lanes.with(word, n, id);
            }
            int p = pool.allocate(LocationPool.MIN_CAPACITY);
            int[] a = pool.ints;
            for (int lane = 0; lane < Lanes.INLINE; lane++) {
                a[p + LocationPool.HEADER + lane] = Lanes.id(word, lane);
            }
            a[p + LocationPool.HEADER + Lanes.INLINE] = id;
            a[p] = Lanes.INLINE + 1;
            return Lanes.pooled(p);
        }
        return Lanes.pooled(pool.add((int) Lanes.offset(word), id));
    }

    /** {@code word} without an id it holds; 0 when that was its last. */
    private long without(long word, int id) {
        if (Lanes.isInline(word)) {
            return Lanes.without(word, Lanes.laneOf(word, id));
        }
        int[] a = pool.ints;
        int p = (int) Lanes.offset(word);
        int last = p + LocationPool.HEADER + a[p] - 1;
        for (int i = p + LocationPool.HEADER; i <= last; i++) {
            if (a[i] == id) {
                a[i] = a[last];
                a[p]--;
                break;
            }
        }
        return shrink(p);
    }

    /** {@code word} without its retired ids (their counts dropped); 0 when none was live. */
    private long purge(long word) {
        long[] live = ids.live;
        if (Lanes.isInline(word)) {
            long kept = 0;
            int n = 0;
            for (int lane = 0; lane < Lanes.INLINE; lane++) {
                int id = Lanes.id(word, lane);
                if (id == 0) {
                    break;
                }
                if (LocationTable.isLive(live, id)) {
                    kept = Lanes.with(kept, n++, id);
                } else {
                    keysAt[id]--;
                }
            }
            return kept;
        }
        int[] a = pool.ints;
        int p = (int) Lanes.offset(word);
        int n = a[p];
        int kept = 0;
        for (int i = p + LocationPool.HEADER, end = i + n; i < end; i++) {
            int id = a[i];
            if (LocationTable.isLive(live, id)) {
                a[p + LocationPool.HEADER + kept++] = id;
            } else {
                keysAt[id]--;
            }
        }
        if (kept == n) {
            return word;
        }
        a[p] = kept;
        return shrink(p);
    }

    /** The word for pool block {@code p}: moved back inline (and the block freed) once it fits. */
    private long shrink(int p) {
        int[] a = pool.ints;
        int n = a[p];
        if (n > Lanes.INLINE) {
            return Lanes.pooled(p);
        }
        long inline = 0;
        for (int i = 0; i < n; i++) {
            inline = Lanes.with(inline, i, a[p + LocationPool.HEADER + i]);
        }
        pool.free(p);
        return inline;
    }

    /** Drops every id of an evicted entry from the counts, freeing its pool block. */
    private void dropAll(long word) {
        if (Lanes.isInline(word)) {
            for (int lane = 0; lane < Lanes.INLINE; lane++) {
                int id = Lanes.id(word, lane);
                if (id == 0) {
                    break;
                }
                keysAt[id]--;
            }
            return;
        }
        int[] a = pool.ints;
        int p = (int) Lanes.offset(word);
        for (int i = p + LocationPool.HEADER, end = i + a[p]; i < end; i++) {
            keysAt[a[i]]--;
        }
        pool.free(p);
    }

    // ---------------------------------------------------------------------------------------------------- marks

    private boolean isRef(int s) {
        return (refs[s >>> 6] & 1L << s) != 0;
    }

    private void setRef(int s) {
        refs[s >>> 6] |= 1L << s;
    }

    private void clearRef(int s) {
        refs[s >>> 6] &= ~(1L << s);
    }

    /**
     * Marks slot {@code s} referenced from a read, without the write lock. The read-modify-write can race with the
     * writer's own on the same word: a mark can be lost, or a cleared one come back, and a stray mark can land on
     * an empty slot or another key after a shift. All are acceptable: CLOCK is an approximation, an insert or
     * shift sets or clears its slot's bit itself, and the hand skips empty slots. Skips the write when the bit is
     * already set, so hot keys do not dirty a shared cache line on every lookup.
     */
    static void markRead(long[] r, int s) {
        int w = s >>> 6;
        if (w < r.length) {
            long word = r[w];
            long bit = 1L << s;
            if ((word & bit) == 0) {
                r[w] = word | bit;
            }
        }
    }

    // ---------------------------------------------------------------------------------------------------- reads

    /** The slot holding the key in {@code t}, or -1; at most one probe per slot, for reads of a torn table. */
    static int find(long[] t, long hi, long lo) {
        return find(t, hi, lo, hash(hi, lo));
    }

    /** {@link #find(long[], long, long)} with the key's {@link #hash} already computed. */
    static int find(long[] t, long hi, long lo, long hash) {
        int m = t.length / SLOT - 1;
        int s = (int) hash & m;
        for (int n = 0; n <= m; n++) {
            int b = s * SLOT;
            if (t[b + 2] == 0) {
                return -1;
            }
            if (t[b] == hi && t[b + 1] == lo) {
                return s;
            }
            s = (s + 1) & m;
        }
        return -1;
    }

    /**
     * The number of ids of {@code word} (0 for a torn pool offset); {@link #idAt} reads them. For pool words the
     * count is bounded by the pool array, so a torn read cannot index past it.
     */
    static int idCount(long word, int[] pool) {
        if (word == 0) {
            return 0;
        }
        if (Lanes.isInline(word)) {
            return Lanes.count(word);
        }
        long p = Lanes.offset(word);
        if (p + LocationPool.HEADER > pool.length) {
            return 0;
        }
        int n = pool[(int) p];
        return Math.max(0, Math.min(n, pool.length - (int) p - LocationPool.HEADER));
    }

    /** The location word at slot {@code s} of {@code t} (bounded for a torn read: 0 past the end). */
    static long wordAt(long[] t, int s) {
        int b = s * SLOT + 2;
        return b < t.length ? t[b] : 0;
    }

    static int idAt(long word, int[] pool, int i) {
        return Lanes.isInline(word) ? Lanes.id(word, i) : pool[(int) Lanes.offset(word) + LocationPool.HEADER + i];
    }

    /** Whether a live {@code id} is at the key; no reference mark. */
    boolean readContains(long hi, long lo, int id) {
        long[] t = slots;
        int[] a = pool.ints;
        int s = find(t, hi, lo);
        if (s < 0) {
            return false;
        }
        long word = t[s * SLOT + 2];
        for (int i = 0, n = idCount(word, a); i < n; i++) {
            if (idAt(word, a, i) == id) {
                return LocationTable.isLive(ids.live, id);
            }
        }
        return false;
    }

    /** Writes the key's live ids into {@code out} (as many as fit) and returns how many it has; marks the key. */
    int readLocations(long hi, long lo, int[] out) {
        long[] t = slots;
        long[] r = refs;
        int[] a = pool.ints;
        long[] live = ids.live;
        int s = find(t, hi, lo);
        if (s < 0) {
            return 0;
        }
        markRead(r, s);
        long word = t[s * SLOT + 2];
        int found = 0;
        for (int i = 0, n = idCount(word, a); i < n; i++) {
            int id = idAt(word, a, i);
            if (LocationTable.isLive(live, id)) {
                if (found < out.length) {
                    out[found] = id;
                }
                found++;
            }
        }
        return found;
    }

    /** Every (key, live id) pair, under the read lock. */
    void forEach(BlockLocationIndex.KeyLocationConsumer consumer) {
        long[] t = slots;
        int[] a = pool.ints;
        long[] live = ids.live;
        for (int b = 0; b < t.length; b += SLOT) {
            long word = t[b + 2];
            for (int i = 0, n = idCount(word, a); i < n; i++) {
                int id = idAt(word, a, i);
                if (LocationTable.isLive(live, id)) {
                    consumer.accept(t[b], t[b + 1], id);
                }
            }
        }
    }

    /**
     * Checks the whole table, for tests: every entry found by its own probe, its ids distinct and issued (so inline
     * lanes have no gap), pool blocks above four ids, the key count and every id's count exact, and no entry holding an id
     * that is neither live nor awaiting its purge (one the sweep missed, and so might be issued again).
     *
     * @return null when sound, else what is wrong
     */
    @Nullable String checkInvariants() {
        int[] counted = new int[keysAt.length];
        long keys = 0;
        for (int s = 0; s < capacity; s++) {
            long word = slots[s * SLOT + 2];
            if (word == 0) {
                continue;
            }
            keys++;
            long hi = slots[s * SLOT];
            long lo = slots[s * SLOT + 1];
            if (find(slots, hi, lo) != s) {
                return "key " + hi + "/" + lo + " at slot " + s + " is not where its probe finds it";
            }
            int n = idCount(word, pool.ints);
            if (!Lanes.isInline(word) && n <= Lanes.INLINE) {
                return "slot " + s + ": a pool block of " + n + " ids, which fit inline";
            }
            for (int i = 0; i < n; i++) {
                int id = idAt(word, pool.ints, i);
                if (id < 1 || id > ids.issued()) {
                    return "slot " + s + " holds id " + id + ", never issued";
                }
                for (int k = 0; k < i; k++) {
                    if (idAt(word, pool.ints, k) == id) {
                        return "slot " + s + " holds id " + id + " twice";
                    }
                }
                if (!LocationTable.isLive(ids.live, id) && !sweepingIds.containsInt(id) && !waitingIds.containsInt(id)) {
                    return "slot " + s + " holds id " + id + ", neither live nor awaiting its purge";
                }
                counted[id]++;
            }
        }
        if (keys != size) {
            return "size " + size + " but " + keys + " keys in the table";
        }
        for (int id = 1; id < keysAt.length; id++) {
            if (counted[id] != keysAt[id]) {
                return "id " + id + " counts " + keysAt[id] + " keys but " + counted[id] + " hold it";
            }
        }
        return null;
    }

    /** Keys at a live id (0 for a retired one), bounded for an optimistic read. */
    long readKeysAt(int id) {
        int[] counts = keysAt;
        return id < counts.length && LocationTable.isLive(ids.live, id) ? counts[id] : 0;
    }
}
