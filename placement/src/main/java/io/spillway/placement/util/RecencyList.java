package io.spillway.placement.util;

import java.util.Arrays;

/**
 * Slots in recency order, for least-recently-used tables kept in primitive arrays: a slot is an index into the
 * caller's own arrays of payload; this class links the slots in use from the most recently used ({@link #head}) to
 * the least ({@link #lru}) and keeps the freed ones for reuse. Slot arrays start at {@code initialSlots} and double
 * as slots are acquired, up to {@code maxSlots}; a caller keeping payload per slot grows its arrays to {@link
 * #slotCapacity()}. Not thread-safe.
 */
public final class RecencyList {
    public static final int NONE = -1;

    private final int maxSlots;
    private int[] prev;
    private int[] next;
    private int head = NONE;
    private int tail = NONE;
    private int freeList = NONE;
    private int used;
    private int size;

    public RecencyList(int initialSlots, int maxSlots) {
        if (initialSlots < 1 || maxSlots < initialSlots) {
            throw new IllegalArgumentException("slots must be 1 <= initial <= max, got " + initialSlots + " and "
                + maxSlots);
        }
        this.maxSlots = maxSlots;
        prev = new int[initialSlots];
        next = new int[initialSlots];
    }

    /** Slots in use. */
    public int size() {
        return size;
    }

    /** The length a caller's per-slot arrays need now: every slot acquired so far is below it. */
    public int slotCapacity() {
        return prev.length;
    }

    /**
     * A free slot, linked as the most recently used.
     *
     * @throws IllegalStateException when all {@code maxSlots} are in use
     */
    public int acquire() {
        int slot;
        if (freeList != NONE) {
            slot = freeList;
            freeList = next[slot];
        } else {
            if (used == maxSlots) {
                throw new IllegalStateException("all " + maxSlots + " slots are in use");
            }
            if (used == prev.length) {
                int grown = (int) Math.min(maxSlots, 2L * used);
                prev = Arrays.copyOf(prev, grown);
                next = Arrays.copyOf(next, grown);
            }
            slot = used++;
        }
        linkFirst(slot);
        size++;
        return slot;
    }

    /** Unlinks {@code slot} (in use) and frees it for a later {@link #acquire}. */
    public void release(int slot) {
        unlink(slot);
        next[slot] = freeList;
        freeList = slot;
        size--;
    }

    /** Marks {@code slot} (in use) the most recently used. */
    public void touch(int slot) {
        if (slot != head) {
            unlink(slot);
            linkFirst(slot);
        }
    }

    /** The most recently used slot, or {@link #NONE}. */
    public int head() {
        return head;
    }

    /** The least recently used slot, or {@link #NONE}. */
    public int lru() {
        return tail;
    }

    /** The slot used before {@code slot}, in recency order, or {@link #NONE}. */
    public int next(int slot) {
        return next[slot];
    }

    /** Frees every slot. */
    public void clear() {
        head = NONE;
        tail = NONE;
        freeList = NONE;
        used = 0;
        size = 0;
    }

    private void linkFirst(int slot) {
        prev[slot] = NONE;
        next[slot] = head;
        if (head != NONE) {
            prev[head] = slot;
        }
        head = slot;
        if (tail == NONE) {
            tail = slot;
        }
    }

    private void unlink(int slot) {
        int p = prev[slot];
        int n = next[slot];
        if (p != NONE) {
            next[p] = n;
        } else {
            head = n;
        }
        if (n != NONE) {
            prev[n] = p;
        } else {
            tail = p;
        }
    }
}
