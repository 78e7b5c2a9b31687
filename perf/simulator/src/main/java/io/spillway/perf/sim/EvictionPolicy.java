package io.spillway.perf.sim;

/**
 * The adapter every simulated policy implements: a cache of equal-weight blocks named by {@code long} keys. The
 * simulator calls {@link #lookup} for a request's leading blocks until the first miss, then {@link #insert} for all
 * of its blocks in order.
 */
public interface EvictionPolicy {
    /** Short name for tables, e.g. {@code lru}. */
    String name();

    /** Whether the block is cached; a hit counts as an access to it. */
    boolean lookup(long key);

    /** Makes the block cached (evicting others if the policy must), or refreshes it if it already is. */
    void insert(long key);
}
