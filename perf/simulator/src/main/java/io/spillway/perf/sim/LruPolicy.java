package io.spillway.perf.sim;

import java.util.LinkedHashMap;
import java.util.Map;

/** Least recently used, over a {@link LinkedHashMap} in access order; both lookup hits and inserts refresh. */
public final class LruPolicy implements EvictionPolicy {
    private final LinkedHashMap<Long, Boolean> map;

    public LruPolicy(long capacityBlocks) {
        if (capacityBlocks < 1) {
            throw new IllegalArgumentException("capacityBlocks " + capacityBlocks + " < 1");
        }
        this.map = new LinkedHashMap<>(16, 0.75f, true) {
            @Override
            protected boolean removeEldestEntry(Map.Entry<Long, Boolean> eldest) {
                return size() > capacityBlocks;
            }
        };
    }

    @Override
    public String name() {
        return "lru";
    }

    @Override
    public boolean lookup(long key) {
        return map.get(key) != null;
    }

    @Override
    public void insert(long key) {
        map.put(key, Boolean.TRUE);
    }
}
