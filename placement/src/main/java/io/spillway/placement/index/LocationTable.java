package io.spillway.placement.index;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.util.Arrays;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedQueue;
import org.jspecify.annotations.Nullable;

/**
 * Interns {@link Location}s as 16-bit ids for {@link BlockLocationIndex}: each location has one current id; a
 * {@link BlockLocationIndex#clear} retires it and issues a fresh one. Thread-safe.
 *
 * <p>Ids are issued fresh (1, 2, ...) until all {@value BlockLocationIndex#MAX_LOCATION_ID} have been, then from a
 * first-in first-out queue of released ones, so a retired id comes back as late as possible. Ids are issued and
 * retired under the index's id lock; a release comes from whichever shard finished the id's purge last; the public
 * reads here take no lock.
 */
public final class LocationTable {
    private static final VarHandle BY_ID = MethodHandles.arrayElementVarHandle(Location[].class);
    private static final VarHandle WORDS = MethodHandles.arrayElementVarHandle(long[].class);
    private static final int MAX = BlockLocationIndex.MAX_LOCATION_ID;

    private final ConcurrentHashMap<Location, Integer> current = new ConcurrentHashMap<>();
    /** Released ids (rare: one per clear, so boxing costs nothing that matters). */
    private final ConcurrentLinkedQueue<Integer> released = new ConcurrentLinkedQueue<>();
    /** Live bit per id. The index reads it plainly inside its own lock or validated optimistic reads. */
    final long[] live = new long[(MAX + 1) >>> 6];
    private volatile Location[] byId = new Location[16];
    private volatile int issued;
    /** Issues and retirements so far (see {@link #changes}). */
    private volatile long changes;

    LocationTable() {
    }

    /** The location a live or retired id stood for, or {@code null} for an id never issued. */
    public @Nullable Location location(int id) {
        Location[] locations = byId;
        return id < 1 || id >= locations.length ? null : (Location) BY_ID.getAcquire(locations, id);
    }

    /**
     * How many times an id has been issued or retired: unchanged means every id still stands for the location it
     * stood for and is as live as it was, so a cache of what ids mean, liveness included, stays valid while this does.
     */
    public long changes() {
        return changes;
    }

    /** The current id of {@code location}, or 0 when it was never interned. */
    public int find(Location location) {
        Integer id = current.get(location);
        return id == null ? 0 : id;
    }

    /** Whether {@code id} is the current id of its location (not retired). */
    public boolean isLive(int id) {
        return id >= 1 && id <= MAX && (((long) WORDS.getVolatile(live, id >>> 6)) & 1L << id) != 0;
    }

    /** The highest id issued so far: every id from 1 to it has been issued at least once. */
    int issued() {
        return issued;
    }

    /**
     * {@link #isLive} without the volatile read, for the index's locked or validated reads. The word index is masked,
     * not checked: an id out of range (only ever read from a torn entry) gives some answer but no exception.
     */
    static boolean isLive(long[] live, int id) {
        return (live[(id >>> 6) & (live.length - 1)] & 1L << id) != 0;
    }

    /** Ids issued and not retired. */
    int liveCount() {
        int n = 0;
        for (long word : live) {
            n += Long.bitCount(word);
        }
        return n;
    }

    /**
     * Issues an id to {@code location} and makes it the location's current one; 0 when none is free. The caller
     * retires the location's previous id, if any.
     */
    int issue(Location location) {
        int id;
        if (issued < MAX) {
            id = issued + 1;
        } else {
            Integer next = released.poll();
            if (next == null) {
                return 0;
            }
            id = next;
        }
        Location[] locations = byId;
        if (id >= locations.length) {
            locations = Arrays.copyOf(locations, Math.min(MAX + 1, Math.max(id + 1, locations.length * 2)));
        }
        BY_ID.setRelease(locations, id, location);
        byId = locations;
        setLive(id, true);
        current.put(location, id);
        if (id > issued) {
            issued = id;
        }
        changes++; // under the index's id lock: one writer
        return id;
    }

    /** Readers stop seeing {@code id} at once; the location keeps pointing at it until reissued. */
    void retire(int id) {
        setLive(id, false);
        changes++; // under the index's id lock
    }

    /** A retired id no entry holds any more: it may be issued again. */
    void release(int id) {
        released.add(id);
    }

    private void setLive(int id, boolean on) {
        int w = id >>> 6;
        long word = live[w];
        WORDS.setVolatile(live, w, on ? word | 1L << id : word & ~(1L << id));
    }

    long bytes() {
        return 8L * live.length;
    }
}
