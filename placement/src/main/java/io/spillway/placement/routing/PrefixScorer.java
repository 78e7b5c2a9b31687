package io.spillway.placement.routing;

/**
 * Spillway's tiered prefix scorer ({@code spillway-prefix-scorer}; llm-d has no counterpart). The share of the prompt a pod need not prefill: its GPU hits at full worth, its own offload and the cluster's
 * tiers valued through the {@link TransferCostModel} (a cluster hit is worth the prefill it saves less its load).
 */
public final class PrefixScorer implements Scorer {
    public static final String TYPE = "spillway-prefix-scorer";

    @Override
    public String type() {
        return TYPE;
    }

    @Override
    public void score(ScoringContext ctx, double[] out) {
        int prompt = ctx.request().promptTokens();
        for (int j = 0; j < ctx.count(); j++) {
            out[j] = prompt == 0 ? 0 : ctx.hitTokens(j) / prompt;
        }
    }
}
