package io.spillway.placement.routing;

import java.util.Arrays;
import java.util.List;
import java.util.Objects;

/**
 * A named scheduling profile: role filters that admit candidates (none: every ready pod) and a weighted sum of
 * scorers, a candidate's total being {@code sum(weight_i * score_i)} (no scorer: every total 0, all tied). Keeps each scorer's
 * scores of the last pass for the debug view (so one profile instance serves one thread).
 */
public final class Profile {
    /** A scorer and its weight (at least 0). */
    public record Weighted(Scorer scorer, double weight) {
        public Weighted {
            Objects.requireNonNull(scorer, "scorer");
            if (!(weight >= 0) || Double.isInfinite(weight)) {
                throw new IllegalArgumentException("weight of " + scorer.type() + " must be a finite number >= 0,"
                    + " got " + weight);
            }
        }
    }

    private final String name;
    private final List<RoleFilter> filters;
    private final List<Weighted> scorers;
    private double[][] last = new double[0][];

    /** A profile without filters. */
    public Profile(String name, List<Weighted> scorers) {
        this(name, List.of(), scorers);
    }

    public Profile(String name, List<RoleFilter> filters, List<Weighted> scorers) {
        if (name == null || name.isEmpty()) {
            throw new IllegalArgumentException("a profile needs a name");
        }
        this.name = name;
        this.filters = List.copyOf(filters);
        this.scorers = List.copyOf(scorers);
    }

    public List<RoleFilter> filters() {
        return filters;
    }

    /** Whether every filter admits a pod of {@code role}. */
    public boolean admits(PodRole role) {
        for (RoleFilter f : filters) {
            if (!f.admits(role)) {
                return false;
            }
        }
        return true;
    }

    public String name() {
        return name;
    }

    public List<Weighted> scorers() {
        return scorers;
    }

    /** Writes each candidate's total into {@code totals} (grown by the caller to {@code ctx.count()}). */
    public void score(ScoringContext ctx, double[] totals) {
        int n = ctx.count();
        if (last.length != scorers.size() || (n > 0 && last[0].length < n)) {
            last = new double[scorers.size()][Math.max(n, 8)];
        }
        Arrays.fill(totals, 0, n, 0);
        for (int s = 0; s < scorers.size(); s++) {
            Weighted w = scorers.get(s);
            double[] out = last[s];
            w.scorer().score(ctx, out);
            for (int j = 0; j < n; j++) {
                totals[j] += w.weight() * out[j];
            }
        }
    }

    /** Scorer {@code s}'s score of candidate {@code j} in the last pass. */
    public double lastScore(int s, int j) {
        return last[s][j];
    }

    /** A copy of scorer {@code s}'s scores of the first {@code n} candidates in the last pass. */
    double[] lastScores(int s, int n) {
        return Arrays.copyOf(last[s], n);
    }
}
