package io.spillway.perf.sim;

import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Segmented LRU: new blocks enter a probation segment; a lookup hit moves a block to the protected segment (at most
 * {@code protectedFraction} of the capacity), whose least recent block falls back to probation. Eviction takes the
 * least recent probation block. An insert of a cached block refreshes it within its segment and promotes nothing.
 */
public final class SlruPolicy implements EvictionPolicy {
    private final long capacity;
    private final long protectedCapacity;
    private final LinkedHashMap<Long, Boolean> probation = new LinkedHashMap<>(16, 0.75f, true);
    private final LinkedHashMap<Long, Boolean> protectedSegment = new LinkedHashMap<>(16, 0.75f, true);

    public SlruPolicy(long capacityBlocks, double protectedFraction) {
        if (capacityBlocks < 1) {
            throw new IllegalArgumentException("capacityBlocks " + capacityBlocks + " < 1");
        }
        if (!(protectedFraction >= 0 && protectedFraction < 1)) {
            throw new IllegalArgumentException("protectedFraction " + protectedFraction + " not in [0, 1)");
        }
        this.capacity = capacityBlocks;
        this.protectedCapacity = (long) (capacityBlocks * protectedFraction);
    }

    @Override
    public String name() {
        return "slru";
    }

    @Override
    public boolean lookup(long key) {
        if (protectedSegment.get(key) != null) {
            return true;
        }
        if (probation.remove(key) == null) {
            return false;
        }
        protectedSegment.put(key, Boolean.TRUE);
        if (protectedSegment.size() > protectedCapacity) {
            Long demoted = eldest(protectedSegment);
            protectedSegment.remove(demoted);
            probation.put(demoted, Boolean.TRUE);
        }
        return true;
    }

    @Override
    public void insert(long key) {
        if (protectedSegment.get(key) != null || probation.get(key) != null) {
            return; // get() in access order is the refresh
        }
        probation.put(key, Boolean.TRUE);
        if (probation.size() + protectedSegment.size() > capacity) {
            probation.remove(eldest(probation)); // protected < capacity, so probation holds at least the new block
        }
    }

    private static Long eldest(Map<Long, Boolean> segment) {
        return segment.keySet().iterator().next();
    }
}
