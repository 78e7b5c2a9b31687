package io.spillway.client;

import io.spillway.key.BlockKey;
import io.spillway.tier.TierKind;
import java.util.Arrays;
import java.util.EnumMap;
import java.util.Map;
import java.util.concurrent.CompletableFuture;

/**
 * {@link KvClient#lookupLongPrefix}: a chain longer than one request may carry, looked up a batch at a time, each
 * batch asked only while every batch before it was whole in the cluster. Per tier, blocks in the prefix add up, and a
 * tier's leading run goes on into the next batch only while it covered every key so far.
 */
final class LongPrefixLookup {
    private final KvClient client;
    private final BlockKey namespace;
    private final BlockKey[] keys;
    private final int batch;
    private final Map<TierKind, Integer> runs = new EnumMap<>(TierKind.class);
    private final Map<TierKind, Integer> served = new EnumMap<>(TierKind.class);
    private final CompletableFuture<PrefixLookup> result = new CompletableFuture<>();

    private LongPrefixLookup(KvClient client, BlockKey namespace, BlockKey[] keys, int batch) {
        this.client = client;
        this.namespace = namespace;
        this.keys = keys;
        this.batch = batch;
    }

    static CompletableFuture<PrefixLookup> start(KvClient client, BlockKey namespace, BlockKey[] keys, int batch) {
        if (batch < 1) {
            throw new IllegalArgumentException("a lookup batch holds at least one key, got " + batch);
        }
        if (keys.length == 0) {
            return CompletableFuture.completedFuture(new PrefixLookup(0, Map.of(), Map.of()));
        }
        LongPrefixLookup lookup = new LongPrefixLookup(client, namespace, keys, batch);
        lookup.from(0);
        return lookup.result;
    }

    private void from(int at) {
        BlockKey[] part = Arrays.copyOfRange(keys, at, Math.min(keys.length, at + batch));
        try {
            client.lookupPrefix(namespace, part).whenComplete((found, error) -> {
                if (error != null) {
                    result.completeExceptionally(error);
                    return;
                }
                found.blocksInPrefix().forEach((tier, n) -> served.merge(tier, n, Integer::sum));
                found.longestRun().forEach((tier, n) -> {
                    if (runs.getOrDefault(tier, 0) == at) { // this tier held every key so far
                        runs.put(tier, at + n);
                    }
                });
                int end = at + found.prefixLength();
                if (found.prefixLength() == part.length && end < keys.length) {
                    from(end);
                } else {
                    result.complete(new PrefixLookup(end, Map.copyOf(runs), Map.copyOf(served)));
                }
            });
        } catch (RuntimeException e) {
            result.completeExceptionally(e);
        }
    }
}
