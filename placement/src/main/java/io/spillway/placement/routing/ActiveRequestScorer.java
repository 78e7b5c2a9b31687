package io.spillway.placement.routing;

/**
 * llm-d's {@code active-request-scorer}: fewer of this router's unfinished requests ({@link Pod#inFlight}) score
 * higher. A pod with at most {@code idleThreshold} of them scores 1; a busier one {@code (max - count) / max *
 * maxBusyScore}, {@code max} the most any candidate has. (llm-d counts its requests until they finish or its {@code
 * requestTimeout} passes; Spillway's count ends when the request does, so the timeout is read but has no use.)
 */
public final class ActiveRequestScorer implements Scorer {
    public static final String TYPE = "active-request-scorer";

    private final int idleThreshold;
    private final double maxBusyScore;

    public ActiveRequestScorer(int idleThreshold, double maxBusyScore) {
        if (idleThreshold < 0) {
            throw new IllegalArgumentException("active-request-scorer idleThreshold must be >= 0, got "
                + idleThreshold);
        }
        if (!(maxBusyScore >= 0 && maxBusyScore <= 1)) {
            throw new IllegalArgumentException("active-request-scorer maxBusyScore must be 0 to 1, got "
                + maxBusyScore);
        }
        this.idleThreshold = idleThreshold;
        this.maxBusyScore = maxBusyScore;
    }

    @Override
    public String type() {
        return TYPE;
    }

    @Override
    public void score(ScoringContext ctx, double[] out) {
        int max = 0;
        for (int j = 0; j < ctx.count(); j++) {
            max = Math.max(max, ctx.pod(j).inFlight());
        }
        for (int j = 0; j < ctx.count(); j++) {
            int count = ctx.pod(j).inFlight();
            out[j] = count <= idleThreshold ? 1 : (double) (max - count) / max * maxBusyScore;
        }
    }
}
