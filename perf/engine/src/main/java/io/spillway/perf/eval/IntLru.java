package io.spillway.perf.eval;

import io.spillway.placement.util.RecencyList;
import java.util.Arrays;
import org.agrona.collections.Int2IntHashMap;

/**
 * A least-recently-used set of non-negative int ids with a fixed capacity, in primitive arrays (no object per
 * entry): the simulator's GPU prefix caches and cluster tiers hold millions of block ids, touched hundreds of
 * millions of times in a run. Not thread-safe.
 */
final class IntLru {
    private static final int NONE = RecencyList.NONE;

    private final int capacity;
    private final Int2IntHashMap slotOf;
    private final RecencyList order;
    private int[] ids;

    IntLru(int capacity) {
        if (capacity < 1) {
            throw new IllegalArgumentException("capacity must be >= 1, got " + capacity);
        }
        this.capacity = capacity;
        int initial = Math.min(capacity, 1 << 16);
        this.slotOf = new Int2IntHashMap(initial * 2, 0.65f, NONE);
        this.order = new RecencyList(initial, capacity);
        this.ids = new int[initial];
    }

    int size() {
        return order.size();
    }

    int capacity() {
        return capacity;
    }

    boolean contains(int id) {
        return slotOf.get(id) != NONE;
    }

    /** Marks {@code id} most recently used if present; returns whether it was. */
    boolean touch(int id) {
        int slot = slotOf.get(id);
        if (slot == NONE) {
            return false;
        }
        order.touch(slot);
        return true;
    }

    /**
     * Adds {@code id} as the most recently used (or refreshes it); returns the id it evicted to make room, or -1.
     */
    int add(int id) {
        int slot = slotOf.get(id);
        if (slot != NONE) {
            order.touch(slot);
            return NONE;
        }
        int evicted = NONE;
        if (order.size() == capacity) {
            int lru = order.lru();
            evicted = ids[lru];
            slotOf.remove(evicted);
            order.release(lru);
        }
        slot = order.acquire();
        if (slot >= ids.length) {
            ids = Arrays.copyOf(ids, order.slotCapacity());
        }
        ids[slot] = id;
        slotOf.put(id, slot);
        return evicted;
    }

    /** Removes {@code id}; returns whether it was there. */
    boolean remove(int id) {
        int slot = slotOf.remove(id);
        if (slot == NONE) {
            return false;
        }
        order.release(slot);
        return true;
    }
}
