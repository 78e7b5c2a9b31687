package io.spillway.perf.eval;

import io.spillway.placement.index.Medium;
import io.spillway.placement.routing.TransferCostModel;

/**
 * The Spillway cluster as the simulator sees it: a CPU tier in front of an NVMe tier, each least recently used, a
 * block evicted from CPU demoted to NVMe and one evicted from NVMe gone. Shared by every pod; a load takes the
 * transfer-cost model's time on the pods' clock.
 */
final class SimCluster implements ClusterTiers {
    private final IntLru cpu;
    private final IntLru nvme;
    private final BlockEvents events;
    private final TransferCostModel costs;
    private final EngineClock clock;

    SimCluster(int cpuBlocks, int nvmeBlocks, BlockEvents events, TransferCostModel costs, EngineClock clock) {
        this.cpu = new IntLru(cpuBlocks);
        this.nvme = new IntLru(nvmeBlocks);
        this.events = events;
        this.costs = costs;
        this.clock = clock;
    }

    @Override
    public void fetch(int[] blocks, int from, Loaded done) {
        int inCpu = 0;
        int inNvme = 0;
        for (int b = from; b < blocks.length; b++) {
            Medium tier = peek(blocks[b]);
            if (tier == null) {
                break;
            }
            if (tier == Medium.CPU) {
                inCpu++;
            } else {
                inNvme++;
            }
        }
        if (inCpu + inNvme == 0 || costs.netTokens(inCpu, inNvme) <= 0) {
            done.loaded(0, 0, clock.now());
            return;
        }
        for (int b = from; b < from + inCpu + inNvme; b++) {
            lookup(blocks[b]);
        }
        int c = inCpu;
        int n = inNvme;
        double seconds = costs.loadSeconds(Medium.CPU, c) + costs.loadSeconds(Medium.NVME, n);
        clock.at(clock.now() + Math.round(seconds * 1e9), at -> done.loaded(c, n, at));
    }

    /** The tier holding {@code block} (refreshing it there), or null. */
    Medium lookup(int block) {
        if (cpu.touch(block)) {
            return Medium.CPU;
        }
        if (nvme.touch(block)) {
            return Medium.NVME;
        }
        return null;
    }

    /** The tier holding {@code block} without refreshing it, or null. */
    Medium peek(int block) {
        return cpu.contains(block) ? Medium.CPU : nvme.contains(block) ? Medium.NVME : null;
    }

    /** A pod offloads {@code block} (one it evicted): it goes to the CPU tier unless the cluster has it. */
    @Override
    public void offload(int block) {
        if (cpu.touch(block) || nvme.contains(block)) {
            return;
        }
        events.clusterStored(Medium.CPU, block);
        int demoted = cpu.add(block);
        if (demoted >= 0) {
            events.clusterRemoved(Medium.CPU, demoted);
            events.clusterStored(Medium.NVME, demoted);
            int dropped = nvme.add(demoted);
            if (dropped >= 0) {
                events.clusterRemoved(Medium.NVME, dropped);
            }
        }
    }
}
