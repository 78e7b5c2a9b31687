package io.spillway.placement.routing;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.jspecify.annotations.Nullable;

/**
 * Decides a request as llm-d's disaggregation profile handler does: scores the ready pods the decode profile's filters
 * admit with the decode profile and picks one; when a prefill profile is configured and its {@link SplitRule} splits
 * the request (by the tokens the decode pod would still prefill), also scores the ready pods the prefill profile's
 * filters admit with the prefill profile and picks one of them (the front sends the request to the decode pod with
 * {@code x-prefiller-host-port} naming the prefill pod). Pure: the
 * index is read through the {@link PrefixMatch} given; one per thread (its profiles keep scratch).
 */
public final class PdDecider {
    private final Profile decode;
    private final @Nullable Profile prefill;
    private final SplitRule rule;
    private final MaxScorePicker picker;
    private final TransferCostModel model;
    private final List<DecisionListener> listeners = new ArrayList<>();
    private int[] subset = new int[16];
    private int[] order = new int[16];
    private double[] totals = new double[16];

    /**
     * A decider whose profiles, when they have no filters, take llm-d's role filters: the decode profile
     * decode-filter, the prefill profile prefill-filter.
     *
     * @param prefill         null for no split
     * @param thresholdTokens a prefix-based rule's {@code nonCachedTokens} (ignored without {@code prefill})
     */
    public PdDecider(Profile decode, @Nullable Profile prefill, int thresholdTokens, MaxScorePicker picker,
                     TransferCostModel model) {
        this(filtered(decode, RoleFilter.DECODE), prefill == null ? null : filtered(prefill, RoleFilter.PREFILL),
            SplitRule.prefixBased(thresholdTokens), picker, model);
    }

    private static Profile filtered(Profile p, RoleFilter filter) {
        return p == null || !p.filters().isEmpty() ? p : new Profile(p.name(), List.of(filter), p.scorers());
    }

    /** @param prefill null for no split */
    public PdDecider(Profile decode, @Nullable Profile prefill, SplitRule rule, MaxScorePicker picker, TransferCostModel model) {
        if (decode == null || rule == null || picker == null || model == null) {
            throw new IllegalArgumentException("a decider needs a decode profile, a split rule, a picker and a cost"
                + " model");
        }
        this.decode = decode;
        this.prefill = prefill;
        this.rule = rule;
        this.picker = picker;
        this.model = model;
        for (Profile p : prefill == null ? List.of(decode) : List.of(decode, prefill)) {
            for (Profile.Weighted w : p.scorers()) {
                if (w.scorer() instanceof DecisionListener l && !listeners.contains(l)) {
                    listeners.add(l);
                }
            }
        }
    }

    /** Decides {@code request} over {@code pods}, whose prefix {@code match} was computed for them in that order. */
    public Decision decide(RoutingRequest request, List<Pod> pods, PrefixMatch match) {
        grow(pods.size());
        int n = select(pods, decode);
        if (n == 0) {
            return new Decision(null, null, List.of(), 0, request.promptTokens(), true, Decision.Hits.NONE,
                Decision.ScoreTable.EMPTY);
        }
        ScoringContext ctx = new ScoringContext(request, pods, match, model, subset, n);
        decode.score(ctx, totals);
        int chosen = picker.pick(totals, n);
        int orderCount = picker.order(totals, n, chosen, order);
        List<Pod> fallbacks = new ArrayList<>(orderCount);
        for (int i = 0; i < orderCount; i++) {
            fallbacks.add(ctx.pod(order[i]));
        }
        boolean cold = ctx.cold();
        double hit = ctx.hitTokens(chosen);
        double uncached = request.promptTokens() - hit;
        Decision.ScoreTable scores = table(decode, ctx, totals);
        Pod served = ctx.pod(chosen);
        Pod prefillPod = null;
        if (prefill != null && rule.split(uncached)) {
            int m = select(pods, prefill);
            if (m > 0) {
                ScoringContext pctx = new ScoringContext(request, pods, match, model, subset, m);
                prefill.score(pctx, totals);
                prefillPod = pctx.pod(picker.pick(totals, m));
            }
        }
        for (DecisionListener l : listeners) {
            l.picked(served, cold);
        }
        int i = ctx.podIndex(chosen);
        int gpu = match.gpuBlocks(i);
        int own = Math.max(gpu, match.podBlocks(i));
        Decision.Hits hits = new Decision.Hits(gpu, own - gpu, Math.max(0, match.clusterBlocks() - own));
        return new Decision(served, prefillPod, fallbacks, hit, uncached, cold, hits, scores);
    }

    /** Ready pods the profile's filters admit into {@link #subset}; returns how many. */
    private int select(List<Pod> pods, Profile profile) {
        int n = 0;
        for (int i = 0; i < pods.size(); i++) {
            Pod p = pods.get(i);
            if (p.ready() && profile.admits(p.role())) {
                subset[n++] = i;
            }
        }
        return n;
    }

    private static Decision.ScoreTable table(Profile profile, ScoringContext ctx, double[] totals) {
        int n = ctx.count();
        int scorers = profile.scorers().size();
        String[] pods = new String[n];
        for (int j = 0; j < n; j++) {
            pods[j] = ctx.pod(j).id();
        }
        String[] types = new String[scorers];
        double[][] by = new double[scorers][];
        for (int s = 0; s < scorers; s++) {
            types[s] = profile.scorers().get(s).scorer().type();
            by[s] = profile.lastScores(s, n);
        }
        return new Decision.ScoreTable(pods, types, by, Arrays.copyOf(totals, n));
    }

    private void grow(int pods) {
        if (subset.length < pods) {
            subset = new int[pods];
            order = new int[pods];
            totals = new double[pods];
        }
    }
}
