package io.spillway.server.cluster;

import java.util.Collection;
import java.util.Set;
import java.util.TreeSet;

/**
 * The topology validator: whether this member's view of the cluster may serve, judged against the <em>last stable
 * membership</em> (the base). A view serves when it holds a strict majority of the base, or exactly half of it
 * including the base's first member by name (the tie-break that lets one side of an even split, and the
 * lower-named node of a two-node cluster, go on). A view that serves becomes the new base: a failure the majority
 * survived is accepted, and a join grows the base. A member that left cleanly (NODE_LEFT, a graceful shutdown) is
 * taken out of the base at once, so scaling down one node at a time never loses the quorum; a failed one
 * (NODE_FAILED, which is what a partition looks like from either side) stays in it until a serving view drops it.
 *
 * <p>So of two sides of a partition at most one serves: both sides judge against the same base, and two disjoint
 * views cannot each hold a strict majority of it, nor each hold half of it and its first member. The base outlives
 * the embedded Ignite node, so a member that restarts Ignite to rejoin and finds itself alone (its seeds cut off)
 * still does not serve. It does not outlive the process: a restarted process starts with its first view as base.
 *
 * <p>Pure and not thread-safe: the membership calls it on its one cluster thread.
 */
final class QuorumRule {
    private final TreeSet<String> base = new TreeSet<>();

    /**
     * Judges {@code view} (the member names Ignite lists now), after taking {@code leftCleanly} out of the base;
     * the first call sets the base. Returns whether the view serves.
     */
    boolean judge(Collection<String> view, Collection<String> leftCleanly) {
        base.removeAll(leftCleanly);
        if (base.isEmpty()) {
            base.addAll(view);
            return !view.isEmpty();
        }
        boolean serves = serves(Set.copyOf(view), base);
        if (serves) {
            base.clear();
            base.addAll(view);
        }
        return serves;
    }

    /** The last stable membership, sorted by name. */
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
