package io.spillway.server.cluster;

import io.spillway.cluster.NodeInfo;
import io.spillway.cluster.PartitionMap;
import io.spillway.key.BlockKey;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Comparator;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.apache.ignite.cache.affinity.rendezvous.ClusterNodeAttributeAffinityBackupFilter;
import org.apache.ignite.cache.affinity.rendezvous.RendezvousAffinityFunction;
import org.apache.ignite.cluster.ClusterNode;

/**
 * Computes a {@link PartitionMap} from the members and the settings, and from nothing else: the same members give
 * the same map on every node. Owners come from Ignite's {@link RendezvousAffinityFunction} (highest-random-weight
 * hashing of each member's consistent id with the partition), with {@link ClusterNodeAttributeAffinityBackupFilter}
 * on the zone so backups go to zones not yet used. When zones run out, the owner list is filled up with the
 * remaining members in plain rendezvous order, so every partition has {@code min(maxReplication, members)} distinct
 * owners. Nodes are listed sorted by id.
 */
public final class AffinityMaps {
    private AffinityMaps() {
    }

    /**
     * @param members            the server members (any order; ids must be distinct)
     * @param replication        explicit replication factors per namespace
     */
    public static PartitionMap compute(long version, Collection<NodeInfo> members, int partitions, int maxReplication,
                                       int defaultReplication, Map<BlockKey, Integer> replication) {
        List<NodeInfo> nodes = new ArrayList<>(members);
        nodes.sort(Comparator.comparing(NodeInfo::id));
        List<ClusterNode> affinityNodes = new ArrayList<>(nodes.size());
        Map<ClusterNode, Integer> index = new HashMap<>();
        for (int i = 0; i < nodes.size(); i++) {
            AffinityNode n = new AffinityNode(nodes.get(i));
            affinityNodes.add(n);
            index.put(n, i);
        }
        RendezvousAffinityFunction zoned = new RendezvousAffinityFunction(false, partitions)
            .setAffinityBackupFilter(new ClusterNodeAttributeAffinityBackupFilter(AffinityNode.ZONE_ATTRIBUTE));
        RendezvousAffinityFunction plain = new RendezvousAffinityFunction(false, partitions);
        int owners = Math.min(maxReplication, nodes.size());
        int[][] table = new int[partitions][];
        for (int p = 0; p < partitions; p++) {
            if (owners == 0) {
                table[p] = new int[0];
                continue;
            }
            List<ClusterNode> chosen = zoned.assignPartition(p, affinityNodes, owners - 1, null);
            if (chosen.size() < owners) {
                Set<ClusterNode> taken = new HashSet<>(chosen);
                List<ClusterNode> all = new ArrayList<>(chosen);
                for (ClusterNode n : plain.assignPartition(p, affinityNodes, affinityNodes.size() - 1, null)) {
                    if (all.size() == owners) {
                        break;
                    }
                    if (taken.add(n)) {
                        all.add(n);
                    }
                }
                chosen = all;
            }
            int[] row = new int[owners];
            for (int i = 0; i < owners; i++) {
                row[i] = index.get(chosen.get(i));
            }
            table[p] = row;
        }
        Map<BlockKey, Integer> capped = new HashMap<>();
        replication.forEach((ns, r) -> capped.put(ns, Math.min(r, maxReplication)));
        return new PartitionMap(version, nodes, table, capped, Math.min(defaultReplication, maxReplication));
    }

    /** A map with no members yet (a node still joining): owns nothing, version 0. */
    public static PartitionMap empty(int partitions, int defaultReplication) {
        return new PartitionMap(0, List.of(), new int[partitions][0], Map.of(), defaultReplication);
    }
}
