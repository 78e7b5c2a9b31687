package io.spillway.cluster;

import io.spillway.key.BlockKey;

/**
 * The partition of a block: a pure function of its key, identical on every node and client. Keys are SHA-256
 * derived (docs/block-keys.md), so the high 64 bits are uniform and the unsigned remainder spreads keys evenly.
 */
public final class Partitioner {
    private Partitioner() {
    }

    /** The partition of {@code key} in a map of {@code partitions} partitions, in {@code [0, partitions)}. */
    public static int partition(BlockKey key, int partitions) {
        if (partitions <= 0) {
            throw new IllegalArgumentException("partitions must be > 0, got " + partitions);
        }
        return (int) Long.remainderUnsigned(key.hi(), partitions);
    }
}
