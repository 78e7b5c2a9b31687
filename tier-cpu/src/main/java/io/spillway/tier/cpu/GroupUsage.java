package io.spillway.tier.cpu;

/**
 * One group's share of the CPU tier's index ({@link CpuTier#groupUsage()}): the bytes and blocks indexed now, its
 * limit ({@link Long#MAX_VALUE} when none), and how many of its blocks were evicted to keep it under the limit.
 */
public record GroupUsage(long bytes, long blocks, long limitBytes, long evictions) {
    /** Whether a limit is set. */
    public boolean limited() {
        return limitBytes != Long.MAX_VALUE;
    }
}
