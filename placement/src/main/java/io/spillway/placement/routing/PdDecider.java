package io.spillway.placement.routing;

import java.util.ArrayList;
import java.util.List;

/**
 * Decides a request: scores the ready pods that can decode with the decode profile and picks one; when a prefill
 * profile is configured and the tokens that pod would still have to prefill reach the threshold, also scores the
 * ready pods that can prefill with the prefill profile and picks one of them (llm-d's prefill/decode split: the
 * front sends the request to the decode pod with {@code x-prefiller-host-port} naming the prefill pod). Pure: the
 * index is read through the {@link PrefixMatch} given; one per thread (its profiles keep scratch).
 */
public final class PdDecider {
    private final Profile decode;
    private final Profile prefill;
    private final int thresholdTokens;
    private final MaxScorePicker picker;
    private final TransferCostModel model;
    private final List<DecisionListener> listeners = new ArrayList<>();
    private int[] subset = new int[16];
    private int[] order = new int[16];
    private double[] totals = new double[16];

    /**
     * @param prefill         null for no split
     * @param thresholdTokens uncached prompt tokens from which a request is split (ignored without {@code prefill})
     */
    public PdDecider(Profile decode, Profile prefill, int thresholdTokens, MaxScorePicker picker,
                     TransferCostModel model) {
        if (decode == null || picker == null || model == null) {
            throw new IllegalArgumentException("a decider needs a decode profile, a picker and a cost model");
        }
        if (thresholdTokens < 0) {
            throw new IllegalArgumentException("the P/D threshold must be >= 0 tokens, got " + thresholdTokens);
        }
        this.decode = decode;
        this.prefill = prefill;
        this.thresholdTokens = thresholdTokens;
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
        int n = select(pods, true);
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
        if (prefill != null && uncached >= thresholdTokens) {
            int m = select(pods, false);
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

    /** Ready pods that can decode (or prefill) into {@link #subset}; returns how many. */
    private int select(List<Pod> pods, boolean decoding) {
        int n = 0;
        for (int i = 0; i < pods.size(); i++) {
            Pod p = pods.get(i);
            if (p.ready() && (decoding ? p.role().decodes() : p.role().prefills())) {
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
        return new Decision.ScoreTable(pods, types, by, java.util.Arrays.copyOf(totals, n));
    }

    private void grow(int pods) {
        if (subset.length < pods) {
            subset = new int[pods];
            order = new int[pods];
            totals = new double[pods];
        }
    }
}
