package io.spillway.placement.routing;

import io.spillway.placement.index.Medium;

/**
 * What a prefix hit in a Spillway cluster tier is worth to a pod: loading a block takes its bytes over the tier's
 * measured bandwidth plus a fixed cost per load; not loading it means prefilling its tokens. A block is worth the
 * prefill time it saves less the time its load takes, as a fraction of the prefill time: 1 when loading is free, 0
 * when it is no faster than recomputing (a hit is never worth less than nothing: the pod can always recompute).
 *
 * @param bytesPerBlock           the KV bytes of one block (all layers)
 * @param cpuBytesPerSecond       measured load bandwidth from the cluster's CPU tier into a pod
 * @param nvmeBytesPerSecond      the same from the NVMe tier
 * @param overheadNanosPerLoad    fixed cost of one load request, spread over the blocks it loads
 * @param prefillTokensPerSecond  the model's prefill throughput on one pod
 * @param tokensPerBlock          tokens in one block
 */
public record TransferCostModel(long bytesPerBlock, double cpuBytesPerSecond, double nvmeBytesPerSecond,
                                long overheadNanosPerLoad, double prefillTokensPerSecond, int tokensPerBlock) {
    public TransferCostModel {
        if (bytesPerBlock <= 0 || tokensPerBlock <= 0 || overheadNanosPerLoad < 0) {
            throw new IllegalArgumentException("bytesPerBlock and tokensPerBlock must be > 0 and the overhead >= 0,"
                + " got " + bytesPerBlock + ", " + tokensPerBlock + ", " + overheadNanosPerLoad);
        }
        if (!(cpuBytesPerSecond > 0) || !(nvmeBytesPerSecond > 0) || !(prefillTokensPerSecond > 0)) {
            throw new IllegalArgumentException("bandwidths and prefill throughput must be > 0, got cpu "
                + cpuBytesPerSecond + ", nvme " + nvmeBytesPerSecond + ", prefill " + prefillTokensPerSecond);
        }
    }

    /**
     * A model of a Llama-3-8B-sized pod: 16-token blocks of 2 MiB (32 layers × K and V × 8 KV heads × 128 × bf16),
     * 8,000 prefill tokens/s, 10 GB/s from CPU memory and 3 GB/s from NVMe, 200 µs a load. Replace the figures with
     * measured ones (bench compare, the GPU bridge's figures) for a real deployment.
     */
    public static TransferCostModel defaults() {
        return new TransferCostModel(2L << 20, 10e9, 3e9, 200_000, 8_000, 16);
    }

    /** Seconds to prefill one block. */
    public double prefillSecondsPerBlock() {
        return tokensPerBlock / prefillTokensPerSecond;
    }

    /** Seconds to load {@code blocks} blocks from {@code tier} (CPU or NVME) in one request. */
    public double loadSeconds(Medium tier, int blocks) {
        if (blocks <= 0) {
            return 0;
        }
        double bandwidth = tier == Medium.NVME ? nvmeBytesPerSecond : cpuBytesPerSecond;
        return overheadNanosPerLoad / 1e9 + blocks * (double) bytesPerBlock / bandwidth;
    }

    /**
     * The worth of a run of cluster hits, in tokens of prefill saved net of the load: {@code cpuBlocks} from the CPU
     * tier and {@code nvmeBlocks} from NVMe, loaded in one request each; at least 0.
     */
    public double netTokens(int cpuBlocks, int nvmeBlocks) {
        double saved = (cpuBlocks + nvmeBlocks) * prefillSecondsPerBlock();
        double cost = loadSeconds(Medium.CPU, cpuBlocks) + loadSeconds(Medium.NVME, nvmeBlocks);
        return Math.max(0, saved - cost) * prefillTokensPerSecond;
    }
}
