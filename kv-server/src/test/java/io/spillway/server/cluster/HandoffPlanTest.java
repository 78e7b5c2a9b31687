package io.spillway.server.cluster;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.spillway.cluster.NodeInfo;
import io.spillway.cluster.PartitionMap;
import io.spillway.key.BlockKey;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.Test;

class HandoffPlanTest {
    private static final BlockKey NS = new BlockKey(7, 7);
    private static final NodeInfo A = node("a");
    private static final NodeInfo B = node("b");
    private static final NodeInfo C = node("c");
    private static final NodeInfo D = node("d");

    private static NodeInfo node(String id) {
        return new NodeInfo(id, "z", "127.0.0.1", 1000 + id.charAt(0), 2000 + id.charAt(0), 0);
    }

    /** One partition; owners in the given order; replication r for NS. */
    private static PartitionMap map(long version, int r, NodeInfo... owners) {
        int[][] o = {new int[owners.length]};
        for (int i = 0; i < owners.length; i++) {
            o[0][i] = i;
        }
        return new PartitionMap(version, List.of(owners), o, Map.of(NS, r), 1);
    }

    private static List<String> ids(List<NodeInfo> nodes) {
        return nodes.stream().map(NodeInfo::id).toList();
    }

    private static final BlockKey KEY = new BlockKey(1, 2);

    @Test
    void leavingPrimaryWithReplicationOneHandsToTheNextOwner() {
        HandoffPlan plan = HandoffPlan.leaving("a", map(5, 1, A, B, C), map(6, 1, B, C));
        assertEquals(List.of("b"), ids(plan.targets(NS, KEY)));
    }

    @Test
    void leavingReplicaSkipsOwnersThatAlreadyHoldTheBlock() {
        // r=2: a and b hold it; after a leaves, owners are b and c: only c lacks it
        HandoffPlan plan = HandoffPlan.leaving("a", map(5, 2, A, B, C), map(6, 2, B, C));
        assertEquals(List.of("c"), ids(plan.targets(NS, KEY)));
    }

    @Test
    void aJoinFillsTheNewcomerFromTheFirstSurvivingOldOwnerOnly() {
        PartitionMap before = map(5, 2, A, B, C);
        PartitionMap after = map(6, 2, D, A, B, C);
        assertEquals(List.of("d"), ids(HandoffPlan.rebalancing("a", before, after).targets(NS, KEY)));
        assertTrue(HandoffPlan.rebalancing("b", before, after).targets(NS, KEY).isEmpty(), "b is not the pusher");
        assertTrue(HandoffPlan.rebalancing("c", before, after).targets(NS, KEY).isEmpty(), "c never held it");
    }

    @Test
    void aFailureRecreatesTheLostReplicaFromTheSurvivor() {
        PartitionMap before = map(5, 2, A, B, C);
        PartitionMap after = map(6, 2, B, C); // a failed
        assertEquals(List.of("c"), ids(HandoffPlan.rebalancing("b", before, after).targets(NS, KEY)));
    }

    @Test
    void unchangedOwnersMoveNothing() {
        PartitionMap before = map(5, 2, A, B, C);
        PartitionMap after = map(6, 2, A, B);
        for (String self : List.of("a", "b", "c")) {
            assertTrue(HandoffPlan.rebalancing(self, before, after).targets(NS, KEY).isEmpty(), self);
        }
    }

    @Test
    void overManyPartitionsEveryNewOwnerGetsExactlyOnePush() {
        Random random = new Random(42);
        List<NodeInfo> nodes = List.of(A, B, C, D);
        int parts = 64;
        int[][] beforeOwners = new int[parts][];
        int[][] afterOwners = new int[parts][];
        for (int p = 0; p < parts; p++) {
            List<Integer> perm = new ArrayList<>(List.of(0, 1, 2, 3));
            Collections.shuffle(perm, random);
            beforeOwners[p] = perm.stream().mapToInt(Integer::intValue).toArray();
            Collections.shuffle(perm, random);
            afterOwners[p] = perm.stream().mapToInt(Integer::intValue).toArray();
        }
        PartitionMap before = new PartitionMap(1, nodes, beforeOwners, Map.of(NS, 2), 1);
        PartitionMap after = new PartitionMap(2, nodes, afterOwners, Map.of(NS, 2), 1);
        for (int i = 0; i < 500; i++) {
            BlockKey key = new BlockKey(random.nextLong(), random.nextLong());
            Map<String, Integer> received = new HashMap<>();
            for (NodeInfo holder : before.owners(NS, key)) {
                for (NodeInfo t : HandoffPlan.rebalancing(holder.id(), before, after).targets(NS, key)) {
                    received.merge(t.id(), 1, Integer::sum);
                }
            }
            List<String> old = ids(before.owners(NS, key));
            for (NodeInfo n : after.owners(NS, key)) {
                int expected = old.contains(n.id()) ? 0 : 1;
                assertEquals(expected, received.getOrDefault(n.id(), 0), "pushes to " + n.id() + " for " + key);
            }
        }
    }
}
