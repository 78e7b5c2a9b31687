package io.spillway.placement.routing;

/**
 * llm-d's prefix scorers, {@code prefix-cache-scorer} and {@code precise-prefix-cache-scorer}: the share of the
 * prompt's leading blocks in the candidate's own GPU cache, {@code min(1, gpu blocks * block tokens / prompt
 * tokens)}. Both read the router's index: the pods' KV events (what llm-d's precise scorer reads) and the speculative
 * entries for what the router sent (what llm-d's approximate scorer keeps in its per-pod LRU). Offloaded and
 * cluster-held blocks count for nothing here; {@link PrefixScorer} ({@code spillway-prefix-scorer}) values them.
 */
public final class CachedPrefixScorer implements Scorer {
    public static final String APPROXIMATE = "prefix-cache-scorer";
    public static final String PRECISE = "precise-prefix-cache-scorer";

    private final String type;

    public CachedPrefixScorer(String type) {
        if (!APPROXIMATE.equals(type) && !PRECISE.equals(type)) {
            throw new IllegalArgumentException("not one of llm-d's prefix scorers: " + type);
        }
        this.type = type;
    }

    @Override
    public String type() {
        return type;
    }

    @Override
    public void score(ScoringContext ctx, double[] out) {
        int prompt = ctx.request().promptTokens();
        for (int j = 0; j < ctx.count(); j++) {
            double gpu = (double) ctx.match().gpuBlocks(ctx.podIndex(j)) * ctx.request().tokensPerBlock();
            out[j] = prompt == 0 ? 0 : Math.min(1, gpu / prompt);
        }
    }
}
