package io.spillway.placement.index;

/**
 * Interns {@link Location}s as 16-bit ids for {@link BlockLocationIndex}: each location has one current id; a
 * {@link BlockLocationIndex#clear} retires it and issues a fresh one. Thread-safe.
 */
public final class LocationTable {
    LocationTable() {
        throw new UnsupportedOperationException("not yet implemented");
    }

    /** The location a live or retired id stood for, or {@code null} for an id never issued. */
    public Location location(int id) {
        throw new UnsupportedOperationException("not yet implemented");
    }

    /** The current id of {@code location}, or 0 when it was never interned. */
    public int find(Location location) {
        throw new UnsupportedOperationException("not yet implemented");
    }

    /** Whether {@code id} is the current id of its location (not retired). */
    public boolean isLive(int id) {
        throw new UnsupportedOperationException("not yet implemented");
    }
}
