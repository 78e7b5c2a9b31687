package io.spillway.perf.eval;

import io.spillway.perf.sim.SimCommand;
import io.spillway.placement.routing.CostFile;
import io.spillway.placement.routing.CostInputs;
import io.spillway.placement.routing.ModelShape;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import picocli.CommandLine.Option;

/**
 * The cost model's figures as options of {@code bench eval} and {@code demo}: a base ({@code --costs}: the defaults,
 * a cost file, or a {@code bench compare --json} / {@code bench bridge --json} measurement; {@code measured} is
 * {@link #MEASURED_FILE}), then each figure given by its own option, then the block's bytes from a model's shape.
 * Every figure keeps where it came from ({@link CostInputs#sources()}), and a run prints them.
 */
public final class CostOptions {
    /** Where {@code --costs measured} reads the measurement, under the repository root. */
    public static final String MEASURED_FILE = "target/costs-measured.json";

    @Option(names = "--costs", paramLabel = "FILE|measured|defaults", defaultValue = "defaults", description =
        "The cost model: defaults (TransferCostModel.defaults: 10 GB/s CPU tier, 3 GB/s NVMe, 200 us a load, 8,000 "
            + "prefill tokens/s, 2 MiB blocks of 16 tokens, all assumed), a cost file (docs/evaluation.md), the JSON "
            + "of bench compare --json or bench bridge --json (its measured load GB/s), or measured (that JSON at "
            + MEASURED_FILE + "; default: ${DEFAULT-VALUE}).")
    String costs = "defaults";

    @Option(names = "--cpu-gbps", description = "Load GB/s from the cluster's CPU tier into a pod.")
    Double cpuGbps;

    @Option(names = "--nvme-gbps", description = "Load GB/s from the NVMe tier.")
    Double nvmeGbps;

    @Option(names = "--load-overhead-us", description = "Fixed microseconds a load request costs.")
    Double loadOverheadMicros;

    @Option(names = "--prefill-tokens-per-s", description = "A pod's prefill tokens per second.")
    Double prefillTokensPerSecond;

    @Option(names = "--model-shape", paramLabel = "NAME", description = "Block bytes from a known model's KV shape: "
        + "llama-3.1-8b, llama-3.1-70b, qwen3-8b, qwen2.5-7b, mistral-7b.")
    String modelShape;

    @Option(names = "--layers", description = "Block bytes from an explicit shape: layers (with --kv-heads, "
        + "--head-size, --dtype).")
    Integer layers;

    @Option(names = "--kv-heads", description = "The shape's KV heads.")
    Integer kvHeads;

    @Option(names = "--head-size", description = "The shape's head size.")
    Integer headSize;

    @Option(names = "--dtype", description = "The shape's cache dtype: bf16, fp16, fp8 or fp32.")
    String dtype;

    /** The figures these options give. */
    public CostInputs resolve() {
        CostInputs c = base();
        c = given(c, CostInputs.CPU_GBPS, cpuGbps, "--cpu-gbps");
        c = given(c, CostInputs.NVME_GBPS, nvmeGbps, "--nvme-gbps");
        c = given(c, CostInputs.LOAD_OVERHEAD_US, loadOverheadMicros, "--load-overhead-us");
        c = given(c, CostInputs.PREFILL_TOKENS_PER_S, prefillTokensPerSecond, "--prefill-tokens-per-s");
        ModelShape shape = shape();
        if (shape != null) {
            c = c.with(CostInputs.BLOCK_BYTES, shape.blockBytes(c.tokensPerBlock()), shape.describe());
        }
        return c;
    }

    /** {@code c} with {@code figure} set from {@code option} where it was given. */
    private static CostInputs given(CostInputs c, String figure, Double value, String option) {
        return value == null ? c : c.with(figure, value, "given: " + option);
    }

    private CostInputs base() {
        if (costs.equals("defaults")) {
            return CostInputs.defaults();
        }
        Path file = costs.equals("measured") ? SimCommand.fromRoot(MEASURED_FILE) : Path.of(costs);
        if (costs.equals("measured") && !Files.isRegularFile(file)) {
            throw new IllegalArgumentException("--costs measured: no measurement at " + file + "; write one with "
                + "bin/spillway bench compare --targets spillway,tcp --json " + MEASURED_FILE
                + " (or bench bridge --json " + MEASURED_FILE + "), or name a cost file");
        }
        String text;
        try {
            text = Files.readString(file, StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new IllegalArgumentException("--costs: cannot read " + file + ": " + e, e);
        }
        return CostFile.parse(text, file.toString(), CostInputs.defaults());
    }

    private ModelShape shape() {
        boolean explicit = layers != null || kvHeads != null || headSize != null || dtype != null;
        if (modelShape != null && explicit) {
            throw new IllegalArgumentException("--model-shape and --layers/--kv-heads/--head-size/--dtype exclude "
                + "each other");
        }
        if (modelShape != null) {
            return ModelShape.named(modelShape);
        }
        if (!explicit) {
            return null;
        }
        if (layers == null || kvHeads == null || headSize == null || dtype == null) {
            throw new IllegalArgumentException("an explicit model shape needs all of --layers, --kv-heads, "
                + "--head-size and --dtype");
        }
        return new ModelShape("custom", layers, kvHeads, headSize, ModelShape.dtypeBytes(dtype));
    }
}
