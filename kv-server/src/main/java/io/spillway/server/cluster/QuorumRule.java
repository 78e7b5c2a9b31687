package io.spillway.server.cluster;

import java.util.Collection;
import java.util.Set;
import java.util.TreeSet;

/**
 * The topology validator: whether this member's view of the cluster may serve, judged against the <em>last stable
 * membership</em> (the base). A view serves when it holds a strict majority of the base, or exactly half of it
 * including the base's first member by name (the tie-break that lets one side of an even split, and the lower-named
 * node of a two-node cluster, go on).
 *
 * <p>How the base moves: a serving view's newcomers join it at once; a member that left cleanly (NODE_LEFT, a
 * graceful shutdown) leaves it at once, so scaling down one node at a time never loses the quorum; a failed member
 * (NODE_FAILED, which is what a partition looks like from either side) leaves it only once a serving view without it
 * has held for {@code settleNanos} (the membership is stable again). The wait matters: a member cut off from the
 * others sees them fail one after the other, a failure detection apart, and had it taken its first smaller view as
 * the base at once it would judge the next one, itself alone, against that (1 of 2, maybe with the tie-break) rather
 * than against the membership the majority also judges against.
 *
 * <p>So of two sides of a partition at most one serves: both judge against the same base, and two disjoint views
 * cannot each hold a strict majority of it, nor each hold half of it and its first member. The base outlives the
 * embedded Ignite node, so a member that restarts Ignite to rejoin and finds itself alone (its seeds cut off) still
 * does not serve. It does not outlive the process: a restarted process starts with its first view as base.
 *
 * <p>Pure and not thread-safe: the membership calls it on its one cluster thread, with the time of each view.
 */
final class QuorumRule {
    private final long settleNanos;
    private final TreeSet<String> base = new TreeSet<>();
    private Set<String> lastServing;
    private long servingSince;

    /** @param settleNanos how long a serving view must hold before the failed members it lacks leave the base */
    QuorumRule(long settleNanos) {
        this.settleNanos = settleNanos;
    }

    /**
     * Judges {@code view} (the member names Ignite lists now, seen at {@code nowNanos}), after taking
     * {@code leftCleanly} out of the base; the first call sets the base. Returns whether the view serves.
     */
    boolean judge(Collection<String> view, Collection<String> leftCleanly, long nowNanos) {
        Set<String> v = Set.copyOf(view);
        base.removeAll(leftCleanly);
        if (lastServing != null && nowNanos - servingSince >= settleNanos) {
            base.retainAll(lastServing); // the last serving view held: the members it lacked are gone for good
        }
        if (base.isEmpty()) {
            base.addAll(v);
        }
        boolean serves = serves(v, base);
        if (serves) {
            base.addAll(v);
            if (!v.equals(lastServing)) {
                lastServing = v;
                servingSince = nowNanos;
            }
        } else {
            lastServing = null;
        }
        return serves;
    }

    /** Whether {@code view} would serve now, without moving the base (a suspicion, not a view Ignite reported). */
    boolean wouldServe(Collection<String> view) {
        return base.isEmpty() || serves(Set.copyOf(view), base);
    }

    /** The last stable membership. */
    Set<String> base() {
        return Set.copyOf(base);
    }

    /** Whether {@code view} holds a strict majority of {@code base}, or half of it with the base's first member. */
    static boolean serves(Set<String> view, TreeSet<String> base) {
        int present = 0;
        for (String n : base) {
            if (view.contains(n)) {
                present++;
            }
        }
        if (2 * present > base.size()) {
            return true;
        }
        return 2 * present == base.size() && present > 0 && view.contains(base.first());
    }

    /** How many of the base's members {@code view} holds. */
    int present(Collection<String> view) {
        int present = 0;
        for (String n : view) {
            if (base.contains(n)) {
                present++;
            }
        }
        return present;
    }
}
