package io.spillway.placement.index;

import io.spillway.key.BlockKey;
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
 * write, and the id is reused only after its purge completed.
 *
 * <p><b>Threads.</b> Any number of readers and writers; writes are serialised by one lock, held for one call (a
 * batch call holds it for its whole batch), and reads never wait for a purge.
 */
public final class BlockLocationIndex {
    /** Location ids are 1..MAX_LOCATION_ID (16 bits, 0 means "none"). */
    public static final int MAX_LOCATION_ID = 65_535;

    /**
     * @param maxKeys the most keys held before CLOCK eviction; at least 1
     * @throws IllegalArgumentException naming the value when it is out of range
     */
    public BlockLocationIndex(long maxKeys) {
        throw new UnsupportedOperationException("not yet implemented");
    }

    /** The id table: {@link Location} to its current id and back. */
    public LocationTable locations() {
        throw new UnsupportedOperationException("not yet implemented");
    }

    /** The current id of {@code location}, interned on first use. */
    public int location(Location location) {
        throw new UnsupportedOperationException("not yet implemented");
    }

    /**
     * Forgets every block at {@code location} (a pod's {@code AllBlocksCleared}, a node that left or restarted, a
     * snapshot about to be loaded) and returns the location's new id; see the class comment.
     */
    public int clear(Location location) {
        throw new UnsupportedOperationException("not yet implemented");
    }

    /** Records that {@code location} holds the key; true when it did not before. */
    public boolean add(long hi, long lo, int location) {
        throw new UnsupportedOperationException("not yet implemented");
    }

    /** Records that {@code location} no longer holds the key; true when it did. A key left with no location goes. */
    public boolean remove(long hi, long lo, int location) {
        throw new UnsupportedOperationException("not yet implemented");
    }

    /**
     * {@link #add} for {@code count} keys packed in {@code buffer} from {@code offset}, each 16 bytes: {@code hi} then
     * {@code lo}, big-endian (the block key's wire form, docs/block-keys.md), under one hold of the write lock.
     *
     * @return how many were new at that location
     */
    public int addAll(int location, DirectBuffer buffer, int offset, int count) {
        throw new UnsupportedOperationException("not yet implemented");
    }

    /** {@link #remove} for {@code count} packed keys, as {@link #addAll(int, DirectBuffer, int, int)} reads them. */
    public int removeAll(int location, DirectBuffer buffer, int offset, int count) {
        throw new UnsupportedOperationException("not yet implemented");
    }

    /** Moves {@code count} packed keys from one location to another (a tier demotion), under one lock hold. */
    public int moveAll(int from, int to, DirectBuffer buffer, int offset, int count) {
        throw new UnsupportedOperationException("not yet implemented");
    }

    /** {@link #add} for keys given as parallel arrays, under one lock hold. */
    public int addAll(int location, long[] his, long[] los, int count) {
        throw new UnsupportedOperationException("not yet implemented");
    }

    /** {@link #remove} for keys given as parallel arrays, under one lock hold. */
    public int removeAll(int location, long[] his, long[] los, int count) {
        throw new UnsupportedOperationException("not yet implemented");
    }

    /** Whether {@code location} holds the key (not a reference for CLOCK). */
    public boolean contains(long hi, long lo, int location) {
        throw new UnsupportedOperationException("not yet implemented");
    }

    /** Writes the live location ids holding the key into {@code out} (grown by the caller); returns how many. */
    public int locationsOf(long hi, long lo, int[] out) {
        throw new UnsupportedOperationException("not yet implemented");
    }

    /**
     * For every location holding {@code keys[0]}, the number of leading keys of the chain it holds without a gap,
     * written into {@code out} (cleared first). Marks the keys it finds as referenced.
     */
    public void longestPrefix(BlockKey[] keys, PrefixRuns out) {
        throw new UnsupportedOperationException("not yet implemented");
    }

    /** The same as {@link #longestPrefix(BlockKey[], PrefixRuns)} over the first {@code count} keys of the arrays. */
    public void longestPrefix(long[] his, long[] los, int count, PrefixRuns out) {
        throw new UnsupportedOperationException("not yet implemented");
    }

    /** Calls {@code consumer} with every (key, live location) pair; for tests and diagnostics, holds the read lock. */
    public void forEach(KeyLocationConsumer consumer) {
        throw new UnsupportedOperationException("not yet implemented");
    }

    /** Keys held now (a key whose only locations are retired counts until purged). */
    public long size() {
        throw new UnsupportedOperationException("not yet implemented");
    }

    /** Keys held at one live location id. */
    public long sizeOf(int location) {
        throw new UnsupportedOperationException("not yet implemented");
    }

    /** Keys evicted by CLOCK since creation. */
    public long evictions() {
        throw new UnsupportedOperationException("not yet implemented");
    }

    /** Bytes of the index's own arrays (keys, locations, marks, the overflow pool): what it costs the heap. */
    public long memoryBytes() {
        throw new UnsupportedOperationException("not yet implemented");
    }

    /** The bound given at construction. */
    public long maxKeys() {
        throw new UnsupportedOperationException("not yet implemented");
    }

    /** One (key, location) pair of {@link #forEach}. */
    @FunctionalInterface
    public interface KeyLocationConsumer {
        void accept(long hi, long lo, int location);
    }
}
