package io.spillway.client;

import com.google.protobuf.ByteString;
import io.grpc.ManagedChannel;
import io.grpc.Grpc;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.stub.StreamObserver;
import io.spillway.control.v1.ControlGrpc;
import io.spillway.cluster.PartitionMap;
import io.spillway.cluster.PartitionMaps;
import io.spillway.control.v1.NamespaceSpec;
import io.spillway.control.v1.PartitionMapReply;
import io.spillway.control.v1.PartitionMapRequest;
import io.spillway.control.v1.RegisterNamespaceReply;
import io.spillway.control.v1.RegisterNamespaceRequest;
import io.spillway.key.BlockKey;
import io.spillway.key.Namespace;
import io.spillway.protocol.ErrorCode;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

/** The client's side of the gRPC control plane (plaintext or TLS, to {@link ClientContext#controlPort()}). */
final class ControlPlane implements AutoCloseable {
    private final ManagedChannel channel;
    private final ControlGrpc.ControlStub stub;
    private final long timeoutMillis;

    private final String address;

    ControlPlane(ClientContext context, ClientTls tls) {
        this(context.host(), context.controlPort(), context.requestTimeout().toMillis(), tls);
    }

    /** {@code tls}: null for plaintext. */
    ControlPlane(String host, int port, long timeoutMillis, ClientTls tls) {
        this.channel = Grpc.newChannelBuilderForAddress(host, port, ClientTls.grpcCredentials(tls)).build();
        this.stub = ControlGrpc.newStub(channel);
        this.timeoutMillis = timeoutMillis;
        this.address = host + ":" + port;
    }

    /** {@code host:port} of the node's control plane. */
    String address() {
        return address;
    }

    /** The node's partition map ({@code PartitionMap} rpc). */
    CompletableFuture<PartitionMap> partitionMap(long knownVersion) {
        CompletableFuture<PartitionMap> result = new CompletableFuture<>();
        stub.withDeadlineAfter(timeoutMillis, TimeUnit.MILLISECONDS).partitionMap(
            PartitionMapRequest.newBuilder().setKnownVersion(Math.max(0, knownVersion)).build(),
            new StreamObserver<>() {
                @Override
                public void onNext(PartitionMapReply reply) {
                    try {
                        result.complete(PartitionMaps.fromProto(reply));
                    } catch (RuntimeException e) {
                        result.completeExceptionally(new KvClientException(ErrorCode.INTERNAL, "node " + address
                            + " sent an inconsistent partition map: " + e.getMessage(), e));
                    }
                }

                @Override
                public void onError(Throwable t) {
                    result.completeExceptionally(translate(t));
                }

                @Override
                public void onCompleted() {
                    result.completeExceptionally(new KvClientException(ErrorCode.INTERNAL,
                        "PartitionMap completed without a reply from " + address));
                }
            });
        return result;
    }

    static NamespaceSpec toSpec(Namespace ns) {
        return NamespaceSpec.newBuilder().setTenant(ns.tenant()).setModelId(ns.modelId())
            .setLoraAdapter(ns.loraAdapter()).setDtype(ns.dtype()).setBlockSizeTokens(ns.blockSizeTokens())
            .setLayers(ns.layers()).setKvHeads(ns.kvHeads()).setHeadDim(ns.headDim()).setTpSize(ns.tpSize())
            .setTpRank(ns.tpRank()).setPpSize(ns.ppSize()).setPpRank(ns.ppRank()).setLayout(ns.layout()).build();
    }

    /** Registers {@code namespace}; the node's answer must be the 16-byte id the client computes itself. */
    CompletableFuture<BlockKey> registerNamespace(Namespace namespace) {
        return registerNamespace(namespace, 0);
    }

    /** Registers {@code namespace} with {@code replication} copies per block (0: the cluster's default). */
    CompletableFuture<BlockKey> registerNamespace(Namespace namespace, int replication) {
        CompletableFuture<BlockKey> result = new CompletableFuture<>();
        RegisterNamespaceRequest request = RegisterNamespaceRequest.newBuilder().setNamespace(toSpec(namespace))
            .setReplication(replication).build();
        stub.withDeadlineAfter(timeoutMillis, TimeUnit.MILLISECONDS).registerNamespace(request,
            new StreamObserver<>() {
                @Override
                public void onNext(RegisterNamespaceReply reply) {
                    try {
                        result.complete(checkId(namespace, reply.getNamespaceId()));
                    } catch (KvClientException e) {
                        result.completeExceptionally(e);
                    }
                }

                @Override
                public void onError(Throwable t) {
                    result.completeExceptionally(translate(t));
                }

                @Override
                public void onCompleted() {
                    result.completeExceptionally(new KvClientException(ErrorCode.INTERNAL,
                        "RegisterNamespace completed without a reply"));
                }
            });
        return result;
    }

    private static BlockKey checkId(Namespace namespace, ByteString id) {
        if (id.size() != BlockKey.BYTES) {
            throw new KvClientException(ErrorCode.INTERNAL, "RegisterNamespace answered a " + id.size()
                + "-byte namespace id, expected " + BlockKey.BYTES);
        }
        BlockKey got = BlockKey.fromBytes(id.toByteArray());
        BlockKey expected = namespace.id();
        if (!got.equals(expected)) {
            throw new KvClientException(ErrorCode.INTERNAL, "node answered namespace id " + got + " for " + namespace
                + ", whose id is " + expected + " (block-key encodings differ?)");
        }
        return got;
    }

    static KvClientException translate(Throwable t) {
        if (t instanceof KvClientException k) {
            return k;
        }
        Status status = t instanceof StatusRuntimeException s ? s.getStatus() : Status.fromThrowable(t);
        ErrorCode code = switch (status.getCode()) {
            case DEADLINE_EXCEEDED -> ErrorCode.TIMEOUT;
            case UNAVAILABLE -> ErrorCode.CONNECTION_LOST;
            case INVALID_ARGUMENT -> ErrorCode.MALFORMED_FRAME;
            case RESOURCE_EXHAUSTED -> ErrorCode.BACK_PRESSURE;
            case PERMISSION_DENIED -> ErrorCode.PERMISSION_DENIED;
            case UNAUTHENTICATED -> ErrorCode.UNAUTHENTICATED;
            default -> ErrorCode.INTERNAL;
        };
        return new KvClientException(code, "control plane: " + status.getCode() + " "
            + (status.getDescription() == null ? "" : status.getDescription()), t);
    }

    @Override
    public void close() {
        channel.shutdown();
        try {
            if (!channel.awaitTermination(1, TimeUnit.SECONDS)) {
                channel.shutdownNow();
            }
        } catch (InterruptedException e) {
            channel.shutdownNow();
            Thread.currentThread().interrupt();
        }
    }
}
