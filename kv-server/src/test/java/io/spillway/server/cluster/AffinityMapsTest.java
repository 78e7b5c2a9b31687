package io.spillway.server.cluster;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.spillway.cluster.NodeInfo;
import io.spillway.cluster.PartitionMap;
import io.spillway.key.BlockKey;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import org.junit.jupiter.api.Test;

/** The partition map as a pure function of members and settings: deterministic, complete, zone-aware, stable. */
class AffinityMapsTest {
    private static final int PARTITIONS = 256;

    private static List<NodeInfo> nodes(int n, String... zones) {
        List<NodeInfo> out = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            String zone = zones.length == 0 ? "default" : zones[i % zones.length];
            out.add(new NodeInfo("node-" + i, zone, "10.0.0." + i, 7600, 7601, 7602));
        }
        return out;
    }

    private static List<String> ownerIds(PartitionMap m, int p) {
        return m.owners(p).stream().map(NodeInfo::id).toList();
    }

    @Test
    void sameMembersInAnyOrderGiveTheSameMap() {
        List<NodeInfo> members = nodes(7, "a", "b", "c");
        Map<BlockKey, Integer> replication = Map.of(new BlockKey(1, 2), 2);
        PartitionMap first = AffinityMaps.compute(42, members, PARTITIONS, 3, 1, replication);
        for (long seed = 0; seed < 5; seed++) {
            List<NodeInfo> shuffled = new ArrayList<>(members);
            Collections.shuffle(shuffled, new Random(seed));
            assertEquals(first, AffinityMaps.compute(42, shuffled, PARTITIONS, 3, 1, replication),
                "map from members in order " + shuffled.stream().map(NodeInfo::id).toList());
        }
        assertEquals(2, first.replication(new BlockKey(1, 2)));
        assertEquals(1, first.replication(new BlockKey(3, 4)));
    }

    @Test
    void everyPartitionHasMinOfMaxReplicationAndMembersDistinctOwners() {
        for (int n = 1; n <= 5; n++) {
            PartitionMap m = AffinityMaps.compute(1, nodes(n), PARTITIONS, 3, 1, Map.of());
            for (int p = 0; p < PARTITIONS; p++) {
                List<String> owners = ownerIds(m, p);
                assertEquals(Math.min(3, n), owners.size(), n + " members, partition " + p);
                assertEquals(owners.size(), new HashSet<>(owners).size(), "distinct owners of partition " + p);
            }
        }
    }

    @Test
    void primariesSpreadOverMembers() {
        PartitionMap m = AffinityMaps.compute(1, nodes(4), 1024, 2, 1, Map.of());
        int[] primaries = new int[4];
        for (int p = 0; p < 1024; p++) {
            primaries[m.ownerIndices(p)[0]]++;
        }
        for (int c : primaries) {
            assertTrue(c > 1024 / 4 / 2 && c < 1024 / 4 * 2, "primary counts " + Arrays.toString(primaries));
        }
    }

    @Test
    void ownersAreInDistinctZonesWhenThereAreEnoughZones() {
        List<NodeInfo> members = nodes(9, "a", "b", "c");
        PartitionMap m = AffinityMaps.compute(1, members, PARTITIONS, 3, 1, Map.of());
        for (int p = 0; p < PARTITIONS; p++) {
            Set<String> zones = new HashSet<>();
            m.owners(p).forEach(o -> zones.add(o.zone()));
            assertEquals(3, zones.size(), "zones of partition " + p + ": " + m.owners(p));
        }
    }

    @Test
    void fewerZonesThanReplicasStillFillTheOwnerListWithTheFirstOwnersInDistinctZones() {
        PartitionMap m = AffinityMaps.compute(1, nodes(6, "a", "b"), PARTITIONS, 3, 1, Map.of());
        for (int p = 0; p < PARTITIONS; p++) {
            List<NodeInfo> owners = m.owners(p);
            assertEquals(3, owners.size());
            assertFalse(owners.get(0).zone().equals(owners.get(1).zone()), "primary and first backup " + owners);
        }
    }

    @Test
    void removingANodeKeepsTheSurvivorsRelativeOrder() {
        List<NodeInfo> members = nodes(6);
        PartitionMap all = AffinityMaps.compute(1, members, PARTITIONS, 6, 1, Map.of());
        List<NodeInfo> rest = new ArrayList<>(members);
        NodeInfo gone = rest.remove(2);
        PartitionMap without = AffinityMaps.compute(2, rest, PARTITIONS, 6, 1, Map.of());
        int moved = 0;
        for (int p = 0; p < PARTITIONS; p++) {
            List<String> before = new ArrayList<>(ownerIds(all, p));
            if (before.get(0).equals(gone.id())) {
                moved++;
            }
            before.remove(gone.id());
            assertEquals(before, ownerIds(without, p), "partition " + p);
        }
        assertTrue(moved > 0, "the removed node was primary somewhere");
        // and with a shorter owner list, only partitions that listed the node change owners
        PartitionMap all3 = AffinityMaps.compute(1, members, PARTITIONS, 3, 1, Map.of());
        PartitionMap without3 = AffinityMaps.compute(2, rest, PARTITIONS, 3, 1, Map.of());
        for (int p = 0; p < PARTITIONS; p++) {
            List<String> before = ownerIds(all3, p);
            if (!before.contains(gone.id())) {
                assertEquals(before, ownerIds(without3, p), "untouched partition " + p);
            }
        }
    }

    @Test
    void noMembersOwnNothing() {
        PartitionMap m = AffinityMaps.compute(3, List.of(), 8, 3, 1, Map.of());
        assertEquals(0, m.owners(0).size());
        assertFalse(m.owns("node-0", new BlockKey(0, 0), new BlockKey(5, 5)));
    }
}
