package io.spillway.placement.routing;

/**
 * Spillway's load scorer (before llm-d's {@code load-aware-scorer} had its own formula, Spillway's had that name).
 * Fewer requests waiting, running and in flight from this router score higher, against a fixed threshold rather
 * than the other candidates: {@code 1 - min(load, threshold) / threshold}, so a pod at the threshold or above
 * scores 0 however loaded the rest are.
 */
public final class SpillwayLoadScorer extends PodScorer {
    public static final String TYPE = "spillway-load-scorer";
    public static final int DEFAULT_THRESHOLD = 128;

    private final int threshold;

    public SpillwayLoadScorer(int threshold) {
        if (threshold < 1) {
            throw new IllegalArgumentException("spillway-load-scorer threshold must be >= 1, got " + threshold);
        }
        this.threshold = threshold;
    }

    public int threshold() {
        return threshold;
    }

    @Override
    public String type() {
        return TYPE;
    }

    @Override
    double scoreOf(Pod pod) {
        return 1 - (double) Math.min(pod.load(), threshold) / threshold;
    }
}
