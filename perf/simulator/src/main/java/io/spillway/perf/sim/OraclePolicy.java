package io.spillway.perf.sim;

import java.util.HashSet;
import java.util.Set;

/** The upper bound: an unbounded cache, so every block seen before hits. */
public final class OraclePolicy implements EvictionPolicy {
    private final Set<Long> seen = new HashSet<>();

    @Override
    public String name() {
        return "oracle";
    }

    @Override
    public boolean lookup(long key) {
        return seen.contains(key);
    }

    @Override
    public void insert(long key) {
        seen.add(key);
    }
}
