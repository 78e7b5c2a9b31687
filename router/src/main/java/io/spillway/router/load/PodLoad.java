package io.spillway.router.load;

import java.util.Set;

/**
 * A pod's load as its last good scrape read it.
 *
 * @param waiting       {@code vllm:num_requests_waiting}
 * @param running       {@code vllm:num_requests_running}
 * @param kvUtilization {@code vllm:kv_cache_usage_perc} (0..1; older vLLM: {@code vllm:gpu_cache_usage_perc})
 * @param blockSize     {@code block_size} of {@code vllm:cache_config_info}, 0 when not published
 * @param scrapedNanos  when it was read ({@link System#nanoTime()})
 * @param sentBefore    requests the router had sent the pod when the scrape began ({@link InFlight#sent})
 */
public record PodLoad(int waiting, int running, double kvUtilization, int blockSize, long scrapedNanos,
                      long sentBefore) {
    static final String WAITING = "vllm:num_requests_waiting";
    static final String RUNNING = "vllm:num_requests_running";
    static final String KV_USAGE = "vllm:kv_cache_usage_perc";
    static final String KV_USAGE_OLD = "vllm:gpu_cache_usage_perc";
    static final String CACHE_CONFIG = "vllm:cache_config_info";
    static final Set<String> METRICS = Set.of(WAITING, RUNNING, KV_USAGE, KV_USAGE_OLD,
        CACHE_CONFIG);

    /**
     * The load in a scrape's text, or null when it has neither queue metric (not a vLLM metrics page).
     */
    static PodLoad of(String text, long nowNanos, long sentBefore) {
        PrometheusText t = PrometheusText.parse(text, METRICS);
        if (!t.has(WAITING) && !t.has(RUNNING)) {
            return null;
        }
        double kv = t.has(KV_USAGE) ? t.value(KV_USAGE, 0) : t.value(KV_USAGE_OLD, 0);
        String block = t.label(CACHE_CONFIG, "block_size");
        int blockSize = 0;
        if (block != null) {
            try {
                blockSize = Integer.parseInt(block.trim());
            } catch (NumberFormatException e) {
                blockSize = 0;
            }
        }
        return new PodLoad((int) Math.max(0, t.value(WAITING, 0)), (int) Math.max(0, t.value(RUNNING, 0)),
            Math.min(1, Math.max(0, kv)), blockSize, nowNanos, sentBefore);
    }
}
