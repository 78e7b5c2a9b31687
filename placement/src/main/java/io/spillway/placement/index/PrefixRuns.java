package io.spillway.placement.index;

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
     * Entry of each location, for the index's lookups: open addressing over {@code entry << 16 | location} (never 0,
     * as a location id is at least 1), at most half full.
     */
    private int[] entries = new int[32];

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
        if (size > 0) {
            java.util.Arrays.fill(entries, 0);
            size = 0;
        }
    }

    void add(int location, int run) {
        if (size == locations.length) {
            locations = java.util.Arrays.copyOf(locations, size * 2);
            runs = java.util.Arrays.copyOf(runs, size * 2);
        }
        locations[size] = location;
        runs[size] = run;
        size++;
        if (size * 2 > entries.length) {
            entries = new int[entries.length * 2];
            for (int i = 0; i < size; i++) {
                putEntry(locations[i], i);
            }
        } else {
            putEntry(location, size - 1);
        }
    }

    /** The entry of {@code location}, or -1 when it has none. */
    int indexOf(int location) {
        int m = entries.length - 1;
        for (int s = slot(location, m); ; s = (s + 1) & m) {
            int e = entries[s];
            if (e == 0) {
                return -1;
            }
            if ((e & 0xFFFF) == location) {
                return e >>> 16;
            }
        }
    }

    private void putEntry(int location, int i) {
        int m = entries.length - 1;
        int s = slot(location, m);
        while (entries[s] != 0) {
            s = (s + 1) & m;
        }
        entries[s] = i << 16 | location;
    }

    private static int slot(int location, int mask) {
        return (location * 0x9E3779B9 >>> 16) & mask;
    }

    void setRun(int i, int run) {
        runs[i] = run;
    }
}
