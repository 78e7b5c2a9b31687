package io.spillway.client;

import io.spillway.cluster.NodeInfo;
import io.spillway.cluster.PartitionMap;
import io.spillway.key.BlockKey;
import io.spillway.tier.TierKind;
import java.util.ArrayList;
import java.util.Collections;
import java.util.EnumMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;

/**
 * A prefix lookup across the cluster. The chain's keys are split by owner (primary first; a node that fails or is
 * dead hands its keys to the next owner) and each node is asked about its keys, in chain order. A node's answer
 * {@code p} says its keys are present up to its {@code p}-th: its run stops at the chain index of its
 * {@code (p+1)}-th key. The overall prefix is the smallest such stop over all nodes, exactly (every key before it
 * is present on its node, the key at it is not); a key no owner could answer for stops the prefix too. A tier's
 * longest run combines the same way. A tier's blocks-in-prefix is summed over nodes; a node whose own run went
 * past the overall prefix is asked again about its keys inside the prefix only, so that sum is exact too (each
 * figure is as of its node's answer).
 */
final class ClusterLookup {
    private record Answer(NodeInfo node, List<Integer> chainIndices, PrefixLookup lookup) {
        int stop(int run, int n) {
            return run < chainIndices.size() ? chainIndices.get(run) : n;
        }
    }

    private final ClusterKvClient client;
    private final ClusterMembers members;
    private final BlockKey namespace;
    private final BlockKey[] keys;
    private final List<Answer> answers = Collections.synchronizedList(new ArrayList<>());
    private final List<Integer> unanswered = Collections.synchronizedList(new ArrayList<>());

    ClusterLookup(ClusterKvClient client, BlockKey namespace, BlockKey[] keys) {
        this.client = client;
        this.members = client.members();
        this.namespace = namespace;
        this.keys = keys;
    }

    CompletableFuture<PrefixLookup> start() {
        List<Integer> all = new ArrayList<>(keys.length);
        for (int i = 0; i < keys.length; i++) {
            all.add(i);
        }
        return ask(members.map(), all, 0).thenCompose(v -> combine());
    }

    /** Asks each key's owner of rank {@code rank} (skipping dead ones); failures move on to the next rank. */
    private CompletableFuture<Void> ask(PartitionMap map, List<Integer> indices, int rank) {
        Map<NodeInfo, List<Integer>> groups = new LinkedHashMap<>();
        for (int i : indices) {
            List<NodeInfo> owners = map.owners(namespace, keys[i]);
            int r = rank;
            while (r < owners.size() && members.isDead(owners.get(r))) {
                client.counters().deadNodeSkips.increment();
                r++;
            }
            if (r >= owners.size()) {
                unanswered.add(i);
            } else {
                groups.computeIfAbsent(owners.get(r), n -> new ArrayList<>()).add(i);
            }
        }
        List<CompletableFuture<Void>> all = new ArrayList<>();
        groups.forEach((node, group) -> all.add(lookupOn(node, group).handle((lookup, e) -> {
            if (e == null) {
                members.onSuccess(node);
                answers.add(new Answer(node, group, lookup));
                return CompletableFuture.<Void>completedFuture(null);
            }
            Throwable cause = ClusterMembers.unwrap(e);
            if (cause instanceof KvClientException k && !k.retryable()) {
                return CompletableFuture.<Void>failedFuture(k); // request-level and final, e.g. UNKNOWN_NAMESPACE
            }
            members.onFailure(node, cause);
            client.counters().failovers.add(group.size());
            return ask(map, group, rank + 1);
        }).thenCompose(f -> f)));
        return CompletableFuture.allOf(all.toArray(new CompletableFuture[0]));
    }

    private CompletableFuture<PrefixLookup> lookupOn(NodeInfo node, List<Integer> group) {
        client.counters().attempts.increment();
        BlockKey[] k = new BlockKey[group.size()];
        for (int j = 0; j < k.length; j++) {
            k[j] = keys[group.get(j)];
        }
        try {
            return members.client(node).lookupPrefix(namespace, k);
        } catch (RuntimeException e) {
            return CompletableFuture.failedFuture(e);
        }
    }

    private CompletableFuture<PrefixLookup> combine() {
        int n = keys.length;
        int prefix = n;
        for (int i : unanswered) {
            prefix = Math.min(prefix, i);
        }
        for (Answer a : answers) {
            prefix = Math.min(prefix, a.stop(a.lookup.prefixLength(), n));
        }
        Map<TierKind, Integer> longest = new EnumMap<>(TierKind.class);
        for (TierKind t : TierKind.values()) {
            int run = prefix;
            boolean seen = false;
            for (Answer a : answers) {
                Integer r = a.lookup.longestRun().get(t);
                seen |= r != null;
                run = Math.min(run, a.stop(r == null ? 0 : r, n));
            }
            if (seen) {
                longest.put(t, run);
            }
        }
        int overall = prefix;
        List<CompletableFuture<Map<TierKind, Integer>>> served = new ArrayList<>();
        for (Answer a : answers) {
            int inside = 0;
            while (inside < a.chainIndices.size() && a.chainIndices.get(inside) < overall) {
                inside++;
            }
            if (inside == a.lookup.prefixLength()) {
                served.add(CompletableFuture.completedFuture(a.lookup.blocksInPrefix()));
            } else if (inside > 0) {
                int q = inside;
                served.add(lookupOn(a.node, a.chainIndices.subList(0, q)).handle((again, e) ->
                    e == null ? again.blocksInPrefix() : capped(a.lookup.blocksInPrefix(), q)));
            }
        }
        return CompletableFuture.allOf(served.toArray(new CompletableFuture[0])).thenApply(v -> {
            Map<TierKind, Integer> inPrefix = new EnumMap<>(TierKind.class);
            for (CompletableFuture<Map<TierKind, Integer>> f : served) {
                f.join().forEach((t, c) -> inPrefix.merge(t, c, Integer::sum));
            }
            for (TierKind t : longest.keySet()) {
                inPrefix.putIfAbsent(t, 0);
            }
            return new PrefixLookup(overall, Collections.unmodifiableMap(longest),
                Collections.unmodifiableMap(inPrefix));
        });
    }

    /** Fallback when the second ask fails: figures of a longer run, each cut to the {@code q} keys inside. */
    private static Map<TierKind, Integer> capped(Map<TierKind, Integer> figures, int q) {
        Map<TierKind, Integer> out = new EnumMap<>(TierKind.class);
        figures.forEach((t, c) -> out.put(t, Math.min(c, q)));
        return out;
    }
}
