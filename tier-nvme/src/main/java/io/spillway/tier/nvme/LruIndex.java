package io.spillway.tier.nvme;

import io.spillway.key.BlockKey;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The tier's in-memory index: every stored key with its weight (record bytes), in least- to most-recently-used
 * order. Not thread-safe; the tier guards it with one lock.
 */
final class LruIndex {
    private final LinkedHashMap<BlockKey, Integer> entries = new LinkedHashMap<>();
    private long bytes;

    boolean contains(BlockKey key) {
        return entries.containsKey(key);
    }

    /** The key's weight, or -1 when absent. Does not change the order. */
    int weight(BlockKey key) {
        Integer w = entries.get(key);
        return w == null ? -1 : w;
    }

    /** Adds the key as the most recently used; returns false (and changes nothing) if it is present. */
    boolean add(BlockKey key, int weight) {
        if (entries.putIfAbsent(key, weight) != null) {
            return false;
        }
        bytes += weight;
        return true;
    }

    /** Makes the key the most recently used; returns whether it is present. */
    boolean touch(BlockKey key) {
        Integer w = entries.remove(key);
        if (w == null) {
            return false;
        }
        entries.put(key, w);
        return true;
    }

    /** Removes the key; returns its weight, or -1 when absent. */
    int remove(BlockKey key) {
        Integer w = entries.remove(key);
        if (w == null) {
            return -1;
        }
        bytes -= w;
        return w;
    }

    /** Removes least recently used keys until the total weight is at most {@code capacity}; returns them. */
    List<BlockKey> evictOver(long capacity) {
        List<BlockKey> victims = new ArrayList<>();
        Iterator<Map.Entry<BlockKey, Integer>> it = entries.entrySet().iterator();
        while (bytes > capacity && it.hasNext()) {
            Map.Entry<BlockKey, Integer> eldest = it.next();
            bytes -= eldest.getValue();
            victims.add(eldest.getKey());
            it.remove();
        }
        return victims;
    }

    long bytes() {
        return bytes;
    }

    /** Forgets every key (before the index is rebuilt from a reopened database). */
    void clear() {
        entries.clear();
        bytes = 0;
    }

    int size() {
        return entries.size();
    }

    /** Keys from least to most recently used (a copy). */
    List<BlockKey> keysInOrder() {
        return new ArrayList<>(entries.keySet());
    }
}
