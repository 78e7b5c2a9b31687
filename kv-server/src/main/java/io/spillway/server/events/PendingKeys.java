package io.spillway.server.events;

import java.util.Arrays;

/**
 * Keys whose holding changed and that wait to be published, each once however often it changed (the feed publishes
 * what the tiers hold when it gets to a key, so repeated changes coalesce). First marked, first published. Bounded:
 * {@link #mark} refuses a new key when full. Primitive arrays only: open addressing on the key's two longs with
 * backward-shift deletion, and a FIFO of keys. One thread.
 */
final class PendingKeys {
    private final int maxKeys;
    private final int tableMask;
    private final long[] tableHi;
    private final long[] tableLo;
    /** Tier bits of each slot's key; 0 marks an empty slot. */
    private final byte[] tableTiers;
    private final int fifoMask;
    private final long[] fifoHi;
    private final long[] fifoLo;
    private long head;
    private long tail;
    private int size;
    private long coalesced;

    PendingKeys(int maxKeys) {
        if (maxKeys < 1 || maxKeys > 1 << 28) {
            throw new IllegalArgumentException("maxKeys must be in [1, 2^28], got " + maxKeys);
        }
        this.maxKeys = maxKeys;
        int fifo = Integer.highestOneBit(maxKeys - 1 == 0 ? 1 : maxKeys - 1) << 1;
        fifoMask = fifo - 1;
        fifoHi = new long[fifo];
        fifoLo = new long[fifo];
        int table = fifo * 2;
        tableMask = table - 1;
        tableHi = new long[table];
        tableLo = new long[table];
        tableTiers = new byte[table];
    }

    /**
     * Marks the key as changed in the tiers of {@code tierBits} (bit {@code 1 << tier.ordinal()}); returns false,
     * changing nothing, when the key is new and {@link #maxKeys} keys already wait.
     */
    boolean mark(long hi, long lo, int tierBits) {
        int slot = slotOf(hi, lo);
        while (tableTiers[slot] != 0) {
            if (tableHi[slot] == hi && tableLo[slot] == lo) {
                tableTiers[slot] |= (byte) tierBits;
                coalesced++;
                return true;
            }
            slot = (slot + 1) & tableMask;
        }
        if (size == maxKeys) {
            return false;
        }
        tableHi[slot] = hi;
        tableLo[slot] = lo;
        tableTiers[slot] = (byte) tierBits;
        int f = (int) (tail++ & fifoMask);
        fifoHi[f] = hi;
        fifoLo[f] = lo;
        size++;
        return true;
    }

    /** Whether another new key would be refused. */
    boolean isFull() {
        return size == maxKeys;
    }

    int size() {
        return size;
    }

    /** Marks that found their key already waiting, since creation. */
    long coalesced() {
        return coalesced;
    }

    /** The oldest waiting key's {@code hi}; only when {@link #size()} is above 0. */
    long headHi() {
        return fifoHi[(int) (head & fifoMask)];
    }

    long headLo() {
        return fifoLo[(int) (head & fifoMask)];
    }

    /** Removes the oldest waiting key and returns its tier bits. */
    int pollHead() {
        if (size == 0) {
            throw new IllegalStateException("no key waits");
        }
        int f = (int) (head++ & fifoMask);
        long hi = fifoHi[f];
        long lo = fifoLo[f];
        int slot = slotOf(hi, lo);
        while (tableHi[slot] != hi || tableLo[slot] != lo || tableTiers[slot] == 0) {
            slot = (slot + 1) & tableMask;
        }
        int bits = tableTiers[slot];
        delete(slot);
        size--;
        return bits;
    }

    /** Forgets every waiting key (their changes are covered some other way, such as a declared gap). */
    void clear() {
        Arrays.fill(tableTiers, (byte) 0);
        head = tail;
        size = 0;
    }

    private void delete(int slot) {
        int hole = slot;
        int next = (hole + 1) & tableMask;
        while (tableTiers[next] != 0) {
            int home = slotOf(tableHi[next], tableLo[next]);
            // move the entry back into the hole unless its home lies cyclically in (hole, next]
            if (((next - home) & tableMask) >= ((next - hole) & tableMask)) {
                tableHi[hole] = tableHi[next];
                tableLo[hole] = tableLo[next];
                tableTiers[hole] = tableTiers[next];
                hole = next;
            }
            next = (next + 1) & tableMask;
        }
        tableTiers[hole] = 0;
    }

    private int slotOf(long hi, long lo) {
        long h = (hi * 0x9E3779B97F4A7C15L) ^ lo;
        h ^= h >>> 29;
        h *= 0xBF58476D1CE4E5B9L;
        h ^= h >>> 32;
        return (int) h & tableMask;
    }
}
