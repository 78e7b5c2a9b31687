package io.spillway.placement.routing;

/**
 * Scores every candidate of a {@link ScoringContext}: {@code out[j]} in [0, 1] for candidate {@code j}, higher
 * better. A scorer is a pure function of the context, save those that learn from decisions ({@link
 * DecisionListener}).
 */
public interface Scorer {
    /** The scorer's type as a configuration names it ({@code prefix-cache-scorer}, ...). */
    String type();

    void score(ScoringContext ctx, double[] out);
}
