package io.spillway.perf.eval;

import java.util.Locale;

/** The routing policies the evaluation compares, each on the same workload and seed. */
public enum Policy {
    /** Any pod, uniformly at random. */
    RANDOM,
    /** Pods in turn. */
    ROUND_ROBIN,
    /** Least loaded: llm-d's queue and KV-utilisation scorers (2 and 2), no prefix. */
    LOAD,
    /**
     * llm-d's approximate prefix scorer: the router remembers which pod it sent each block to (an LRU per pod the
     * size of a pod's GPU cache), not what the pods hold; llm-d's default weights.
     */
    APPROXIMATE,
    /** llm-d's precise prefix scorer: an index fed by the pods' KV events; llm-d's default weights (3, 2, 2). */
    PRECISE,
    /** Precise, with the Spillway cluster's tiers: pods offload evicted blocks and load cluster hits. */
    SPILLWAY;

    public String label() {
        return name().toLowerCase(Locale.ROOT).replace('_', '-');
    }

    public static Policy parse(String label) {
        for (Policy p : values()) {
            if (p.label().equals(label)) {
                return p;
            }
        }
        throw new IllegalArgumentException("unknown policy '" + label + "': expected random, round-robin, load, "
            + "approximate, precise or spillway");
    }
}
