package io.spillway.perf.feed;

import io.spillway.client.ClientContext;
import io.spillway.client.KvClient;
import io.spillway.client.PrefixLookup;
import io.spillway.key.BlockKey;
import io.spillway.placement.index.BlockLocationIndex;
import io.spillway.placement.index.Location;
import io.spillway.router.feed.IndexFeedSink;
import io.spillway.tier.TierKind;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

/**
 * Compares an index with what the nodes hold, as sets of {@code key@location} entries. The nodes' side is read by
 * asking each node, over its data plane, which of its tiers holds each key ever put (LOOKUP_PREFIX of one key):
 * the tiers themselves, not the feed or the snapshot under test.
 */
public final class FeedTruth {
    /** Lookups in flight per node, below the client's 2 connections x 64. */
    private static final int IN_FLIGHT = 96;
    private FeedTruth() {
    }

    /** A node to ask: its id (as its feed names it) and data port on 127.0.0.1. */
    public record Node(String id, int dataPort) {
    }

    /** What differs: entries the index lacks, and entries it holds that no node does. */
    public record Diff(Set<String> missing, Set<String> extra, int expected, int actual) {
        public boolean equal() {
            return missing.isEmpty() && extra.isEmpty();
        }

        @Override
        public String toString() {
            return expected + " expected, " + actual + " indexed, " + missing.size() + " missing " + sample(missing)
                + ", " + extra.size() + " extra " + sample(extra);
        }

        private static String sample(Set<String> s) {
            return s.stream().limit(5).toList().toString();
        }
    }

    /** Every (key, node tier) the nodes hold among {@code keys}. */
    public static Set<String> held(List<Node> nodes, BlockKey namespace, List<BlockKey> keys) throws Exception {
        Set<String> out = new HashSet<>();
        for (Node node : nodes) {
            try (KvClient client = KvClient.connect(ClientContext.builder().server("127.0.0.1", node.dataPort())
                .requestTimeout(Duration.ofSeconds(10)).connections(2).build())) {
                List<CompletableFuture<PrefixLookup>> lookups = new ArrayList<>(keys.size());
                for (int i = 0; i < keys.size(); i++) {
                    if (i >= IN_FLIGHT) {
                        lookups.get(i - IN_FLIGHT).get(30, TimeUnit.SECONDS); // a window the connections can take
                    }
                    lookups.add(client.lookupPrefix(namespace, new BlockKey[] {keys.get(i)}));
                }
                for (int i = 0; i < keys.size(); i++) {
                    PrefixLookup r = lookups.get(i).get(30, TimeUnit.SECONDS);
                    for (Map.Entry<TierKind, Integer> e : r.longestRun().entrySet()) {
                        if (e.getValue() > 0) {
                            out.add(entry(keys.get(i), IndexFeedSink.location(node.id(), e.getKey())));
                        }
                    }
                }
            }
        }
        return out;
    }

    /** The index's entries at cluster-node locations. */
    public static Set<String> indexed(BlockLocationIndex index) {
        Set<String> out = new HashSet<>();
        index.forEach((hi, lo, id) -> {
            Location l = index.locations().location(id);
            if (l != null && l.kind() == Location.Kind.NODE) {
                out.add(entry(new BlockKey(hi, lo), l));
            }
        });
        return out;
    }

    public static Diff diff(Set<String> expected, Set<String> actual) {
        Set<String> missing = new TreeSet<>(expected);
        missing.removeAll(actual);
        Set<String> extra = new TreeSet<>(actual);
        extra.removeAll(expected);
        return new Diff(missing, extra, expected.size(), actual.size());
    }

    static String entry(BlockKey key, Location location) {
        return key.toHex() + "@" + location;
    }
}
