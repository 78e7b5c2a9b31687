package io.spillway.placement.routing;

/**
 * Fewer requests waiting, running and in flight from this router score higher, against a fixed threshold rather
 * than the other candidates: {@code 1 - min(load, threshold) / threshold}, so a pod at the threshold or above
 * scores 0 however loaded the rest are.
 */
public final class LoadAwareScorer extends PodScorer {
    public static final String TYPE = "load-aware-scorer";
    public static final int DEFAULT_THRESHOLD = 128;

    private final int threshold;

    public LoadAwareScorer(int threshold) {
        if (threshold < 1) {
            throw new IllegalArgumentException("load-aware threshold must be >= 1, got " + threshold);
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
