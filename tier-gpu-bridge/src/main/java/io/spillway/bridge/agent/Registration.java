package io.spillway.bridge.agent;

import com.fasterxml.jackson.databind.JsonNode;
import io.spillway.bridge.KvCacheSpec;
import io.spillway.bridge.LayerPlacement;
import io.spillway.bridge.PageRuns;
import io.spillway.key.Namespace;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.function.Supplier;

/**
 * A worker's {@code register}, parsed and checked before anything is mapped: the namespace its blocks are keyed
 * under (everything that makes their bytes differ: model, dtype, block size, layers, heads, head size, tensor and
 * pipeline ranks, the page format), where its KV lives ({@link KvCacheSpec} over the allocations named by
 * {@code regions}), its fence page, and, on the host-staged path, the ring it copies through instead.
 *
 * @param namespace the blocks' namespace (tenant from the agent's settings)
 * @param cache     the worker's cache as the bridge copies it; on the staged path the ring's
 * @param regions   the IPC handles of the cache's allocations (one: the ring's, on the staged path)
 * @param fence     the fence page's handle, or null for none
 * @param staged    whether blocks go through the ring (then block ids are ring slots)
 */
record Registration(Namespace namespace, KvCacheSpec cache, List<byte[]> regions, byte[] fence, boolean staged) {

    static Registration parse(JsonNode r, String tenant) {
        JsonNode ns = object(r, "namespace");
        Namespace namespace = Namespace.builder().tenant(tenant).modelId(Json.textField(ns, "model"))
            .dtype(Json.textField(ns, "dtype")).blockSizeTokens(Json.intField(ns, "block_size"))
            .layers(Json.intField(ns, "layers")).kvHeads(Json.intField(ns, "kv_heads"))
            .headDim(Json.intField(ns, "head_dim")).tpSize(Json.intField(ns, "tp_size", 1))
            .tpRank(Json.intField(ns, "tp_rank", 0)).ppSize(Json.intField(ns, "pp_size", 1))
            .ppRank(Json.intField(ns, "pp_rank", 0)).layout(Json.textField(ns, "layout")).build();
        byte[] fence = r.hasNonNull("fence") ? Json.base64(r.get("fence"), "\"fence\"") : null;
        if (r.hasNonNull("staging")) {
            JsonNode staging = object(r, "staging");
            int slots = Json.intField(staging, "slots");
            long blockBytes = Json.longField(staging, "block_bytes", -1);
            if (blockBytes < 1) {
                throw new IllegalArgumentException("\"staging\" needs \"block_bytes\" >= 1");
            }
            // the ring is a cache of one layer whose blocks are whole worker blocks, a contiguous slot each
            KvCacheSpec ring = withinLongs(() -> KvCacheSpec.contiguousPages(1, slots, blockBytes),
                () -> "\"staging\" of " + slots + " slots of " + blockBytes + " bytes");
            return new Registration(namespace, ring, List.of(Json.base64(staging.get("handle"),
                "\"staging.handle\"")), fence, true);
        }
        JsonNode cache = object(r, "cache");
        List<byte[]> regions = new ArrayList<>();
        JsonNode given = cache.get("regions");
        if (given == null || !given.isArray() || given.isEmpty()) {
            throw new IllegalArgumentException("\"cache.regions\" must list the allocations' IPC handles");
        }
        for (JsonNode h : given) {
            regions.add(Json.base64(h, "a region's IPC handle"));
        }
        List<LayerPlacement> layers = new ArrayList<>();
        JsonNode placed = cache.get("layers");
        if (placed == null || !placed.isArray() || placed.isEmpty()) {
            throw new IllegalArgumentException("\"cache.layers\" must place every layer: [region, origin, "
                + "block stride, span start, span end]");
        }
        for (JsonNode layer : placed) {
            long[] v = Json.longs(layer, 5, "a layer's [region, origin, block stride, span start, span end]");
            if (v[0] < 0 || v[0] >= regions.size()) { // checked as a long: a cast would wrap -2^32 + 1 to region 1
                throw new IllegalArgumentException("a layer is placed in region " + v[0] + " of " + regions.size()
                    + " (0.." + (regions.size() - 1) + ")");
            }
            layers.add(new LayerPlacement((int) v[0], v[1], v[2], v[3], v[4]));
        }
        if (layers.size() != namespace.layers()) {
            throw new IllegalArgumentException("the namespace says " + namespace.layers() + " layers but "
                + layers.size() + " are placed");
        }
        JsonNode runs = cache.get("runs");
        if (runs == null || !runs.isArray()) {
            throw new IllegalArgumentException("\"cache.runs\" must list a page's [offset, length] runs");
        }
        long[] offsets = new long[runs.size()];
        long[] lengths = new long[runs.size()];
        for (int i = 0; i < offsets.length; i++) {
            long[] run = Json.longs(runs.get(i), 2, "a run's [offset, length]");
            offsets[i] = run[0];
            lengths[i] = run[1];
        }
        int numBlocks = Json.intField(cache, "num_blocks");
        KvCacheSpec spec = withinLongs(() -> new KvCacheSpec(numBlocks, new PageRuns(offsets, lengths), layers),
            () -> "\"cache\" of " + numBlocks + " blocks, layers " + layers + ", runs at " + Arrays.toString(offsets)
                + " of " + Arrays.toString(lengths) + " bytes");
        return new Registration(namespace, spec, regions, fence, false);
    }

    /**
     * A layout whose byte offsets overflow a long is refused as any other bad layout, naming it; the spec's exact
     * arithmetic would otherwise answer the connector with a bare "long overflow".
     */
    private static KvCacheSpec withinLongs(Supplier<KvCacheSpec> spec, Supplier<String> layout) {
        try {
            return spec.get();
        } catch (ArithmeticException e) {
            throw new IllegalArgumentException(layout.get() + ": its byte offsets overflow 64 bits", e);
        }
    }

    private static JsonNode object(JsonNode r, String name) {
        JsonNode v = r.get(name);
        if (v == null || !v.isObject()) {
            throw new IllegalArgumentException("\"" + name + "\" must be an object");
        }
        return v;
    }
}
