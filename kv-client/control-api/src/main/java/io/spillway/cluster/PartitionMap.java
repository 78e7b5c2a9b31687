package io.spillway.cluster;

import io.spillway.key.BlockKey;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * Which nodes own which partitions at one topology version: for each partition an ordered owner list, primary
 * first, then backups, as long as the largest replication factor allows. A namespace with replication {@code r}
 * is stored on the first {@code r} owners of each partition. Immutable; built by the cluster (kv-server) and
 * shipped to clients over gRPC ({@code PartitionMap} rpc, see {@link PartitionMaps}).
 */
public final class PartitionMap {
    private final long topologyVersion;
    private final List<NodeInfo> nodes;
    private final int[][] owners;
    private final Map<BlockKey, Integer> replication;
    private final int defaultReplication;
    private final Map<String, Integer> indexById;

    /**
     * @param owners             {@code owners[p]} = indices into {@code nodes}, primary first; copied
     * @param replication        replication factor per namespace id; namespaces not listed use the default
     */
    public PartitionMap(long topologyVersion, List<NodeInfo> nodes, int[][] owners, Map<BlockKey, Integer> replication,
                        int defaultReplication) {
        if (topologyVersion < 0) {
            throw new IllegalArgumentException("topology version must be >= 0, got " + topologyVersion);
        }
        if (owners.length == 0) {
            throw new IllegalArgumentException("a partition map needs at least one partition");
        }
        if (defaultReplication < 1) {
            throw new IllegalArgumentException("default replication must be >= 1, got " + defaultReplication);
        }
        this.topologyVersion = topologyVersion;
        this.nodes = List.copyOf(nodes);
        this.owners = new int[owners.length][];
        for (int p = 0; p < owners.length; p++) {
            for (int n : owners[p]) {
                if (n < 0 || n >= this.nodes.size()) {
                    throw new IllegalArgumentException("partition " + p + " names node index " + n + " of "
                        + this.nodes.size());
                }
            }
            this.owners[p] = owners[p].clone();
        }
        this.replication = Map.copyOf(replication);
        for (Map.Entry<BlockKey, Integer> e : this.replication.entrySet()) {
            if (e.getValue() < 1) {
                throw new IllegalArgumentException("replication of " + e.getKey() + " must be >= 1, got "
                    + e.getValue());
            }
        }
        this.defaultReplication = defaultReplication;
        Map<String, Integer> byId = new HashMap<>();
        for (int i = 0; i < this.nodes.size(); i++) {
            if (byId.put(this.nodes.get(i).id(), i) != null) {
                throw new IllegalArgumentException("node id " + this.nodes.get(i).id() + " listed twice");
            }
        }
        this.indexById = byId;
    }

    public long topologyVersion() {
        return topologyVersion;
    }

    public int partitions() {
        return owners.length;
    }

    public List<NodeInfo> nodes() {
        return nodes;
    }

    /** The node with this id, or null. */
    public NodeInfo node(String id) {
        Integer i = indexById.get(id);
        return i == null ? null : nodes.get(i);
    }

    public int defaultReplication() {
        return defaultReplication;
    }

    /** Replication factors registered per namespace (namespaces absent here use {@link #defaultReplication()}). */
    public Map<BlockKey, Integer> replicationByNamespace() {
        return replication;
    }

    /** The replication factor of a namespace. */
    public int replication(BlockKey namespace) {
        return replication.getOrDefault(namespace, defaultReplication);
    }

    public int partitionOf(BlockKey key) {
        return Partitioner.partition(key, owners.length);
    }

    /** All owners of a partition (primary first), as far as the map carries them. */
    public List<NodeInfo> owners(int partition) {
        int[] o = owners[partition];
        List<NodeInfo> out = new ArrayList<>(o.length);
        for (int n : o) {
            out.add(nodes.get(n));
        }
        return Collections.unmodifiableList(out);
    }

    /** The first {@code min(r, owners)} owners of the key's partition, where r is the namespace's replication. */
    public List<NodeInfo> owners(BlockKey namespace, BlockKey key) {
        List<NodeInfo> all = owners(partitionOf(key));
        int r = Math.min(replication(namespace), all.size());
        return all.subList(0, r);
    }

    /** Raw owner indices of a partition (into {@link #nodes()}), primary first; a copy. */
    public int[] ownerIndices(int partition) {
        return owners[partition].clone();
    }

    /** Whether {@code nodeId} is among the first {@code r} owners of the key's partition (r of the namespace). */
    public boolean owns(String nodeId, BlockKey namespace, BlockKey key) {
        Integer self = indexById.get(nodeId);
        if (self == null) {
            return false;
        }
        int[] o = owners[partitionOf(key)];
        int r = Math.min(replication(namespace), o.length);
        for (int i = 0; i < r; i++) {
            if (o[i] == self) {
                return true;
            }
        }
        return false;
    }

    /**
     * The stand-ins of a key: the members that follow its r owners in the partition's preference order, at most r of
     * them. The preference order is the partition's owner list as the map carries it, then the other members in
     * {@link #nodes()} order, starting after the primary and wrapping around. A client that suspects an owner of
     * being slow stores that owner's copy on the first stand-in it does not suspect, and asks the stand-ins for a key
     * that not every owner could answer for (docs/cluster-client.md, "Slow and hung nodes").
     */
    public List<NodeInfo> standIns(BlockKey namespace, BlockKey key) {
        int[] o = owners[partitionOf(key)];
        int r = Math.min(replication(namespace), o.length);
        List<NodeInfo> out = new ArrayList<>(r);
        if (o.length == 0) {
            return out;
        }
        for (int i = r; i < o.length && out.size() < r; i++) {
            out.add(nodes.get(o[i]));
        }
        for (int step = 1; step < nodes.size() && out.size() < r; step++) {
            int n = (o[0] + step) % nodes.size();
            if (!contains(o, n)) {
                out.add(nodes.get(n));
            }
        }
        return out;
    }

    /** Whether {@code nodeId} is one of the key's {@link #standIns stand-ins}. */
    public boolean standsIn(String nodeId, BlockKey namespace, BlockKey key) {
        NodeInfo self = node(nodeId);
        return self != null && standIns(namespace, key).contains(self);
    }

    private static boolean contains(int[] a, int v) {
        for (int x : a) {
            if (x == v) {
                return true;
            }
        }
        return false;
    }

    /** A single-node map: one node owns every partition (used by a node running without a cluster). */
    public static PartitionMap single(NodeInfo node, int partitions) {
        int[][] owners = new int[partitions][];
        for (int p = 0; p < partitions; p++) {
            owners[p] = new int[] {0};
        }
        return new PartitionMap(0, List.of(node), owners, Map.of(), 1);
    }

    @Override
    public String toString() {
        return "PartitionMap{version=" + topologyVersion + ", partitions=" + owners.length + ", nodes="
            + nodes.stream().map(NodeInfo::id).toList() + ", defaultReplication=" + defaultReplication + "}";
    }

    @Override
    public boolean equals(Object o) {
        if (!(o instanceof PartitionMap m)) {
            return false;
        }
        if (topologyVersion != m.topologyVersion || defaultReplication != m.defaultReplication
            || !nodes.equals(m.nodes) || !replication.equals(m.replication) || owners.length != m.owners.length) {
            return false;
        }
        for (int p = 0; p < owners.length; p++) {
            if (!Arrays.equals(owners[p], m.owners[p])) {
                return false;
            }
        }
        return true;
    }

    @Override
    public int hashCode() {
        return Objects.hash(topologyVersion, nodes, defaultReplication);
    }
}
