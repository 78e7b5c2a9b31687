package io.spillway.server;

import com.google.protobuf.ByteString;
import io.grpc.Status;
import io.grpc.stub.StreamObserver;
import io.spillway.control.v1.ControlGrpc;
import io.spillway.control.v1.HealthReply;
import io.spillway.control.v1.HealthRequest;
import io.spillway.control.v1.ListNamespacesReply;
import io.spillway.control.v1.ListNamespacesRequest;
import io.spillway.control.v1.LookupPrefixReply;
import io.spillway.control.v1.LookupPrefixRequest;
import io.spillway.control.v1.RegisterNamespaceReply;
import io.spillway.control.v1.RegisterNamespaceRequest;
import io.spillway.control.v1.StatsReply;
import io.spillway.control.v1.StatsRequest;
import io.spillway.control.v1.TierPrefix;
import io.spillway.control.v1.TierStats;
import io.spillway.key.BlockKey;
import io.spillway.key.Namespace;
import io.spillway.tier.TierCounters;
import java.util.Locale;
import java.util.function.BooleanSupplier;
import java.util.function.IntSupplier;

/** The gRPC control plane (spillway_control.proto): health, stats, namespaces, prefix lookup. Metadata only. */
final class ControlService extends ControlGrpc.ControlImplBase {
    static final String VERSION = "0.1.0";

    private final String nodeId;
    private final NamespaceRegistry namespaces;
    private final TierChain tiers;
    private final BooleanSupplier ready;
    private final IntSupplier connections;

    ControlService(String nodeId, NamespaceRegistry namespaces, TierChain tiers, BooleanSupplier ready,
                   IntSupplier connections) {
        this.nodeId = nodeId;
        this.namespaces = namespaces;
        this.tiers = tiers;
        this.ready = ready;
        this.connections = connections;
    }

    @Override
    public void health(HealthRequest request, StreamObserver<HealthReply> out) {
        reply(out, HealthReply.newBuilder().setLive(true).setReady(ready.getAsBoolean()).setNodeId(nodeId)
            .setVersion(VERSION).build());
    }

    @Override
    public void stats(StatsRequest request, StreamObserver<StatsReply> out) {
        StatsReply.Builder b = StatsReply.newBuilder().setNodeId(nodeId).setNamespaces(namespaces.size())
            .setConnections(connections.getAsInt());
        for (TierChain.Stage s : tiers.stages()) {
            TierCounters c = s.tier().counters();
            b.addTiers(TierStats.newBuilder().setTier(s.tier().kind().name().toLowerCase(Locale.ROOT))
                .setBytes(c.bytes.get()).setBlocks(c.blocks.get()).setCapacityBytes(s.capacityBytes())
                .setHits(c.hits.sum()).setMisses(c.misses.sum()).setEvictions(c.evictions.sum())
                .setDemotions(c.demotions.sum()).setPromotions(c.promotions.sum())
                .setBackPressured(c.backPressured.sum()).setCorrupt(c.corrupt.sum()));
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
        BlockKey id;
        try {
            id = namespaces.register(ns);
        } catch (UnsupportedOperationException e) {
            out.onError(Status.UNIMPLEMENTED.withDescription("namespace ids: " + e.getMessage()).asRuntimeException());
            return;
        } catch (IllegalArgumentException e) {
            out.onError(Status.ALREADY_EXISTS.withDescription(e.getMessage()).asRuntimeException());
            return;
        }
        reply(out, RegisterNamespaceReply.newBuilder().setNamespaceId(ByteString.copyFrom(id.toBytes())).build());
    }

    @Override
    public void listNamespaces(ListNamespacesRequest request, StreamObserver<ListNamespacesReply> out) {
        ListNamespacesReply.Builder b = ListNamespacesReply.newBuilder();
        namespaces.all().forEach((id, ns) -> {
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
        if (!namespaces.isRegistered(ns)) {
            out.onError(Status.NOT_FOUND.withDescription("UNKNOWN_NAMESPACE: " + ns + " is not registered")
                .asRuntimeException());
            return;
        }
        BlockKey[] keys = new BlockKey[request.getKeysCount()];
        for (int i = 0; i < keys.length; i++) {
            keys[i] = key(request.getKeys(i), "keys[" + i + "]", out);
            if (keys[i] == null) {
                return;
            }
        }
        PrefixMatch m = tiers.lookupPrefix(keys);
        LookupPrefixReply.Builder b = LookupPrefixReply.newBuilder().setPrefixLength(m.prefixLength());
        for (int t = 0; t < m.kinds().length; t++) {
            b.addTiers(TierPrefix.newBuilder().setTier(m.kinds()[t].name().toLowerCase(Locale.ROOT))
                .setLongestRun(m.longestRun()[t]).setBlocksInPrefix(m.blocksInPrefix()[t]));
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

    private static <T> void reply(StreamObserver<T> out, T value) {
        out.onNext(value);
        out.onCompleted();
    }
}
