package io.spillway.server.cluster;

import io.spillway.cluster.NodeInfo;
import io.spillway.cluster.PartitionMap;
import io.spillway.key.BlockKey;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

/**
 * Decides, for one block this node holds, which nodes must receive a copy when the partition map changes from
 * {@code before} to {@code after}. Pure: the same maps give the same answer on every node, so exactly one holder
 * pushes each block.
 *
 * <ul>
 *   <li><b>Leaving</b> (this node is going away; {@code after} is the map without it): the block goes to every new
 *       owner that was not already an owner besides this node.</li>
 *   <li><b>Rebalancing</b> (a node joined or failed): the block goes to the new owners that were not old owners,
 *       and only the first old owner still in the cluster pushes it. So a join fills the newcomer, and a failure
 *       re-creates the lost replica from a survivor.</li>
 * </ul>
 */
public final class HandoffPlan {
    private final String self;
    private final PartitionMap before;
    private final PartitionMap after;
    private final boolean leaving;

    public HandoffPlan(String self, PartitionMap before, PartitionMap after, boolean leaving) {
        this.self = self;
        this.before = before;
        this.after = after;
        this.leaving = leaving;
    }

    public static HandoffPlan leaving(String self, PartitionMap current, PartitionMap withoutSelf) {
        return new HandoffPlan(self, current, withoutSelf, true);
    }

    public static HandoffPlan rebalancing(String self, PartitionMap before, PartitionMap after) {
        return new HandoffPlan(self, before, after, false);
    }

    public PartitionMap after() {
        return after;
    }

    /** The nodes that must receive {@code key} from this node; empty when none (the common case). */
    public List<NodeInfo> targets(BlockKey namespace, BlockKey key) {
        List<NodeInfo> newOwners = after.owners(namespace, key);
        Set<String> oldOwners = new HashSet<>();
        for (NodeInfo n : before.owners(namespace, key)) {
            oldOwners.add(n.id());
        }
        if (!leaving && !self.equals(pusher(namespace, key))) {
            return List.of();
        }
        List<NodeInfo> out = new ArrayList<>(1);
        for (NodeInfo n : newOwners) {
            boolean hadIt = oldOwners.contains(n.id()) && !n.id().equals(self);
            if (!hadIt && !n.id().equals(self)) {
                out.add(n);
            }
        }
        return out;
    }

    /** The first old owner that is still a member after the change, or null when none survives. */
    private String pusher(BlockKey namespace, BlockKey key) {
        for (NodeInfo n : before.owners(namespace, key)) {
            if (after.node(n.id()) != null) {
                return n.id();
            }
        }
        return null;
    }
}
