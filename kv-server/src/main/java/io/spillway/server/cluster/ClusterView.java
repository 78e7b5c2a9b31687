package io.spillway.server.cluster;

import io.spillway.cluster.NodeInfo;
import io.spillway.cluster.PartitionMap;
import java.util.function.Consumer;

/**
 * What the rest of a node needs to know about the cluster: who it is, the current {@link PartitionMap}, and when
 * that map changes. Implemented by the embedded Ignite membership ({@code IgniteMembership}) and, for a node
 * running alone, by {@link #standalone}, which owns every partition and never changes.
 *
 * <p>Thread-safe. Listeners run on a cluster thread after the new map is in place ({@link #currentMap()} already
 * returns it); they must not block for long.
 */
public interface ClusterView extends AutoCloseable {

    /** This node as the map lists it. */
    NodeInfo self();

    /** Whether this is a real cluster member (false for {@link #standalone}). */
    boolean clustered();

    /** The map at the latest topology version this node has computed. */
    PartitionMap currentMap();

    /** Calls {@code listener} with each new map (topology or replication change), until close. */
    void addListener(Consumer<PartitionMap> listener);

    /**
     * The map as it will be once {@code nodeId} has left: same version + 1 (not yet real), computed from the current
     * members minus that node. Used by a leaving node to hand its blocks to their next owners.
     */
    PartitionMap mapWithout(String nodeId);

    /**
     * Why this member does not serve although it runs ("" while it serves): cut off from the cluster's majority
     * (docs/cluster.md, "Partitions"). Its map is then the empty map.
     */
    default String notServingReason() {
        return "";
    }

    /** Leaves the cluster (graceful: peers see a clean leave, not a failure). Idempotent. */
    @Override
    void close();

    /** A node alone: owns all {@code partitions}, topology version 0, replication 1. */
    static ClusterView standalone(NodeInfo self, int partitions) {
        PartitionMap map = PartitionMap.single(self, partitions);
        return new ClusterView() {
            @Override
            public NodeInfo self() {
                return self;
            }

            @Override
            public boolean clustered() {
                return false;
            }

            @Override
            public PartitionMap currentMap() {
                return map;
            }

            @Override
            public void addListener(Consumer<PartitionMap> listener) {
            }

            @Override
            public PartitionMap mapWithout(String nodeId) {
                throw new IllegalStateException("a standalone node has no other owners to hand blocks to");
            }

            @Override
            public void close() {
            }
        };
    }
}
