package io.spillway.placement.routing;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.jspecify.annotations.Nullable;

/**
 * Where a request goes: the pod that serves it (decode, or the whole request when not split), the pod that
 * prefills it when split, the other candidates in fallback order, and why.
 *
 * @param pod          the serving pod, or null when none was ready
 * @param prefill      the prefill pod of a split request, or null
 * @param fallbacks    the serving candidates best first, {@code pod} leading (an ordered list for {@code envoy.lb})
 * @param hitTokens    prompt tokens the serving pod need not prefill
 * @param uncachedTokens prompt tokens left to prefill on the serving pod
 * @param cold         no candidate held any of the prompt's prefix
 * @param hits         the serving pod's leading blocks by where they are (for the router's metrics)
 * @param table        per serving candidate and scorer, for the debug view ({@link #scores} reads it)
 */
public record Decision(@Nullable Pod pod, @Nullable Pod prefill, List<Pod> fallbacks, double hitTokens, double uncachedTokens,
                       boolean cold, Hits hits, ScoreTable table) {
    /**
     * The serving pod's leading blocks: in its GPU, then in its own offload, then in the cluster beyond those.
     */
    public record Hits(int gpuBlocks, int offloadBlocks, int clusterBlocks) {
        static final Hits NONE = new Hits(0, 0, 0);
    }

    /** One candidate's scores: per scorer type, and the weighted total. */
    public record PodScores(String pod, Map<String, Double> byScorer, double total) {
    }

    /**
     * The scores behind a decision, kept as arrays (a decision is made far more often than looked at).
     *
     * @param pods    candidate ids
     * @param types   scorer types
     * @param byScorer {@code byScorer[s][j]}: scorer s's score of candidate j
     * @param totals  weighted totals
     */
    public record ScoreTable(String[] pods, String[] types, double[][] byScorer, double[] totals) {
        static final ScoreTable EMPTY = new ScoreTable(new String[0], new String[0], new double[0][], new double[0]);
    }

    /** Per serving candidate, its scores by scorer type and its total, in candidate order. */
    public List<PodScores> scores() {
        List<PodScores> out = new ArrayList<>(table.pods().length);
        for (int j = 0; j < table.pods().length; j++) {
            Map<String, Double> by = new LinkedHashMap<>();
            for (int s = 0; s < table.types().length; s++) {
                by.put(table.types()[s], table.byScorer()[s][j]);
            }
            out.add(new PodScores(table.pods()[j], by, table.totals()[j]));
        }
        return out;
    }

    public boolean routed() {
        return pod != null;
    }

    public boolean split() {
        return prefill != null;
    }
}
