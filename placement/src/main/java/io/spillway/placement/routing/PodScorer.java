package io.spillway.placement.routing;

/** A scorer that scores each pod on its own figures, whatever the other candidates' are. */
abstract class PodScorer implements Scorer {
    /** The pod's score, in [0, 1]. */
    abstract double scoreOf(Pod pod);

    @Override
    public final void score(ScoringContext ctx, double[] out) {
        for (int j = 0; j < ctx.count(); j++) {
            out[j] = scoreOf(ctx.pod(j));
        }
    }
}
