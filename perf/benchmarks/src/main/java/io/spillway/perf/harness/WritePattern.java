package io.spillway.perf.harness;

/** Which ids a put writes. */
public enum WritePattern {
    /** Random ids of the working set, rewriting blocks already there. */
    OVERWRITE,
    /**
     * Ids never written before in this run: every put stores a new block, as a KV cache sees (Spillway blocks are
     * immutable per key, so rewriting a key would not store anything).
     */
    FRESH
}
