package io.spillway.key;

import java.util.Objects;
import org.jspecify.annotations.Nullable;

/**
 * Everything that makes KV bytes differ for the same tokens. Blocks of different namespaces never match: the
 * namespace's {@link #id()} is the root {@code k_0} of every block-key chain computed under it.
 * The exact byte encoding is in docs/block-keys.md; {@link BlockKeys} is its one implementation.
 */
public final class Namespace {
    private final String tenant;
    private final String modelId;
    private final String loraAdapter;
    private final String dtype;
    private final int blockSizeTokens;
    private final int layers;
    private final int kvHeads;
    private final int headDim;
    private final int tpSize;
    private final int tpRank;
    private final int ppSize;
    private final int ppRank;
    private final String layout;
    private volatile @Nullable BlockKey id;

    private Namespace(Builder b) {
        this.tenant = b.tenant;
        this.modelId = b.modelId;
        this.loraAdapter = b.loraAdapter;
        this.dtype = b.dtype;
        this.blockSizeTokens = b.blockSizeTokens;
        this.layers = b.layers;
        this.kvHeads = b.kvHeads;
        this.headDim = b.headDim;
        this.tpSize = b.tpSize;
        this.tpRank = b.tpRank;
        this.ppSize = b.ppSize;
        this.ppRank = b.ppRank;
        this.layout = b.layout;
    }

    public static Builder builder() {
        return new Builder();
    }

    /** The chain root {@code k_0 = H(namespace)}: the namespace's id on the wire and in the tiers. */
    public BlockKey id() {
        BlockKey k = id;
        if (k == null) {
            k = BlockKeys.namespaceRoot(this);
            id = k;
        }
        return k;
    }

    public String tenant() { return tenant; }
    public String modelId() { return modelId; }
    /** The LoRA adapter name, or the empty string for the base model. */
    public String loraAdapter() { return loraAdapter; }
    public String dtype() { return dtype; }
    public int blockSizeTokens() { return blockSizeTokens; }
    public int layers() { return layers; }
    public int kvHeads() { return kvHeads; }
    public int headDim() { return headDim; }
    public int tpSize() { return tpSize; }
    public int tpRank() { return tpRank; }
    /** Pipeline-parallel stages: each stage holds its own layers' KV, so stages never share blocks. */
    public int ppSize() { return ppSize; }
    public int ppRank() { return ppRank; }
    public String layout() { return layout; }

    public Builder toBuilder() {
        return new Builder().tenant(tenant).modelId(modelId).loraAdapter(loraAdapter).dtype(dtype)
            .blockSizeTokens(blockSizeTokens).layers(layers).kvHeads(kvHeads).headDim(headDim)
            .tpSize(tpSize).tpRank(tpRank).ppSize(ppSize).ppRank(ppRank).layout(layout);
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof Namespace n && n.blockSizeTokens == blockSizeTokens && n.layers == layers
            && n.kvHeads == kvHeads && n.headDim == headDim && n.tpSize == tpSize && n.tpRank == tpRank
            && n.ppSize == ppSize && n.ppRank == ppRank && n.tenant.equals(tenant) && n.modelId.equals(modelId) && n.loraAdapter.equals(loraAdapter)
            && n.dtype.equals(dtype) && n.layout.equals(layout);
    }

    @Override
    public int hashCode() {
        return Objects.hash(tenant, modelId, loraAdapter, dtype, blockSizeTokens, layers, kvHeads, headDim, tpSize,
            tpRank, ppSize, ppRank, layout);
    }

    @Override
    public String toString() {
        return "Namespace{tenant=" + tenant + ", model=" + modelId + (loraAdapter.isEmpty() ? "" : ", lora=" + loraAdapter)
            + ", dtype=" + dtype + ", blockSize=" + blockSizeTokens + ", layers=" + layers + ", kvHeads=" + kvHeads
            + ", headDim=" + headDim + ", tp=" + tpRank + "/" + tpSize + (ppSize == 1 ? "" : ", pp=" + ppRank + "/" + ppSize)
            + ", layout=" + layout + "}";
    }

    /** Builds a namespace; {@link #build()} rejects missing or out-of-range fields with a message naming them. */
    public static final class Builder {
        private String tenant = "default";
        @SuppressWarnings("NullAway.Init") // build() rejects a namespace without one
        private String modelId;
        private String loraAdapter = "";
        private String dtype = "bfloat16";
        private int blockSizeTokens = 16;
        private int layers;
        private int kvHeads;
        private int headDim;
        private int tpSize = 1;
        private int tpRank = 0;
        private int ppSize = 1;
        private int ppRank = 0;
        private String layout = "NHD";

        public Builder tenant(String v) { tenant = v; return this; }
        public Builder modelId(String v) { modelId = v; return this; }
        public Builder loraAdapter(String v) { loraAdapter = v == null ? "" : v; return this; }
        public Builder dtype(String v) { dtype = v; return this; }
        public Builder blockSizeTokens(int v) { blockSizeTokens = v; return this; }
        public Builder layers(int v) { layers = v; return this; }
        public Builder kvHeads(int v) { kvHeads = v; return this; }
        public Builder headDim(int v) { headDim = v; return this; }
        public Builder tpSize(int v) { tpSize = v; return this; }
        public Builder tpRank(int v) { tpRank = v; return this; }
        public Builder ppSize(int v) { ppSize = v; return this; }
        public Builder ppRank(int v) { ppRank = v; return this; }
        public Builder layout(String v) { layout = v; return this; }

        public Namespace build() {
            requireText("tenant", tenant);
            requireText("modelId", modelId);
            requireText("dtype", dtype);
            requireText("layout", layout);
            Utf8.requireWellFormed("loraAdapter", loraAdapter);
            requirePositive("blockSizeTokens", blockSizeTokens);
            requirePositive("layers", layers);
            requirePositive("kvHeads", kvHeads);
            requirePositive("headDim", headDim);
            requirePositive("tpSize", tpSize);
            if (tpRank < 0 || tpRank >= tpSize) {
                throw new IllegalArgumentException("tpRank must be in [0, tpSize=" + tpSize + "), got " + tpRank);
            }
            requirePositive("ppSize", ppSize);
            if (ppRank < 0 || ppRank >= ppSize) {
                throw new IllegalArgumentException("ppRank must be in [0, ppSize=" + ppSize + "), got " + ppRank);
            }
            return new Namespace(this);
        }

        private static void requireText(String name, String value) {
            if (value == null || value.isBlank()) {
                throw new IllegalArgumentException(name + " must be set, got '" + value + "'");
            }
            Utf8.requireWellFormed(name, value);
        }

        private static void requirePositive(String name, int value) {
            if (value <= 0) {
                throw new IllegalArgumentException(name + " must be > 0, got " + value);
            }
        }
    }
}
