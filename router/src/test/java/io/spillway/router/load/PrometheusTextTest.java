package io.spillway.router.load;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

import org.junit.jupiter.api.Test;

/** The samples of a vLLM metrics page the router reads, and what it skips. */
class PrometheusTextTest {
    /** Written from vLLM's metric names and the text format: gauges with a model label, an info metric. */
    static final String PAGE = """
        # HELP vllm:num_requests_running Number of requests in model execution batches.
        # TYPE vllm:num_requests_running gauge
        vllm:num_requests_running{engine="0",model_name="meta-llama/Llama-3.1-8B"} 5.0
        # TYPE vllm:num_requests_waiting gauge
        vllm:num_requests_waiting{engine="0",model_name="meta-llama/Llama-3.1-8B"} 3.0
        vllm:num_requests_waiting{engine="1",model_name="meta-llama/Llama-3.1-8B"} 1.0
        vllm:kv_cache_usage_perc{engine="0",model_name="meta-llama/Llama-3.1-8B"} 0.375
        vllm:cache_config_info{block_size="16",cache_dtype="auto",num_gpu_blocks="27000",note="a \\"quoted\\" one"} 1.0
        vllm:prompt_tokens_total{model_name="m"} 12345
        broken line without value
        vllm:num_requests_running{engine="1"} NaN
        """;

    @Test
    void readsSumsOverLabelSetsAndInfoLabels() {
        PodLoad load = PodLoad.of(PAGE, 42, 0);
        assertEquals(4, load.waiting(), "two engines' queues summed");
        assertEquals(5, load.running(), "a NaN sample skipped");
        assertEquals(0.375, load.kvUtilization());
        assertEquals(16, load.blockSize());
        assertEquals(42, load.scrapedNanos());
        PrometheusText t = PrometheusText.parse(PAGE, PodLoad.METRICS);
        assertEquals("a \"quoted\" one", t.label("vllm:cache_config_info", "note"));
    }

    @Test
    void olderVllmNamesTheKvUsageGpuCacheUsage() {
        PodLoad load = PodLoad.of("vllm:num_requests_waiting 0\nvllm:gpu_cache_usage_perc 0.5\n", 1, 0);
        assertEquals(0.5, load.kvUtilization());
        assertEquals(0, load.blockSize());
    }

    @Test
    void aPageWithoutQueueMetricsIsNoReading() {
        assertNull(PodLoad.of("<html>not metrics</html>", 1, 0));
        assertNull(PodLoad.of("", 1, 0));
    }
}
