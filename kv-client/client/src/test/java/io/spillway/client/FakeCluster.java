package io.spillway.client;

import io.spillway.cluster.NodeInfo;
import io.spillway.cluster.PartitionMap;
import io.spillway.key.BlockKey;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * A set of {@link FakeClusterNode}s sharing namespaces and a partition map (test-jar helper). {@link #publish}
 * builds a map over the given members — partition p's owners are the members in ring order starting at
 * {@code p mod m} — at the next topology version and hands it to every live node, members or not (a node left out
 * answers {@code NOT_OWNER}). Data never migrates: after a change, new owners miss until written or repaired.
 */
public final class FakeCluster implements AutoCloseable {
    public final List<FakeClusterNode> nodes = new ArrayList<>();
    private final int partitions;
    private final int defaultReplication;
    private final Map<BlockKey, Integer> replication = new ConcurrentHashMap<>();
    private List<FakeClusterNode> members;
    private long version;

    public FakeCluster(int size, int partitions, int defaultReplication) {
        this.partitions = partitions;
        this.defaultReplication = defaultReplication;
        for (int i = 0; i < size; i++) {
            FakeClusterNode n = new FakeClusterNode("node-" + i);
            n.registrar = this::register;
            nodes.add(n);
        }
        publish(nodes);
    }

    public FakeClusterNode node(int i) {
        return nodes.get(i);
    }

    /** Adds a node (not yet in the map). */
    public FakeClusterNode addNode() {
        FakeClusterNode n = new FakeClusterNode("node-" + nodes.size());
        n.registrar = this::register;
        n.namespaces.addAll(nodes.get(0).namespaces);
        nodes.add(n);
        return n;
    }

    public synchronized void register(BlockKey namespace, int r) {
        for (FakeClusterNode n : nodes) {
            n.namespaces.add(namespace);
        }
        if (r > 0) {
            replication.put(namespace, r);
        }
        PartitionMap m = build(members, version); // same version: replication is metadata, not topology
        for (FakeClusterNode n : nodes) {
            n.map = m;
        }
    }

    /** Publishes a map over {@code newMembers} at the next version; returns it. */
    public synchronized PartitionMap publish(List<FakeClusterNode> newMembers) {
        members = List.copyOf(newMembers);
        PartitionMap m = build(members, ++version);
        for (FakeClusterNode n : nodes) {
            n.map = m;
        }
        return m;
    }

    /** Publishes the same members at the next version (a topology change that moves nothing). */
    public PartitionMap bumpVersion() {
        return publish(members);
    }

    public synchronized PartitionMap map() {
        return nodes.get(0).map;
    }

    private PartitionMap build(List<FakeClusterNode> of, long v) {
        List<NodeInfo> infos = new ArrayList<>();
        for (FakeClusterNode n : of) {
            infos.add(n.info());
        }
        int m = infos.size();
        int[][] owners = new int[partitions][m];
        for (int p = 0; p < partitions; p++) {
            for (int j = 0; j < m; j++) {
                owners[p][j] = (p + j) % m;
            }
        }
        return new PartitionMap(v, infos, owners, new HashMap<>(replication), defaultReplication);
    }

    /** Every node's control address, for {@code spillway.client.seeds}. */
    public List<String> seeds() {
        return nodes.stream().filter(n -> !n.isClosed()).map(FakeClusterNode::seed).toList();
    }

    /** The node with this id. */
    public FakeClusterNode byId(String id) {
        return nodes.stream().filter(n -> n.id.equals(id)).findFirst().orElseThrow();
    }

    @Override
    public void close() {
        for (FakeClusterNode n : nodes) {
            n.close();
        }
    }
}
