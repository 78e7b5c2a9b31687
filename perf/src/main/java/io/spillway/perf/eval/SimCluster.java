package io.spillway.perf.eval;

import io.spillway.placement.index.Medium;

/**
 * The Spillway cluster as the simulator sees it: a CPU tier in front of an NVMe tier, each least recently used, a
 * block evicted from CPU demoted to NVMe and one evicted from NVMe gone. Shared by every pod.
 */
final class SimCluster {
    private final IntLru cpu;
    private final IntLru nvme;
    private final BlockEvents events;

    SimCluster(int cpuBlocks, int nvmeBlocks, BlockEvents events) {
        this.cpu = new IntLru(cpuBlocks);
        this.nvme = new IntLru(nvmeBlocks);
        this.events = events;
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
    void offload(int block) {
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
