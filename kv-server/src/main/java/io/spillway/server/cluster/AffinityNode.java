package io.spillway.server.cluster;

import io.spillway.cluster.NodeInfo;
import java.nio.charset.StandardCharsets;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.apache.ignite.cluster.ClusterMetrics;
import org.apache.ignite.cluster.ClusterNode;
import org.apache.ignite.lang.IgniteProductVersion;

/**
 * A {@link NodeInfo} dressed as an Ignite {@link ClusterNode}, just enough for
 * {@code RendezvousAffinityFunction.assignPartition}: the consistent id (what rendezvous hashes) and the zone
 * attribute (what the backup filter compares). Lets the map be computed from members alone, with or without a
 * running Ignite, so every node (and every test) gets the same answer.
 */
final class AffinityNode implements ClusterNode {
    static final String ZONE_ATTRIBUTE = "spillway.zone";

    private final NodeInfo info;
    private final UUID id;
    private final Map<String, Object> attributes;

    AffinityNode(NodeInfo info) {
        this.info = info;
        this.id = UUID.nameUUIDFromBytes(info.id().getBytes(StandardCharsets.UTF_8));
        this.attributes = Map.of(ZONE_ATTRIBUTE, info.zone());
    }

    NodeInfo info() {
        return info;
    }

    @Override
    public UUID id() {
        return id;
    }

    @Override
    public Object consistentId() {
        return info.id();
    }

    @Override
    @SuppressWarnings("unchecked")
    public <T> T attribute(String name) {
        return (T) attributes.get(name);
    }

    @Override
    public ClusterMetrics metrics() {
        throw new UnsupportedOperationException("no metrics for an affinity-only node");
    }

    @Override
    public Map<String, Object> attributes() {
        return attributes;
    }

    @Override
    public Collection<String> addresses() {
        return List.of(info.host());
    }

    @Override
    public Collection<String> hostNames() {
        return List.of(info.host());
    }

    @Override
    public long order() {
        return 0;
    }

    @Override
    public IgniteProductVersion version() {
        return null;
    }

    @Override
    public boolean isLocal() {
        return false;
    }

    @Override
    public boolean isClient() {
        return false;
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof AffinityNode n && n.id.equals(id);
    }

    @Override
    public int hashCode() {
        return id.hashCode();
    }

    @Override
    public String toString() {
        return info.id();
    }
}
