package io.spillway.placement.routing;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * The figures a {@link TransferCostModel} is built from, each with where it came from (measured by which command on
 * which date, or assumed), so that a run can print what it priced a cluster hit at and why. Bandwidths are GB/s of
 * 10^9 bytes, as {@code bench compare} reports them.
 *
 * @param cpuGbps                load bandwidth from the cluster's CPU tier into a pod
 * @param nvmeGbps               the same from the NVMe tier
 * @param loadOverheadMicros     fixed cost of one load request
 * @param prefillTokensPerSecond one pod's prefill throughput
 * @param tokensPerBlock         tokens in a block
 * @param blockBytes             KV bytes of a block (all layers)
 * @param sources                per figure ({@link #FIELDS}), where it came from
 */
public record CostInputs(double cpuGbps, double nvmeGbps, double loadOverheadMicros, double prefillTokensPerSecond,
                         int tokensPerBlock, long blockBytes, Map<String, String> sources) {
    public static final String CPU_GBPS = "cpu_gbps";
    public static final String NVME_GBPS = "nvme_gbps";
    public static final String LOAD_OVERHEAD_US = "load_overhead_us";
    public static final String PREFILL_TOKENS_PER_S = "prefill_tokens_per_s";
    public static final String TOKENS_PER_BLOCK = "tokens_per_block";
    public static final String BLOCK_BYTES = "block_bytes";
    /** The figures' names, as the cost file spells them. */
    public static final List<String> FIELDS = List.of(CPU_GBPS, NVME_GBPS, LOAD_OVERHEAD_US,
        PREFILL_TOKENS_PER_S, TOKENS_PER_BLOCK, BLOCK_BYTES);

    public CostInputs {
        positive(CPU_GBPS, cpuGbps);
        positive(NVME_GBPS, nvmeGbps);
        positive(PREFILL_TOKENS_PER_S, prefillTokensPerSecond);
        if (!(loadOverheadMicros >= 0) || Double.isInfinite(loadOverheadMicros)) {
            throw new IllegalArgumentException(LOAD_OVERHEAD_US + " must be >= 0, got " + loadOverheadMicros);
        }
        if (tokensPerBlock < 1) {
            throw new IllegalArgumentException(TOKENS_PER_BLOCK + " must be >= 1, got " + tokensPerBlock);
        }
        if (blockBytes < 1) {
            throw new IllegalArgumentException(BLOCK_BYTES + " must be >= 1, got " + blockBytes);
        }
        sources = Map.copyOf(sources);
    }

    /** {@link TransferCostModel#defaults()}'s figures, every one marked assumed. */
    public static CostInputs defaults() {
        TransferCostModel d = TransferCostModel.defaults();
        Map<String, String> s = new LinkedHashMap<>();
        s.put(CPU_GBPS, "assumed (TransferCostModel.defaults)");
        s.put(NVME_GBPS, "assumed (TransferCostModel.defaults)");
        s.put(LOAD_OVERHEAD_US, "assumed (TransferCostModel.defaults)");
        s.put(PREFILL_TOKENS_PER_S, "assumed (TransferCostModel.defaults)");
        s.put(TOKENS_PER_BLOCK, "assumed (TransferCostModel.defaults)");
        s.put(BLOCK_BYTES, "Llama-3.1-8B's shape, " + ModelShape.named("llama-3.1-8b").describe());
        return new CostInputs(d.cpuBytesPerSecond() / 1e9, d.nvmeBytesPerSecond() / 1e9,
            d.overheadNanosPerLoad() / 1e3, d.prefillTokensPerSecond(), d.tokensPerBlock(), d.bytesPerBlock(), s);
    }

    /** The model these figures make. */
    public TransferCostModel model() {
        return new TransferCostModel(blockBytes, cpuGbps * 1e9, nvmeGbps * 1e9, Math.round(loadOverheadMicros * 1e3),
            prefillTokensPerSecond, tokensPerBlock);
    }

    /**
     * The bandwidth below which loading a block from a tier is slower than prefilling its tokens (the per-load
     * overhead aside): bytes per token × prefill tokens/s, in GB/s.
     */
    public double breakEvenGbps() {
        return blockBytes / (double) tokensPerBlock * prefillTokensPerSecond / 1e9;
    }

    /** The same figures with one replaced ({@link #FIELDS} name) and its source. */
    public CostInputs with(String field, double value, String source) {
        Map<String, String> s = new LinkedHashMap<>(sources);
        s.put(field, source);
        return switch (field) {
            case CPU_GBPS -> new CostInputs(value, nvmeGbps, loadOverheadMicros, prefillTokensPerSecond,
                tokensPerBlock, blockBytes, s);
            case NVME_GBPS -> new CostInputs(cpuGbps, value, loadOverheadMicros, prefillTokensPerSecond,
                tokensPerBlock, blockBytes, s);
            case LOAD_OVERHEAD_US -> new CostInputs(cpuGbps, nvmeGbps, value, prefillTokensPerSecond, tokensPerBlock,
                blockBytes, s);
            case PREFILL_TOKENS_PER_S -> new CostInputs(cpuGbps, nvmeGbps, loadOverheadMicros, value, tokensPerBlock,
                blockBytes, s);
            case TOKENS_PER_BLOCK -> new CostInputs(cpuGbps, nvmeGbps, loadOverheadMicros, prefillTokensPerSecond,
                whole(field, value), blockBytes, s);
            case BLOCK_BYTES -> new CostInputs(cpuGbps, nvmeGbps, loadOverheadMicros, prefillTokensPerSecond,
                tokensPerBlock, Math.round(value), s);
            default -> throw new IllegalArgumentException("unknown cost figure '" + field + "': known " + FIELDS);
        };
    }

    /** One line a figure: {@code name = value (source)}. */
    public String describe() {
        StringBuilder b = new StringBuilder();
        b.append(line(CPU_GBPS, String.format(Locale.ROOT, "%.3g GB/s", cpuGbps)));
        b.append(line(NVME_GBPS, String.format(Locale.ROOT, "%.3g GB/s", nvmeGbps)));
        b.append(line(LOAD_OVERHEAD_US, String.format(Locale.ROOT, "%.0f us", loadOverheadMicros)));
        b.append(line(PREFILL_TOKENS_PER_S, String.format(Locale.ROOT, "%.0f tokens/s", prefillTokensPerSecond)));
        b.append(line(TOKENS_PER_BLOCK, Integer.toString(tokensPerBlock)));
        b.append(line(BLOCK_BYTES, String.format(Locale.ROOT, "%,d (%d KiB a token)", blockBytes,
            blockBytes / tokensPerBlock / 1024)));
        b.append(String.format(Locale.ROOT, "  loading beats prefilling above %.3g GB/s%n", breakEvenGbps()));
        return b.toString();
    }

    private String line(String field, String value) {
        return String.format(Locale.ROOT, "  %-21s %s (%s)%n", field, value,
            sources.getOrDefault(field, "source not given"));
    }

    private static void positive(String field, double v) {
        if (!(v > 0) || Double.isInfinite(v)) {
            throw new IllegalArgumentException(field + " must be > 0, got " + v);
        }
    }

    private static int whole(String field, double v) {
        if (v != Math.rint(v) || v < 1 || v > Integer.MAX_VALUE) {
            throw new IllegalArgumentException(field + " must be a whole number >= 1, got " + v);
        }
        return (int) v;
    }
}
