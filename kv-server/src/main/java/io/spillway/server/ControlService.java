package io.spillway.server;

import com.google.common.util.concurrent.ListenableFuture;
import com.google.protobuf.ByteString;
import io.grpc.ChannelCredentials;
import io.grpc.InsecureChannelCredentials;
import io.grpc.ManagedChannel;
import io.grpc.Status;
import io.grpc.netty.shaded.io.grpc.netty.NettyChannelBuilder;
import io.grpc.stub.StreamObserver;
import io.spillway.cluster.NodeInfo;
import io.spillway.cluster.PartitionMap;
import io.spillway.cluster.PartitionMaps;
import io.spillway.control.v1.ClusterStatusReply;
import io.spillway.control.v1.ClusterStatusRequest;
import io.spillway.control.v1.ControlGrpc;
import io.spillway.control.v1.HealthReply;
import io.spillway.control.v1.HealthRequest;
import io.spillway.control.v1.ListTenantsReply;
import io.spillway.control.v1.ListTenantsRequest;
import io.spillway.control.v1.SetTenantQuotaReply;
import io.spillway.control.v1.SetTenantQuotaRequest;
import io.spillway.control.v1.TenantInfo;
import io.spillway.control.v1.ListNamespacesReply;
import io.spillway.control.v1.ListNamespacesRequest;
import io.spillway.control.v1.LookupPrefixReply;
import io.spillway.control.v1.LookupPrefixRequest;
import io.spillway.control.v1.NodeStatus;
import io.spillway.control.v1.PartitionMapReply;
import io.spillway.control.v1.PartitionMapRequest;
import io.spillway.control.v1.RegisterNamespaceReply;
import io.spillway.control.v1.RegisterNamespaceRequest;
import io.spillway.control.v1.StatsReply;
import io.spillway.control.v1.StatsRequest;
import io.spillway.control.v1.TierPrefix;
import io.spillway.control.v1.TierStats;
import io.spillway.identity.PeerIdentity;
import io.spillway.identity.Role;
import io.spillway.key.BlockKey;
import io.spillway.key.Namespace;
import io.spillway.server.cluster.ClusterContext;
import io.spillway.server.cluster.ClusterView;
import io.spillway.server.security.AccessDenials;
import io.spillway.server.security.ControlAuthInterceptor;
import io.spillway.tier.TierCounters;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;
import java.util.function.IntSupplier;
import java.util.function.Supplier;

/**
 * The gRPC control plane (spillway_control.proto): health, stats, namespaces, prefix lookup, the partition map and
 * the cluster's status. Metadata only. Roles are checked before a call gets here ({@link ControlAuthInterceptor});
 * this checks tenants: a client registers, lists and looks up only its own tenant's namespaces, and only an admin
 * sets a namespace's replication.
 */
final class ControlService extends ControlGrpc.ControlImplBase {
    static final String VERSION = "0.1.0";

    private final String nodeId;
    private final NamespaceRegistry namespaces;
    private final TierChain tiers;
    private final BooleanSupplier ready;
    private final IntSupplier connections;
    private final Supplier<ClusterView> cluster;
    private final ClusterContext clusterSettings;
    private final TenantQuotas tenants;
    private AccessDenials denials;
    private ChannelCredentials peerCredentials = InsecureChannelCredentials.create();

    ControlService(String nodeId, NamespaceRegistry namespaces, TierChain tiers, BooleanSupplier ready,
                   IntSupplier connections) {
        this(nodeId, namespaces, tiers, ready, connections, () -> null, null, null);
    }

    /**
     * {@code cluster} gives the node's view (null until the node knows its ports); settings bound replication;
     * {@code tenants} (null: no tenant rpcs) holds the quotas.
     */
    ControlService(String nodeId, NamespaceRegistry namespaces, TierChain tiers, BooleanSupplier ready,
                   IntSupplier connections, Supplier<ClusterView> cluster, ClusterContext clusterSettings,
                   TenantQuotas tenants) {
        this.tenants = tenants;
        this.cluster = cluster;
        this.clusterSettings = clusterSettings;
        this.nodeId = nodeId;
        this.namespaces = namespaces;
        this.tiers = tiers;
        this.ready = ready;
        this.connections = connections;
    }

    /** Where refusals are counted ({@code spillway_permission_denied_total}). */
    ControlService countDenials(AccessDenials denials) {
        this.denials = denials;
        return this;
    }

    /** How this node calls its peers' control planes ({@code ClusterStatus}): plaintext, or TLS with its identity. */
    ControlService peerCredentials(ChannelCredentials credentials) {
        this.peerCredentials = credentials;
        return this;
    }

    @Override
    public void health(HealthRequest request, StreamObserver<HealthReply> out) {
        reply(out, HealthReply.newBuilder().setLive(true).setReady(ready.getAsBoolean()).setNodeId(nodeId)
            .setVersion(VERSION).build());
    }

    @Override
    public void stats(StatsRequest request, StreamObserver<StatsReply> out) {
        reply(out, StatsReply.newBuilder().setNodeId(nodeId).setNamespaces(namespaces.size())
            .setConnections(connections.getAsInt()).addAllTiers(tierStats()).build());
    }

    private List<TierStats> tierStats() {
        List<TierStats> out = new ArrayList<>();
        for (TierChain.Stage s : tiers.stages()) {
            TierCounters c = s.tier().counters();
            out.add(TierStats.newBuilder().setTier(s.tier().kind().name().toLowerCase(Locale.ROOT))
                .setBytes(c.bytes.get()).setBlocks(c.blocks.get()).setCapacityBytes(s.capacityBytes())
                .setHits(c.hits.sum()).setMisses(c.misses.sum()).setEvictions(c.evictions.sum())
                .setDemotions(c.demotions.sum()).setPromotions(c.promotions.sum())
                .setBackPressured(c.backPressured.sum()).setCorrupt(c.corrupt.sum()).build());
        }
        return out;
    }

    @Override
    public void partitionMap(PartitionMapRequest request, StreamObserver<PartitionMapReply> out) {
        ClusterView c = cluster.get();
        if (c == null) {
            out.onError(Status.UNAVAILABLE.withDescription("node " + nodeId + " is still starting")
                .asRuntimeException());
            return;
        }
        String why = c.notServingReason();
        if (!why.isEmpty()) { // its empty map would only send the client back here: let it ask another member
            out.onError(Status.UNAVAILABLE.withDescription("node " + nodeId + " does not serve: " + why)
                .asRuntimeException());
            return;
        }
        reply(out, PartitionMaps.toProto(c.currentMap()));
    }

    /**
     * The map's members with their primary and backup partition counts (backups: the other places of each owner
     * list), and each member's tier figures: this node's directly, the others' by a Stats call to their control
     * port (all at once, each with a {@code statusTimeoutMs} deadline); an unreachable member is listed with
     * {@code reachable=false} and the error.
     */
    @Override
    public void clusterStatus(ClusterStatusRequest request, StreamObserver<ClusterStatusReply> out) {
        ClusterView c = cluster.get();
        if (c == null) {
            out.onError(Status.UNAVAILABLE.withDescription("node " + nodeId + " is still starting")
                .asRuntimeException());
            return;
        }
        PartitionMap map = c.currentMap();
        int n = map.nodes().size();
        int[] primary = new int[n];
        int[] backup = new int[n];
        for (int p = 0; p < map.partitions(); p++) {
            int[] owners = map.ownerIndices(p);
            for (int i = 0; i < owners.length; i++) {
                if (i == 0) {
                    primary[owners[i]]++;
                } else {
                    backup[owners[i]]++;
                }
            }
        }
        String self = c.self() == null ? null : c.self().id();
        long timeoutMs = clusterSettings == null ? 1000 : clusterSettings.statusTimeoutMs();
        List<ManagedChannel> channels = new ArrayList<>();
        List<ListenableFuture<StatsReply>> calls = new ArrayList<>();
        for (NodeInfo node : map.nodes()) {
            if (node.id().equals(self)) {
                calls.add(null);
                continue;
            }
            ManagedChannel ch = NettyChannelBuilder.forAddress(node.host(), node.controlPort(), peerCredentials)
                .build();
            channels.add(ch);
            calls.add(ControlGrpc.newFutureStub(ch).withDeadlineAfter(timeoutMs, TimeUnit.MILLISECONDS)
                .stats(StatsRequest.getDefaultInstance()));
        }
        ClusterStatusReply.Builder b = ClusterStatusReply.newBuilder().setTopologyVersion(map.topologyVersion())
            .setPartitions(map.partitions()).setDefaultReplication(map.defaultReplication());
        try {
            for (int i = 0; i < n; i++) {
                NodeStatus.Builder s = NodeStatus.newBuilder().setNode(PartitionMaps.toProto(map.nodes().get(i)))
                    .setPrimaryPartitions(primary[i]).setBackupPartitions(backup[i]);
                if (calls.get(i) == null) {
                    s.addAllTiers(tierStats()).setReachable(true);
                } else {
                    try {
                        s.addAllTiers(calls.get(i).get(timeoutMs + 500, TimeUnit.MILLISECONDS).getTiersList())
                            .setReachable(true);
                    } catch (InterruptedException e) {
                        Thread.currentThread().interrupt();
                        s.setReachable(false).setError("interrupted");
                    } catch (Exception e) {
                        Throwable cause = e instanceof ExecutionException && e.getCause() != null
                            ? e.getCause() : e;
                        s.setReachable(false).setError(String.valueOf(cause.getMessage() == null ? cause
                            : cause.getMessage()));
                    }
                }
                b.addNodes(s);
            }
        } finally {
            channels.forEach(ManagedChannel::shutdownNow);
        }
        reply(out, b.build());
    }

    @Override
    public void registerNamespace(RegisterNamespaceRequest request, StreamObserver<RegisterNamespaceReply> out) {
        Namespace ns;
        try {
            ns = NamespaceCodec.fromSpec(request.getNamespace());
        } catch (IllegalArgumentException e) {
            out.onError(Status.INVALID_ARGUMENT.withDescription(e.getMessage()).asRuntimeException());
            return;
        }
        int replication = request.getReplication();
        PeerIdentity who = ControlAuthInterceptor.current();
        if (who.authenticated() && !who.has(Role.ADMIN)) {
            String why = null;
            if (!who.mayUseTenant(ns.tenant())) {
                why = who + " may not register a namespace of tenant " + ns.tenant();
            } else if (replication != 0) {
                why = who + " may not set a namespace's replication (" + replication + "): that needs the admin role";
            }
            if (why != null) {
                deny(out, who, "RegisterNamespace", why);
                return;
            }
        }
        int max = clusterSettings == null ? ClusterContext.MAX_OWNERS : clusterSettings.maxReplication();
        if (replication > max) {
            out.onError(Status.INVALID_ARGUMENT.withDescription("replication " + replication + " exceeds "
                + ClusterContext.MAX_REPLICATION_PROP + "=" + max + " (each partition has at most " + max + " owners)")
                .asRuntimeException());
            return;
        }
        BlockKey id;
        try {
            id = namespaces.register(ns, replication);
        } catch (UnsupportedOperationException e) {
            out.onError(Status.UNIMPLEMENTED.withDescription("namespace ids: " + e.getMessage()).asRuntimeException());
            return;
        } catch (NamespaceRegistry.LimitReachedException e) {
            out.onError(Status.RESOURCE_EXHAUSTED.withDescription(e.getMessage()).asRuntimeException());
            return;
        } catch (IllegalArgumentException e) {
            out.onError(Status.ALREADY_EXISTS.withDescription(e.getMessage()).asRuntimeException());
            return;
        } catch (IllegalStateException e) { // cut off from the cluster's majority: another member can do it
            out.onError(Status.UNAVAILABLE.withDescription(e.getMessage()).asRuntimeException());
            return;
        }
        reply(out, RegisterNamespaceReply.newBuilder().setNamespaceId(ByteString.copyFrom(id.toBytes())).build());
    }

    @Override
    public void listNamespaces(ListNamespacesRequest request, StreamObserver<ListNamespacesReply> out) {
        ListNamespacesReply.Builder b = ListNamespacesReply.newBuilder();
        PeerIdentity who = ControlAuthInterceptor.current();
        boolean everyTenant = !who.authenticated() || who.has(Role.ADMIN) || who.has(Role.ROUTER)
            || who.has(Role.NODE);
        namespaces.all().forEach((id, ns) -> {
            if (!everyTenant && !ns.tenant().equals(who.tenant())) {
                return;
            }
            b.addNamespaces(NamespaceCodec.toSpec(ns));
            b.addNamespaceIds(ByteString.copyFrom(id.toBytes()));
        });
        reply(out, b.build());
    }

    @Override
    public void lookupPrefix(LookupPrefixRequest request, StreamObserver<LookupPrefixReply> out) {
        BlockKey ns = key(request.getNamespaceId(), "namespace_id", out);
        if (ns == null) {
            return;
        }
        String tenant = namespaces.tenantOf(ns);
        PeerIdentity who = ControlAuthInterceptor.current();
        if (tenant == null && who.learnsUnregisteredNamespaces()) {
            out.onError(Status.NOT_FOUND.withDescription("UNKNOWN_NAMESPACE: " + ns + " is not registered")
                .asRuntimeException());
            return;
        }
        if (tenant == null || !who.mayUseTenant(tenant)) {
            // a client is told the same whether nobody registered the namespace or another tenant did
            deny(out, who, "LookupPrefix", who.learnsUnregisteredNamespaces() ? who + " may not look up prefixes in "
                + "namespace " + ns + ", which belongs to tenant " + tenant : who.refusedNamespace("LookupPrefix", ns));
            return;
        }
        BlockKey[] keys = new BlockKey[request.getKeysCount()];
        for (int i = 0; i < keys.length; i++) {
            keys[i] = key(request.getKeys(i), "keys[" + i + "]", out);
            if (keys[i] == null) {
                return;
            }
        }
        TierPrefixMatch m = tiers.lookupPrefix(keys);
        LookupPrefixReply.Builder b = LookupPrefixReply.newBuilder().setPrefixLength(m.prefixLength());
        for (int t = 0; t < m.kinds().length; t++) {
            b.addTiers(TierPrefix.newBuilder().setTier(m.kinds()[t].name().toLowerCase(Locale.ROOT))
                .setLongestRun(m.longestRun()[t]).setBlocksInPrefix(m.blocksInPrefix()[t]));
        }
        reply(out, b.build());
    }

    @Override
    public void setTenantQuota(SetTenantQuotaRequest request, StreamObserver<SetTenantQuotaReply> out) {
        if (tenants == null) {
            out.onError(Status.UNIMPLEMENTED.withDescription("node " + nodeId + " keeps no tenant quotas")
                .asRuntimeException());
            return;
        }
        long bytes = request.getCpuBytes();
        if (bytes < 0) { // uint64 above Long.MAX_VALUE
            out.onError(Status.INVALID_ARGUMENT.withDescription("cpu_bytes " + Long.toUnsignedString(bytes)
                + " is larger than any CPU tier").asRuntimeException());
            return;
        }
        try {
            tenants.set(request.getTenant(), bytes);
        } catch (IllegalArgumentException e) {
            out.onError(Status.INVALID_ARGUMENT.withDescription(e.getMessage()).asRuntimeException());
            return;
        } catch (IllegalStateException e) {
            out.onError(Status.FAILED_PRECONDITION.withDescription(e.getMessage()).asRuntimeException());
            return;
        }
        reply(out, SetTenantQuotaReply.newBuilder().setTenant(request.getTenant()).setCpuBytes(bytes)
            .setNodeShareBytes(tenants.share(bytes)).build());
    }

    @Override
    public void listTenants(ListTenantsRequest request, StreamObserver<ListTenantsReply> out) {
        ListTenantsReply.Builder b = ListTenantsReply.newBuilder().setNodeId(nodeId);
        if (tenants != null) {
            for (TenantQuotas.Tenant t : tenants.tenants()) {
                b.addTenants(TenantInfo.newBuilder().setTenant(t.name()).setCpuQuotaBytes(t.cpuQuotaBytes())
                    .setNodeShareBytes(t.nodeShareBytes()).setCpuBytes(t.usage().bytes())
                    .setCpuBlocks(t.usage().blocks()).setQuotaEvictions(t.usage().evictions())
                    .setNamespaces(t.namespaces()));
            }
        }
        reply(out, b.build());
    }

    private static BlockKey key(ByteString bytes, String field, StreamObserver<?> out) {
        if (bytes.size() != BlockKey.BYTES) {
            out.onError(Status.INVALID_ARGUMENT.withDescription(field + " must have 16 bytes, got " + bytes.size())
                .asRuntimeException());
            return null;
        }
        return BlockKey.fromBytes(bytes.toByteArray());
    }

    /** Refuses the call with PERMISSION_DENIED and counts it for the caller's tenant. */
    private void deny(StreamObserver<?> out, PeerIdentity who, String method, String why) {
        if (denials != null) {
            denials.denied(who, method, "control", why);
        }
        out.onError(Status.PERMISSION_DENIED.withDescription(why).asRuntimeException());
    }

    private static <T> void reply(StreamObserver<T> out, T value) {
        out.onNext(value);
        out.onCompleted();
    }
}
