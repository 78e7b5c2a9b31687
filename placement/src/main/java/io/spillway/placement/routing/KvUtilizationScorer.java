package io.spillway.placement.routing;

/** Free KV-cache memory scores higher: {@code 1 - vllm:kv_cache_usage_perc}. */
public final class KvUtilizationScorer implements Scorer {
    public static final String TYPE = "kv-cache-utilization-scorer";

    @Override
    public String type() {
        return TYPE;
    }

    @Override
    public void score(ScoringContext ctx, double[] out) {
        for (int j = 0; j < ctx.count(); j++) {
            out[j] = 1 - ctx.pod(j).kvUtilization();
        }
    }
}
