package io.spillway.perf.eval;

import io.spillway.placement.routing.TransferCostModel;

/**
 * The simulated engine's sizes and costs. A step of continuous batching runs every running sequence's decode token
 * and, within {@code stepTokenBudget}, chunks of prefill, and takes {@code stepBaseNanos + prefill tokens /
 * prefillTokensPerSecond + decoding sequences * decodeNanosPerSequence}.
 *
 * <p>Where the defaults come from: {@code maxRunning} 256 and {@code stepTokenBudget} 8,192 are vLLM's defaults for
 * {@code max_num_seqs} and {@code max_num_batched_tokens} (online serving, V1). The prefill rate and the cost of a
 * cluster load are the router's {@link TransferCostModel#defaults()} (a Llama-3-8B-sized model: 2 MiB blocks of 16
 * tokens, 8,000 prefill tokens/s, 10 GB/s from the CPU tier, 3 GB/s from NVMe), so that the router values a hit as
 * the simulated engine pays for it. The step base (10 ms: about 100 tokens/s for one sequence) and the per-sequence
 * decode cost (0.1 ms) are assumptions of the same order as published single-GPU 8B decode rates, not measured
 * here (this machine has no GPU). {@code gpuBlocks} 16,384 (256k tokens, 32 GiB of 2 MiB blocks) is a GPU's KV
 * memory after an 8B model's weights. All are options of {@code bench eval}.
 */
public record EngineParams(int gpuBlocks, int maxRunning, int stepTokenBudget, long stepBaseNanos,
                           long decodeNanosPerSequence, TransferCostModel costs) {
    public EngineParams {
        if (gpuBlocks < 1 || maxRunning < 1 || stepTokenBudget < 1 || stepBaseNanos < 0 || decodeNanosPerSequence < 0) {
            throw new IllegalArgumentException("gpuBlocks, maxRunning and stepTokenBudget must be >= 1 and costs >= 0,"
                + " got " + gpuBlocks + ", " + maxRunning + ", " + stepTokenBudget + ", " + stepBaseNanos + ", "
                + decodeNanosPerSequence);
        }
    }

    public static EngineParams defaults() {
        return new EngineParams(16_384, 256, 8_192, 10_000_000L, 100_000L, TransferCostModel.defaults());
    }

    public EngineParams withGpuBlocks(int blocks) {
        return new EngineParams(blocks, maxRunning, stepTokenBudget, stepBaseNanos, decodeNanosPerSequence, costs);
    }

    /** The same engine paying {@code model}'s prefill rate and loads (the router values hits by the same model). */
    public EngineParams withCosts(TransferCostModel model) {
        if (model.tokensPerBlock() != BlockSpace.TOKENS_PER_BLOCK) {
            throw new IllegalArgumentException("the simulated engine keys blocks of " + BlockSpace.TOKENS_PER_BLOCK
                + " tokens; the cost model has " + model.tokensPerBlock());
        }
        return new EngineParams(gpuBlocks, maxRunning, stepTokenBudget, stepBaseNanos, decodeNanosPerSequence, model);
    }

    /**
     * The same engine {@code factor} times faster in every cost (steps, prefill, decode, loads): with arrivals
     * compressed by the same factor, a run keeps its shape in a {@code factor}-th of the time (for live runs).
     */
    public EngineParams faster(double factor) {
        if (!(factor > 0)) {
            throw new IllegalArgumentException("factor must be > 0, got " + factor);
        }
        TransferCostModel c = costs;
        return new EngineParams(gpuBlocks, maxRunning, stepTokenBudget, Math.round(stepBaseNanos / factor),
            Math.round(decodeNanosPerSequence / factor), new TransferCostModel(c.bytesPerBlock(),
            c.cpuBytesPerSecond() * factor, c.nvmeBytesPerSecond() * factor, Math.round(c.overheadNanosPerLoad()
            / factor), c.prefillTokensPerSecond() * factor, c.tokensPerBlock()));
    }

    /** Nanoseconds a step takes with {@code prefillTokens} of prefill and {@code decoding} sequences decoding. */
    long stepNanos(int prefillTokens, int decoding) {
        return stepBaseNanos + Math.round(prefillTokens * 1e9 / costs.prefillTokensPerSecond())
            + decoding * decodeNanosPerSequence;
    }
}
