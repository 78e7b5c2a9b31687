package io.spillway.server;

import io.spillway.key.BlockKey;
import io.spillway.tier.TierListener;
import io.spillway.tier.cpu.CpuTier;
import io.spillway.tier.cpu.CpuTierContext;
import io.spillway.tier.nvme.NvmeTier;
import io.spillway.tier.nvme.NvmeTierContext;
import java.util.function.Function;

/**
 * Opens the production tiers from the context's {@code spillway.nvme.*} and {@code spillway.cpu.*} settings:
 * NVMe first (it is the CPU tier's next tier: evictions demote into it), then CPU in front of it, with NVMe hits
 * promoted through {@link CpuTier#promote} so they count as promotions, not puts. With
 * {@code spillway.server.nvmeEnabled=false} the node is memory-only: the CPU tier drops what it evicts. With
 * {@code tenantOf}, the CPU tier groups blocks by tenant so tenant quotas can limit each one's share. Both tiers tell
 * {@code listener} of every change of the keys they hold (the event feed).
 */
final class DefaultTiers {
    private DefaultTiers() {
    }

    static TierChain open(ServerContext ctx, Function<BlockKey, String> tenantOf, TierListener listener) {
        if (!ctx.nvmeEnabled()) {
            CpuTier cpu = CpuTier.open(CpuTierContext.fromProperties(ctx.cpuProperties()).groupOf(tenantOf)
                .listener(listener).build());
            return new TierChain(new TierChain.Stage(cpu, cpu.capacityBytes()), null, cpu::promote, false);
        }
        NvmeTier nvme = NvmeTier.open(NvmeTierContext.builder().properties(ctx.nvmeProperties()).listener(listener)
            .build());
        CpuTier cpu;
        try {
            cpu = CpuTier.open(CpuTierContext.fromProperties(ctx.cpuProperties()).nextTier(nvme).groupOf(tenantOf)
                .listener(listener).build());
        } catch (RuntimeException e) {
            nvme.close();
            throw e;
        }
        return new TierChain(new TierChain.Stage(cpu, cpu.capacityBytes()),
            new TierChain.Stage(nvme, nvme.capacityBytes()), cpu::promote, ctx.promoteOnHit());
    }
}
