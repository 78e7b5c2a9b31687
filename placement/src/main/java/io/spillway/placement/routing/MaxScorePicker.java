package io.spillway.placement.routing;

import java.util.SplittableRandom;

/**
 * Picks the highest total; candidates within {@link #TIE} of it are tied and one of them is drawn from a seeded
 * random source, each equally likely, so equal pods share the work and a run with a given seed is repeatable. One
 * per thread.
 */
public final class MaxScorePicker {
    public static final String TYPE = "max-score-picker";
    /** Totals closer than this are equal (sums of weighted fractions carry rounding). */
    static final double TIE = 1e-9;

    private final SplittableRandom random;

    public MaxScorePicker(long seed) {
        this.random = new SplittableRandom(seed);
    }

    /** The candidate picked among the first {@code count} totals; -1 when there is none. */
    public int pick(double[] totals, int count) {
        int best = -1;
        int ties = 0;
        for (int j = 0; j < count; j++) {
            if (best < 0 || totals[j] > totals[best] + TIE) {
                best = j;
                ties = 1;
            } else if (totals[j] >= totals[best] - TIE && random.nextInt(++ties) == 0) {
                best = j; // reservoir sampling: each of the tied is kept with probability 1/ties
            }
        }
        return best;
    }

    /**
     * The candidates best first into {@code order} (the {@code first} one leading, then by total, higher first):
     * the fallback list a front tries in turn. Returns how many were written.
     */
    public int order(double[] totals, int count, int first, int[] order) {
        int n = 0;
        if (first >= 0) {
            order[n++] = first;
        }
        for (int j = 0; j < count; j++) {
            if (j == first) {
                continue;
            }
            int at = n++;
            while (at > (first >= 0 ? 1 : 0) && totals[order[at - 1]] < totals[j]) {
                order[at] = order[at - 1];
                at--;
            }
            order[at] = j;
        }
        return n;
    }
}
