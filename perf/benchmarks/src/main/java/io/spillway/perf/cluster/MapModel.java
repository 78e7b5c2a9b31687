package io.spillway.perf.cluster;

import io.spillway.cluster.NodeInfo;
import io.spillway.cluster.PartitionMap;
import io.spillway.cluster.PartitionMaps;
import io.spillway.key.BlockKey;
import io.spillway.server.cluster.AffinityMaps;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * What the partition map costs and how evenly it spreads as a cluster grows, computed with the members' own map
 * function ({@link AffinityMaps#compute}) for made-up members — no processes, so it reaches sizes this machine
 * cannot run: the wire size of the map (what every client fetches after each topology change), the time to
 * compute it (what every member spends on each change), partitions per node, and the share of partitions whose
 * owners change when one node fails or joins (the share of the data that moves).
 */
final class MapModel {
    private MapModel() {
    }

    /** One cluster size under one setting. */
    record Row(int nodes, int partitions, int replication, int mapBytes, double computeMillis, int minOwned,
               double meanOwned, int maxOwned, int maxPrimaries, double failureMoveShare, double joinMoveShare) {
    }

    static Row measure(int nodes, int partitions, int replication, int maxReplication, int zones, int namespaces) {
        Map<BlockKey, Integer> perNamespace = new HashMap<>();
        for (int i = 0; i < namespaces; i++) {
            perNamespace.put(new BlockKey(0x5ca1e000L + i, i), replication);
        }
        List<NodeInfo> members = members(nodes, zones, 0);
        PartitionMap map = compute(members, partitions, maxReplication, replication, perNamespace);
        double millis = computeMillis(members, partitions, maxReplication, replication, perNamespace);
        int[] owned = new int[nodes];
        int[] primaries = new int[nodes];
        for (int p = 0; p < partitions; p++) {
            int[] row = map.ownerIndices(p);
            for (int i = 0; i < Math.min(replication, row.length); i++) {
                owned[row[i]]++;
            }
            if (row.length > 0) {
                primaries[row[0]]++;
            }
        }
        double failure = Double.NaN;
        if (nodes > 1) {
            List<NodeInfo> survivors = new ArrayList<>(members);
            survivors.remove(nodes / 2);
            failure = movedShare(map, compute(survivors, partitions, maxReplication, replication, perNamespace),
                replication);
        }
        List<NodeInfo> grown = new ArrayList<>(members);
        grown.addAll(members(1, zones, nodes));
        double join = movedShare(map, compute(grown, partitions, maxReplication, replication, perNamespace),
            replication);
        return new Row(nodes, partitions, replication, PartitionMaps.toProto(map).getSerializedSize(), millis,
            Arrays.stream(owned).min().orElse(0), Arrays.stream(owned).average().orElse(0),
            Arrays.stream(owned).max().orElse(0), Arrays.stream(primaries).max().orElse(0), failure, join);
    }

    /** Share of partitions that gain an owner (among the first {@code r}) it did not have: copies to make. */
    static double movedShare(PartitionMap before, PartitionMap after, int r) {
        int moved = 0;
        for (int p = 0; p < before.partitions(); p++) {
            Set<String> old = new HashSet<>();
            List<NodeInfo> was = before.owners(p);
            for (int i = 0; i < Math.min(r, was.size()); i++) {
                old.add(was.get(i).id());
            }
            List<NodeInfo> now = after.owners(p);
            for (int i = 0; i < Math.min(r, now.size()); i++) {
                if (!old.contains(now.get(i).id())) {
                    moved++;
                    break;
                }
            }
        }
        return moved / (double) before.partitions();
    }

    /** {@code n} members named {@code node-<first + i>}, spread round-robin over {@code zones} zones. */
    static List<NodeInfo> members(int n, int zones, int first) {
        List<NodeInfo> out = new ArrayList<>(n);
        for (int i = first; i < first + n; i++) {
            out.add(new NodeInfo("node-" + i, "zone-" + (i % zones), "10.0." + (i / 250) + "." + (i % 250 + 1),
                7600, 7601, 7602));
        }
        return out;
    }

    private static PartitionMap compute(List<NodeInfo> members, int partitions, int maxReplication, int replication,
                                        Map<BlockKey, Integer> perNamespace) {
        return AffinityMaps.compute(1, members, partitions, maxReplication, replication, perNamespace);
    }

    /** Median of a few timed computations, after a warm-up. */
    private static double computeMillis(List<NodeInfo> members, int partitions, int maxReplication, int replication,
                                        Map<BlockKey, Integer> perNamespace) {
        for (int i = 0; i < 3; i++) {
            compute(members, partitions, maxReplication, replication, perNamespace);
        }
        double[] t = new double[5];
        for (int i = 0; i < t.length; i++) {
            long start = System.nanoTime();
            compute(members, partitions, maxReplication, replication, perNamespace);
            t[i] = (System.nanoTime() - start) / 1e6;
        }
        Arrays.sort(t);
        return t[t.length / 2];
    }
}
