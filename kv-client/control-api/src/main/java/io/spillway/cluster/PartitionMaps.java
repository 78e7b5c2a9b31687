package io.spillway.cluster;

import com.google.protobuf.ByteString;
import io.spillway.control.v1.ClusterNodeInfo;
import io.spillway.control.v1.NamespaceReplication;
import io.spillway.control.v1.PartitionMapReply;
import io.spillway.control.v1.PartitionOwners;
import io.spillway.key.BlockKey;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/** Converts {@link PartitionMap} to and from its gRPC form ({@code PartitionMapReply}). */
public final class PartitionMaps {
    private PartitionMaps() {
    }

    public static PartitionMapReply toProto(PartitionMap map) {
        PartitionMapReply.Builder b = PartitionMapReply.newBuilder()
            .setTopologyVersion(map.topologyVersion())
            .setDefaultReplication(map.defaultReplication());
        for (NodeInfo n : map.nodes()) {
            b.addNodes(toProto(n));
        }
        for (int p = 0; p < map.partitions(); p++) {
            PartitionOwners.Builder o = PartitionOwners.newBuilder();
            for (int i : map.ownerIndices(p)) {
                o.addNodes(i);
            }
            b.addOwners(o);
        }
        map.replicationByNamespace().forEach((ns, r) -> b.addNamespaces(NamespaceReplication.newBuilder()
            .setNamespaceId(ByteString.copyFrom(ns.toBytes())).setReplication(r)));
        return b.build();
    }

    public static ClusterNodeInfo toProto(NodeInfo n) {
        return ClusterNodeInfo.newBuilder().setId(n.id()).setZone(n.zone()).setHost(n.host())
            .setDataPort(n.dataPort()).setControlPort(n.controlPort()).setHttpPort(n.httpPort()).build();
    }

    public static NodeInfo fromProto(ClusterNodeInfo n) {
        return new NodeInfo(n.getId(), n.getZone(), n.getHost(), n.getDataPort(), n.getControlPort(),
            n.getHttpPort());
    }

    /** @throws IllegalArgumentException when the reply is inconsistent (bad indices, keys, factors) */
    public static PartitionMap fromProto(PartitionMapReply reply) {
        List<NodeInfo> nodes = new ArrayList<>(reply.getNodesCount());
        for (ClusterNodeInfo n : reply.getNodesList()) {
            nodes.add(fromProto(n));
        }
        int[][] owners = new int[reply.getOwnersCount()][];
        for (int p = 0; p < owners.length; p++) {
            PartitionOwners o = reply.getOwners(p);
            owners[p] = new int[o.getNodesCount()];
            for (int i = 0; i < owners[p].length; i++) {
                owners[p][i] = o.getNodes(i);
            }
        }
        Map<BlockKey, Integer> replication = new HashMap<>();
        for (NamespaceReplication r : reply.getNamespacesList()) {
            if (r.getNamespaceId().size() != BlockKey.BYTES) {
                throw new IllegalArgumentException("namespace id of " + r.getNamespaceId().size()
                    + " bytes, expected " + BlockKey.BYTES);
            }
            replication.put(BlockKey.fromBytes(r.getNamespaceId().toByteArray()), r.getReplication());
        }
        return new PartitionMap(reply.getTopologyVersion(), nodes, owners, replication,
            Math.max(1, reply.getDefaultReplication()));
    }
}
