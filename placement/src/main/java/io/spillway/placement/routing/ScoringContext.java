package io.spillway.placement.routing;

import java.util.Arrays;
import java.util.List;

/**
 * One scoring pass: the request, its {@link PrefixMatch} over all pods, and the subset of those pods being scored
 * (the decode-capable ones, or the prefill-capable ones of a split). Scorers write one score per candidate of the
 * subset, in its order.
 */
public final class ScoringContext {
    private final RoutingRequest request;
    private final List<Pod> pods;
    private final PrefixMatch match;
    private final TransferCostModel model;
    private final int[] subset;
    private final int count;
    /** Each candidate's {@link #hitTokens}, computed on first use (NaN until then). */
    private final double[] hits;

    public ScoringContext(RoutingRequest request, List<Pod> pods, PrefixMatch match, TransferCostModel model,
                          int[] subset, int count) {
        this.request = request;
        this.pods = pods;
        this.match = match;
        this.model = model;
        this.subset = subset;
        this.count = count;
        this.hits = new double[count];
        Arrays.fill(hits, Double.NaN);
    }

    public RoutingRequest request() {
        return request;
    }

    public PrefixMatch match() {
        return match;
    }

    public TransferCostModel model() {
        return model;
    }

    /** Candidates being scored. */
    public int count() {
        return count;
    }

    /** Candidate {@code j}'s index among all pods (and in the {@link #match}). */
    public int podIndex(int j) {
        return subset[j];
    }

    public Pod pod(int j) {
        return pods.get(subset[j]);
    }

    /** Whether no candidate holds any of the prompt's prefix (a cold request). */
    public boolean cold() {
        for (int j = 0; j < count; j++) {
            if (hitTokens(j) > 0) {
                return false;
            }
        }
        return true;
    }

    /** Prompt tokens candidate {@code j} need not prefill (see {@link PrefixMatch#hitTokens}). */
    public double hitTokens(int j) {
        double h = hits[j];
        if (Double.isNaN(h)) {
            h = match.hitTokens(subset[j], request, model);
            hits[j] = h;
        }
        return h;
    }
}
