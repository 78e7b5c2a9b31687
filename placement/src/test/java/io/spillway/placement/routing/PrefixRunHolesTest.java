package io.spillway.placement.routing;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.spillway.placement.index.BlockLocationIndex;
import io.spillway.placement.index.Location;
import io.spillway.placement.index.Medium;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/**
 * The match over caches shaped as prefix-aware routing leaves them (RoutingBenchmark's common layout, small): up to
 * four of many pods hold prefixes of the prompt, cut back from the tail as vLLM frees a sequence's tail blocks first,
 * cluster nodes take turns over all of it; then holes at random places (a block evicted mid-chain, from a pod or a
 * node). Every run must end exactly where a key-by-key walk of the index ends it. 400 seeds.
 */
class PrefixRunHolesTest {
    private static final int SEEDS = 400;

    @Test
    void everyRunEndsAtItsFirstHoleAsAKeyByKeyWalkFinds() {
        for (long seed = 0; seed < SEEDS; seed++) {
            SplittableRandom r = new SplittableRandom(seed);
            BlockLocationIndex index = new BlockLocationIndex(100_000);
            int blocks = 1 + r.nextInt(300);
            long[] his = new long[blocks];
            long[] los = new long[blocks];
            for (int k = 0; k < blocks; k++) {
                his[k] = r.nextLong();
                los[k] = r.nextLong();
            }
            List<Pod> pods = new ArrayList<>();
            int podCount = 4 + r.nextInt(40);
            int[] gpus = new int[podCount];
            for (int i = 0; i < podCount; i++) {
                String id = "10.0.2." + i + ":8000";
                pods.add(new Pod(id, id, PodRole.BOTH, true, 0, 0, 0, 0));
                gpus[i] = index.location(Location.pod(id, Medium.GPU));
            }
            List<Integer> holders = new ArrayList<>();
            for (int j = 0, n = 1 + r.nextInt(4); j < n; j++) {
                int pod = r.nextInt(podCount);
                holders.add(gpus[pod]);
                index.addAll(gpus[pod], his, los, blocks);
                for (int k = blocks - 1, tail = r.nextInt(blocks + 1); k >= blocks - tail; k--) {
                    index.remove(his[k], los[k], gpus[pod]); // the tail freed first
                }
            }
            int nodeCount = 1 + r.nextInt(3);
            int[] nodes = new int[nodeCount];
            for (int n = 0; n < nodeCount; n++) {
                nodes[n] = index.location(Location.node("n" + n, r.nextBoolean() ? Medium.CPU : Medium.NVME));
                holders.add(nodes[n]);
            }
            for (int k = 0; k < blocks; k++) {
                index.add(his[k], los[k], nodes[k % nodeCount]);
            }
            for (int i = 0, holes = r.nextInt(6); i < holes; i++) {
                int k = r.nextInt(blocks);
                index.remove(his[k], los[k], holders.get(r.nextInt(holders.size())));
            }
            RoutingRequest request = new RoutingRequest(blocks * 16, 16, his, los, blocks);
            PrefixMatch match = new PrefixMatcher(index).match(request, pods, new PrefixMatch());
            String where = " (seed " + seed + ")";
            for (int i = 0; i < podCount; i++) {
                int run = 0;
                while (run < blocks && index.contains(his[run], los[run], gpus[i])) {
                    run++;
                }
                assertEquals(run, match.gpuBlocks(i), "pod " + i + "'s GPU run" + where);
                assertEquals(run, match.podBlocks(i), "pod " + i + "'s own run" + where);
            }
            int cluster = 0;
            int inCpu = 0;
            while (cluster < blocks) {
                boolean held = false;
                boolean cpu = false;
                for (int node : nodes) {
                    if (index.contains(his[cluster], los[cluster], node)) {
                        held = true;
                        cpu |= Objects.requireNonNull(index.locations().location(node)).medium() == Medium.CPU;
                    }
                }
                if (!held) {
                    break;
                }
                inCpu += cpu ? 1 : 0;
                cluster++;
            }
            assertEquals(cluster, match.clusterBlocks(), "the cluster's run" + where);
            assertEquals(inCpu, match.clusterCpuBlocks(0, cluster), "the cluster's CPU blocks" + where);
        }
    }
}
