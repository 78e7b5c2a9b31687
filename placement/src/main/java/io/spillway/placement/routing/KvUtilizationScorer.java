package io.spillway.placement.routing;

/** Free KV-cache memory scores higher: {@code 1 - vllm:kv_cache_usage_perc}. */
public final class KvUtilizationScorer extends PodScorer {
    public static final String TYPE = "kv-cache-utilization-scorer";

    @Override
    public String type() {
        return TYPE;
    }

    @Override
    double scoreOf(Pod pod) {
        return 1 - pod.kvUtilization();
    }
}
