package io.spillway.perf.eval.sidebyside;

import java.util.List;
import java.util.Map;

/**
 * One router's run: requests sent and served, the pods' own prefix-cache counters over the run (tokens found cached
 * and tokens looked up, {@code vllm:prefix_cache_hits} and {@code vllm:prefix_cache_queries}), time to first token at
 * the client (ext_proc decision, forwarding and the pod's prefill, to the first streamed chunk), and where requests
 * went.
 */
record ReplayResult(String router, int requests, int served, long hitTokens, long queriedTokens, double ttftP50Ms,
                    double ttftP90Ms, double decideP50Ms, Map<String, Integer> perPod, List<String> failures) {

    double hitRate() {
        return queriedTokens == 0 ? 0 : (double) hitTokens / queriedTokens;
    }

    String row() {
        return String.format("| %s | %d / %d | %,d | %.1f%% | %.0f | %.0f | %.1f | %s |", router, served, requests,
            hitTokens, 100 * hitRate(), ttftP50Ms, ttftP90Ms, decideP50Ms, perPod.values());
    }

    static String header() {
        return "| router | served | hit tokens | hit rate | TTFT p50 ms | TTFT p90 ms | decision p50 ms | "
            + "requests per pod |\n|---|---|---|---|---|---|---|---|";
    }
}
