package io.spillway.placement.routing;

import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Spreads cold requests (no candidate holds any of their prefix): the pod given a cold request longest ago, or
 * never, scores 1 and the one given the latest scores 0, linearly by rank, so that new prefixes land on different
 * pods and their blocks do not pile up on one. For a request some candidate has a hit for, every pod scores 0.5
 * (neutral). Learns from {@link #picked}; thread-safe.
 */
public final class NoHitSpreader implements Scorer, DecisionListener {
    public static final String TYPE = "no-hit-lru-scorer";

    /** Pod id to the order of its latest cold request; iteration order oldest first. */
    private final LinkedHashMap<String, Boolean> recent = new LinkedHashMap<>(16, 0.75f, true);
    private final int capacity;

    public NoHitSpreader(int capacity) {
        if (capacity < 1) {
            throw new IllegalArgumentException("no-hit spreader capacity must be >= 1, got " + capacity);
        }
        this.capacity = capacity;
    }

    @Override
    public String type() {
        return TYPE;
    }

    @Override
    public void score(ScoringContext ctx, double[] out) {
        if (!ctx.cold()) {
            for (int j = 0; j < ctx.count(); j++) {
                out[j] = 0.5;
            }
            return;
        }
        synchronized (recent) {
            int n = recent.size();
            Map<String, Integer> rank = new HashMap<>(n * 2);
            int r = 0;
            for (String id : recent.keySet()) {
                rank.put(id, r++); // 0 = the oldest cold request
            }
            for (int j = 0; j < ctx.count(); j++) {
                Integer at = rank.get(ctx.pod(j).id());
                out[j] = at == null ? 1 : 1 - (double) (at + 1) / n;
            }
        }
    }

    @Override
    public void picked(Pod pod, boolean cold) {
        if (!cold) {
            return;
        }
        synchronized (recent) {
            recent.remove(pod.id());
            recent.put(pod.id(), Boolean.TRUE);
            if (recent.size() > capacity) {
                recent.remove(recent.keySet().iterator().next());
            }
        }
    }
}
