package io.spillway.tier;

import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.LongAdder;

/**
 * The figures every tier keeps. Counters only grow; {@code bytes} and {@code blocks} are gauges of what the tier
 * holds now. Exposed by the server as Prometheus metrics.
 */
public final class TierCounters {
    public final AtomicLong bytes = new AtomicLong();
    public final AtomicLong blocks = new AtomicLong();
    public final LongAdder hits = new LongAdder();
    public final LongAdder misses = new LongAdder();
    public final LongAdder puts = new LongAdder();
    public final LongAdder evictions = new LongAdder();
    /** Blocks this tier handed to the next tier down. */
    public final LongAdder demotions = new LongAdder();
    /** Blocks copied up into this tier from a slower one. */
    public final LongAdder promotions = new LongAdder();
    /** Puts answered with BACK_PRESSURE. */
    public final LongAdder backPressured = new LongAdder();
    /** Blocks found corrupt on read (counted as misses too). */
    public final LongAdder corrupt = new LongAdder();
    /** Blocks dropped because the next tier refused them. */
    public final LongAdder dropped = new LongAdder();
    /**
     * Puts of a key already held, acknowledged {@code OK} without storing anything (blocks are immutable per key:
     * the first value wins). Counted by the tier that held the key; a put that a faster tier turned away because a
     * slower one holds the key is counted by the slower one.
     */
    public final LongAdder duplicates = new LongAdder();
    /**
     * Demotion attempts the next tier answered {@code BACK_PRESSURE} (full, or its disk cannot take writes now):
     * the block stays queued, readable, and is tried again; each attempt is counted.
     */
    public final LongAdder demotionFailures = new LongAdder();

    @Override
    public String toString() {
        return "bytes=" + bytes.get() + " blocks=" + blocks.get() + " hits=" + hits.sum() + " misses=" + misses.sum()
            + " puts=" + puts.sum() + " evictions=" + evictions.sum() + " demotions=" + demotions.sum()
            + " promotions=" + promotions.sum() + " backPressured=" + backPressured.sum()
            + " corrupt=" + corrupt.sum() + " dropped=" + dropped.sum() + " duplicates=" + duplicates.sum()
            + " demotionFailures=" + demotionFailures.sum();
    }
}
