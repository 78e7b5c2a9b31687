package io.spillway.router.vllm;

import io.spillway.placement.util.RecencyList;
import java.util.Arrays;
import org.agrona.collections.Long2LongHashMap;

/**
 * One pod's engine-hash aliases: from an engine block hash's 64-bit alias to the Spillway block key it was stored
 * under and how many times each of the pod's residencies announced it ({@link Residencies}' packed counts; an alias
 * whose counts are all 0 is removed). Bounded: it holds
 * at most {@code capacity} aliases, and when full the least recently used one (stored, or used as a parent) is
 * handed back by {@link #lru()} for the caller to retract and {@link #remove}. Slots live in primitive arrays that
 * grow by doubling up to the capacity, linked in recency order; no object per alias. Not thread-safe.
 */
final class PodAliases {
    private static final int INITIAL_SLOTS = 1_024;
    private static final int NONE = RecencyList.NONE;

    private final int capacity;
    private final Long2LongHashMap slotOf = new Long2LongHashMap(NONE);
    private long[] aliases;
    private long[] his;
    private long[] los;
    private long[] counts;
    private final RecencyList order;

    PodAliases(int capacity) {
        if (capacity <= 0) {
            throw new IllegalArgumentException("alias capacity must be > 0, got " + capacity);
        }
        this.capacity = capacity;
        this.order = new RecencyList(Math.min(capacity, INITIAL_SLOTS), capacity);
        allocate(order.slotCapacity());
    }

    int capacity() {
        return capacity;
    }

    int size() {
        return slotOf.size();
    }

    boolean isFull() {
        return slotOf.size() >= capacity;
    }

    /** The slot of {@code alias}, or -1. */
    int find(long alias) {
        return (int) slotOf.get(alias);
    }

    long hi(int slot) {
        return his[slot];
    }

    long lo(int slot) {
        return los[slot];
    }

    /** The residency counts of {@code slot}, packed as {@link Residencies} reads them. */
    long counts(int slot) {
        return counts[slot];
    }

    void setCounts(int slot, long residencyCounts) {
        counts[slot] = residencyCounts;
    }

    /** Points {@code slot} at another key with the given counts. */
    void set(int slot, long hi, long lo, long residencyCounts) {
        his[slot] = hi;
        los[slot] = lo;
        counts[slot] = residencyCounts;
    }

    /** Marks {@code slot} the most recently used. */
    void touch(int slot) {
        order.touch(slot);
    }

    /** Adds an alias not present yet, as the most recently used; the table must not be {@link #isFull()}. */
    int insert(long alias, long hi, long lo, long residencyCounts) {
        if (isFull()) {
            throw new IllegalStateException("alias table full at " + capacity);
        }
        int slot = order.acquire();
        if (slot >= aliases.length) {
            allocate(order.slotCapacity());
        }
        aliases[slot] = alias;
        set(slot, hi, lo, residencyCounts);
        slotOf.put(alias, slot);
        return slot;
    }

    /** The least recently used slot, or -1 when empty. */
    int lru() {
        return order.lru();
    }

    void remove(int slot) {
        slotOf.remove(aliases[slot]);
        order.release(slot);
    }

    void clear() {
        slotOf.clear();
        order.clear();
    }

    /** Calls {@code visitor} with every slot (for retracting them all). */
    void forEach(SlotVisitor visitor) {
        for (int s = order.head(); s != NONE; s = order.next(s)) {
            visitor.visit(s);
        }
    }

    @FunctionalInterface
    interface SlotVisitor {
        void visit(int slot);
    }

    private void allocate(int slots) {
        aliases = aliases == null ? new long[slots] : Arrays.copyOf(aliases, slots);
        his = his == null ? new long[slots] : Arrays.copyOf(his, slots);
        los = los == null ? new long[slots] : Arrays.copyOf(los, slots);
        counts = counts == null ? new long[slots] : Arrays.copyOf(counts, slots);
    }
}
