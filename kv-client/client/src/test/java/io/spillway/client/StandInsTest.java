package io.spillway.client;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.spillway.cluster.NodeInfo;
import io.spillway.cluster.PartitionMap;
import io.spillway.key.BlockKey;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * {@link PartitionMap#standIns}: the members after a key's r owners in the partition's preference order (the owner
 * list as carried, then the other members after the primary in node order, wrapping), at most r of them; and
 * {@link PartitionMap#standsIn} agreeing with it. docs/cluster.md, "Stand-ins".
 */
class StandInsTest {
    private static final BlockKey R1 = new BlockKey(1, 1);
    private static final BlockKey KEY = new BlockKey(7, 9);

    private static PartitionMap map(int nodes, int[] owners, int defaultReplication) {
        List<NodeInfo> infos = new ArrayList<>();
        for (int i = 0; i < nodes; i++) {
            infos.add(new NodeInfo("n" + i, "z", "127.0.0.1", 1000 + i, 2000 + i, 3000 + i));
        }
        return new PartitionMap(1, infos, new int[][] {owners}, Map.of(R1, 1), defaultReplication);
    }

    private static List<String> ids(List<NodeInfo> nodes) {
        return nodes.stream().map(NodeInfo::id).toList();
    }

    @Test
    void replicationTwoTakesTheNextMembersAfterThePrimarySkippingOwners() {
        PartitionMap m = map(4, new int[] {2, 0}, 2);
        BlockKey ns = new BlockKey(5, 5);
        assertEquals(List.of("n2", "n0"), ids(m.owners(ns, KEY)));
        assertEquals(List.of("n3", "n1"), ids(m.standIns(ns, KEY)));
        assertTrue(m.standsIn("n3", ns, KEY));
        assertTrue(m.standsIn("n1", ns, KEY));
        assertFalse(m.standsIn("n2", ns, KEY), "an owner is not its own stand-in");
        assertFalse(m.standsIn("n9", ns, KEY), "not a member");
    }

    @Test
    void replicationOneTakesTheCarriedOwnerListFirst() {
        PartitionMap m = map(4, new int[] {2, 0}, 2);
        assertEquals(List.of("n2"), ids(m.owners(R1, KEY)));
        assertEquals(List.of("n0"), ids(m.standIns(R1, KEY)), "the backup the map carries, at most r = 1");
    }

    @Test
    void noMemberLeftMeansNoStandIn() {
        PartitionMap m = map(2, new int[] {1, 0}, 2);
        assertTrue(m.standIns(new BlockKey(5, 5), KEY).isEmpty());
        assertEquals(List.of("n0"), ids(m.standIns(R1, KEY)));
    }
}
