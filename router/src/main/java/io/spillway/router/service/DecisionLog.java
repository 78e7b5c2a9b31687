package io.spillway.router.service;

import io.spillway.placement.routing.Decision;
import io.spillway.placement.routing.Pod;
import io.spillway.router.schedule.Outcome;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * The last decisions for the debug view: each with its outcome, the pods picked, the hit and uncached tokens, and
 * every candidate's score per scorer. Bounded; thread-safe.
 */
public final class DecisionLog {
    private final int capacity;
    private final ArrayDeque<Map<String, Object>> entries = new ArrayDeque<>();

    public DecisionLog(int capacity) {
        if (capacity < 1) {
            throw new IllegalArgumentException("decision log capacity must be >= 1, got " + capacity);
        }
        this.capacity = capacity;
    }

    public void record(Outcome outcome, long epochMillis) {
        Map<String, Object> e = new LinkedHashMap<>();
        e.put("at", epochMillis);
        e.put("outcome", outcome.kind().name().toLowerCase(Locale.ROOT));
        if (outcome.reason() != null) {
            e.put("reason", outcome.reason());
        }
        e.put("tokenizeMicros", outcome.tokenizeNanos() / 1_000);
        e.put("decideMicros", outcome.decideNanos() / 1_000);
        Decision d = outcome.decision();
        if (d != null) {
            e.put("pod", d.pod().address());
            if (d.split()) {
                e.put("prefill", d.prefill().address());
            }
            e.put("fallbacks", d.fallbacks().stream().map(Pod::address).toList());
            e.put("hitTokens", d.hitTokens());
            e.put("uncachedTokens", d.uncachedTokens());
            e.put("cold", d.cold());
            e.put("hits", Map.of("gpuBlocks", d.hits().gpuBlocks(), "offloadBlocks", d.hits().offloadBlocks(),
                "clusterBlocks", d.hits().clusterBlocks()));
            List<Map<String, Object>> scores = new ArrayList<>();
            for (Decision.PodScores s : d.scores()) {
                Map<String, Object> row = new LinkedHashMap<>();
                row.put("pod", s.pod());
                row.put("scores", s.byScorer());
                row.put("total", s.total());
                scores.add(row);
            }
            e.put("candidates", scores);
        }
        synchronized (entries) {
            entries.addFirst(e);
            while (entries.size() > capacity) {
                entries.removeLast();
            }
        }
    }

    /** The decisions kept, newest first. */
    public List<Map<String, Object>> recent() {
        synchronized (entries) {
            return List.copyOf(entries);
        }
    }
}
