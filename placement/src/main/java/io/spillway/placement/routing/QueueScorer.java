package io.spillway.placement.routing;

/**
 * Shorter waiting queues score higher, scaled over the candidates: the shortest 1, the longest 0, all equal 1
 * ({@code vllm:num_requests_waiting}).
 */
public final class QueueScorer implements Scorer {
    public static final String TYPE = "queue-scorer";

    @Override
    public String type() {
        return TYPE;
    }

    @Override
    public void score(ScoringContext ctx, double[] out) {
        int min = Integer.MAX_VALUE;
        int max = 0;
        for (int j = 0; j < ctx.count(); j++) {
            int q = ctx.pod(j).waiting();
            min = Math.min(min, q);
            max = Math.max(max, q);
        }
        for (int j = 0; j < ctx.count(); j++) {
            out[j] = max == min ? 1 : (double) (max - ctx.pod(j).waiting()) / (max - min);
        }
    }
}
