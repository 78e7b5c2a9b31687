package io.spillway.placement.routing;

/**
 * llm-d's {@code load-aware-scorer}: from the waiting queue alone ({@code vllm:num_requests_waiting}), against a fixed
 * threshold: an empty queue scores 0.5, a queue of {@code w} scores {@code 0.5 * (1 - min(w, threshold) / threshold)}.
 * (llm-d keeps 0.5 as the best score and a threshold of 0 or less falls back to its default, 128.)
 */
public final class LoadAwareScorer extends PodScorer {
    public static final String TYPE = "load-aware-scorer";
    public static final int DEFAULT_THRESHOLD = 128;

    private final int threshold;

    /** @param threshold llm-d's {@code threshold}; 0 or less means the default, as in llm-d */
    public LoadAwareScorer(int threshold) {
        this.threshold = threshold <= 0 ? DEFAULT_THRESHOLD : threshold;
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
        int waiting = pod.waiting();
        return waiting == 0 ? 0.5 : 0.5 * (1 - (double) Math.min(waiting, threshold) / threshold);
    }
}
