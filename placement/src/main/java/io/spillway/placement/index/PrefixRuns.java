package io.spillway.placement.index;

import java.util.Arrays;

/**
 * The result of {@link BlockLocationIndex#longestPrefix}: for every location holding the first key of the chain,
 * how many leading keys of the chain it holds without a gap. Reused across lookups by one thread (no allocation per
 * lookup once grown); entries are in no particular order.
 */
public final class PrefixRuns {
    private int[] locations = new int[16];
    private int[] runs = new int[16];
    private int size;
    /**
     * Entry + 1 of each location id, 0 for none, for the index's lookups: one load per id. Grown to the highest id
     * seen (location ids are dense from 1, so this stays small; at most 65,536 ints).
     */
    private int[] entryById = new int[64];
    /** The index's lock stamps per shard during a lookup (scratch, so a lookup allocates nothing). */
    private long[] stamps = new long[1];

    /** The number of locations with a run of at least one key. */
    public int size() {
        return size;
    }

    /** The location id of entry {@code i} (see {@link BlockLocationIndex#locations()}). */
    public int location(int i) {
        return locations[i];
    }

    /** How many leading keys entry {@code i}'s location holds without a gap (at least 1). */
    public int run(int i) {
        return runs[i];
    }

    /** The run of {@code location}, 0 when it holds not even the first key. */
    public int runOf(int location) {
        for (int i = 0; i < size; i++) {
            if (locations[i] == location) {
                return runs[i];
            }
        }
        return 0;
    }

    /** The longest run over all locations. */
    public int longest() {
        int max = 0;
        for (int i = 0; i < size; i++) {
            max = Math.max(max, runs[i]);
        }
        return max;
    }

    void clear() {
        for (int i = 0; i < size; i++) {
            entryById[locations[i]] = 0;
        }
        size = 0;
    }

    /** Adds an entry for a location id (1..65535) that has none. */
    void add(int location, int run) {
        if (size == locations.length) {
            locations = Arrays.copyOf(locations, size * 2);
            runs = Arrays.copyOf(runs, size * 2);
        }
        if (location >= entryById.length) {
            entryById = Arrays.copyOf(entryById, Math.min(BlockLocationIndex.MAX_LOCATION_ID + 1,
                Math.max(location + 1, entryById.length * 2)));
        }
        locations[size] = location;
        runs[size] = run;
        size++;
        entryById[location] = size;
    }

    /** The entry of {@code location}, or -1 when it has none (any int is safe to ask about). */
    int indexOf(int location) {
        return location >= 0 && location < entryById.length ? entryById[location] - 1 : -1;
    }

    long[] stamps(int shards) {
        if (stamps.length < shards) {
            stamps = new long[shards];
        }
        return stamps;
    }

    void setRun(int i, int run) {
        runs[i] = run;
    }
}
