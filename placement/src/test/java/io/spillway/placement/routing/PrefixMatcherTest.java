package io.spillway.placement.routing;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.spillway.placement.index.BlockLocationIndex;
import io.spillway.placement.index.Location;
import io.spillway.placement.index.Medium;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The runs a match reports: per pod in its GPU and in any of its media, and the cluster's by tier, to the first gap. */
class PrefixMatcherTest {
    private static final int BLOCKS = 10;

    @Test
    void runsPerPodAndForTheClusterStopAtTheirFirstGap() {
        BlockLocationIndex index = new BlockLocationIndex(1000);
        int aGpu = index.location(Location.pod("a", Medium.GPU));
        int aCpu = index.location(Location.pod("a", Medium.CPU));
        int bGpu = index.location(Location.pod("b", Medium.GPU));
        int n1Cpu = index.location(Location.node("n1", Medium.CPU));
        int n2Nvme = index.location(Location.node("n2", Medium.NVME));
        int otherPod = index.location(Location.pod("not-a-candidate", Medium.GPU));
        long[] his = new long[BLOCKS];
        long[] los = new long[BLOCKS];
        for (int k = 0; k < BLOCKS; k++) {
            his[k] = 7;
            los[k] = k;
        }
        for (int k = 0; k < 3; k++) {
            index.add(7, k, aGpu); // a: GPU 0..2
        }
        for (int k = 3; k < 5; k++) {
            index.add(7, k, aCpu); // a: its own CPU offload 3..4
        }
        index.add(7, 0, bGpu); // b: GPU 0 only, then 2 (after a gap)
        index.add(7, 2, bGpu);
        for (int k = 0; k < 7; k++) {
            index.add(7, k, k % 2 == 0 ? n1Cpu : n2Nvme); // the cluster: 0..6, CPU on even blocks, NVMe on odd
        }
        index.add(7, 4, n1Cpu);
        index.add(7, 4, n2Nvme); // both tiers: CPU counts
        for (int k = 0; k < BLOCKS; k++) {
            index.add(7, k, otherPod); // a pod that is not a candidate never extends a candidate's run
        }
        List<Pod> pods = List.of(Pod.idle("a", PodRole.BOTH), Pod.idle("b", PodRole.BOTH), Pod.idle("c", PodRole.BOTH));
        RoutingRequest request = new RoutingRequest(BLOCKS * 16 + 5, 16, his, los, BLOCKS);
        PrefixMatch m = new PrefixMatcher(index).match(request, pods, new PrefixMatch());
        assertEquals(3, m.gpuBlocks(0));
        assertEquals(5, m.podBlocks(0));
        assertEquals(1, m.gpuBlocks(1));
        assertEquals(1, m.podBlocks(1));
        assertEquals(0, m.gpuBlocks(2));
        assertEquals(7, m.clusterBlocks());
        assertEquals(4, m.clusterCpuBlocks(0, 7), "blocks 0, 2, 4, 6 are in a CPU tier");
        assertEquals(1, m.clusterCpuBlocks(5, 7));
    }

    @Test
    void longStretchesWithTheSameLocationsEndEachRunWhereItsPodStops() {
        BlockLocationIndex index = new BlockLocationIndex(10_000);
        int aGpu = index.location(Location.pod("a", Medium.GPU));
        int bGpu = index.location(Location.pod("b", Medium.GPU));
        int node = index.location(Location.node("n1", Medium.CPU));
        int blocks = 300;
        long[] his = new long[blocks];
        long[] los = new long[blocks];
        for (int k = 0; k < blocks; k++) {
            his[k] = 9;
            los[k] = k;
            if (k < 150) {
                index.add(9, k, aGpu);
            }
            if (k < 100) {
                index.add(9, k, bGpu);
            }
            if (k < 200) {
                index.add(9, k, node);
            }
        }
        List<Pod> pods = List.of(Pod.idle("a", PodRole.BOTH), Pod.idle("b", PodRole.BOTH), Pod.idle("c", PodRole.BOTH));
        PrefixMatch m = new PrefixMatcher(index).match(new RoutingRequest(blocks * 16, 16, his, los, blocks), pods,
            new PrefixMatch());
        assertEquals(150, m.gpuBlocks(0));
        assertEquals(100, m.gpuBlocks(1));
        assertEquals(0, m.gpuBlocks(2));
        assertEquals(200, m.clusterBlocks());
        assertEquals(200, m.clusterCpuBlocks(0, 200));
    }
}
