package io.spillway.tier.cpu;

import java.util.Arrays;

/**
 * The order in which the CPU tier evicts blocks from its index when the index is over its byte budget
 * ({@link CpuTierContext#maxIndexBytes()}). Evicted blocks go to the demotion queue either way. Chosen with
 * {@code spillway.cpu.evictionPolicy}; the trace simulator's table in {@code docs/tier-cpu.md} is why LRU is the
 * default.
 */
public enum CpuEvictionPolicy {
    /** Least recently used first (a put or a hit makes a block most recent), weighed in bytes. The default. */
    LRU("lru"),
    /**
     * Caffeine's W-TinyLFU, weighed in bytes: a frequency sketch decides whether a block leaving the admission
     * window displaces the main space's victim, so a new block can be evicted before an older one.
     */
    W_TINYLFU("w-tinylfu");

    private final String propertyValue;

    CpuEvictionPolicy(String propertyValue) {
        this.propertyValue = propertyValue;
    }

    /** The policy's value of {@code spillway.cpu.evictionPolicy}: {@code lru} or {@code w-tinylfu}. */
    public String propertyValue() {
        return propertyValue;
    }

    /**
     * The policy for a property value ({@link #propertyValue()}) or a constant name, in any case.
     *
     * @throws IllegalArgumentException naming the unknown value and the known ones
     */
    public static CpuEvictionPolicy fromName(String name) {
        for (CpuEvictionPolicy p : values()) {
            if (p.propertyValue.equalsIgnoreCase(name) || p.name().equalsIgnoreCase(name)) {
                return p;
            }
        }
        throw new IllegalArgumentException("must be one of " + propertyValues() + ", got '" + name + "'");
    }

    /** The accepted property values, for messages: {@code [lru, w-tinylfu]}. */
    static String propertyValues() {
        return Arrays.toString(Arrays.stream(values()).map(CpuEvictionPolicy::propertyValue).toArray());
    }
}
