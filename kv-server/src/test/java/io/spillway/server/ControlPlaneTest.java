package io.spillway.server;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.protobuf.ByteString;
import io.grpc.ManagedChannel;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.health.v1.HealthCheckRequest;
import io.grpc.health.v1.HealthCheckResponse;
import io.grpc.health.v1.HealthGrpc;
import io.grpc.netty.shaded.io.grpc.netty.NettyChannelBuilder;
import io.spillway.control.v1.ControlGrpc;
import io.spillway.control.v1.HealthRequest;
import io.spillway.control.v1.ListNamespacesReply;
import io.spillway.control.v1.ListNamespacesRequest;
import io.spillway.control.v1.LookupPrefixReply;
import io.spillway.control.v1.LookupPrefixRequest;
import io.spillway.control.v1.RegisterNamespaceRequest;
import io.spillway.control.v1.StatsReply;
import io.spillway.control.v1.StatsRequest;
import io.spillway.key.BlockKey;
import io.spillway.tier.TierKind;
import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The gRPC control plane: namespaces registered, listed and persisted; stats; prefix lookup; health. */
class ControlPlaneTest {
    @TempDir
    Path dir;

    private static ManagedChannel channel(SpillwayServer server) {
        return NettyChannelBuilder.forAddress("127.0.0.1", server.controlPort()).usePlaintext().build();
    }

    @Test
    void registeredNamespacesAreListedAndSurviveARestart() throws Exception {
        HeapTier nvme = new HeapTier(TierKind.NVME, 1 << 20);
        try (SpillwayServer server = SpillwayServer.start(TestNode.context(dir)
                .tierFactory(HeapTier.factory(1 << 20, nvme)).build())) {
            ManagedChannel ch = channel(server);
            try {
                ControlGrpc.ControlBlockingStub control = ControlGrpc.newBlockingStub(ch);
                ByteString id = control.registerNamespace(RegisterNamespaceRequest.newBuilder()
                    .setNamespace(NamespaceCodec.toSpec(TestNode.NAMESPACE)).build()).getNamespaceId();
                assertArrayEquals(TestNode.NS.toBytes(), id.toByteArray(), "the id is Namespace.id()");
                control.registerNamespace(RegisterNamespaceRequest.newBuilder()
                    .setNamespace(NamespaceCodec.toSpec(TestNode.NAMESPACE)).build());
                assertEquals(1, control.listNamespaces(ListNamespacesRequest.getDefaultInstance()).getNamespacesCount(),
                    "registration is idempotent");
                StatusRuntimeException bad = assertThrows(StatusRuntimeException.class, () -> control.registerNamespace(
                    RegisterNamespaceRequest.newBuilder().setNamespace(NamespaceCodec.toSpec(TestNode.NAMESPACE)
                        .toBuilder().setLayers(0)).build()));
                assertEquals(Status.Code.INVALID_ARGUMENT, bad.getStatus().getCode());
                assertTrue(bad.getStatus().getDescription().contains("layers"), bad.getStatus().getDescription());
            } finally {
                ch.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
            }
        }
        try (SpillwayServer again = SpillwayServer.start(TestNode.context(dir)
                .tierFactory(HeapTier.factory(1 << 20, null)).build())) {
            ManagedChannel ch = channel(again);
            try {
                ListNamespacesReply list = ControlGrpc.newBlockingStub(ch)
                    .listNamespaces(ListNamespacesRequest.getDefaultInstance());
                assertEquals(1, list.getNamespacesCount());
                assertEquals(TestNode.NAMESPACE, NamespaceCodec.fromSpec(list.getNamespaces(0)));
                assertArrayEquals(TestNode.NS.toBytes(), list.getNamespaceIds(0).toByteArray());
            } finally {
                ch.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
            }
        }
    }

    @Test
    void statsLookupAndHealthDescribeTheNode() throws Exception {
        HeapTier nvme = new HeapTier(TierKind.NVME, 8 << 20);
        try (SpillwayServer server = TestNode.start(dir, 4 << 20, nvme)) {
            BlockKey k1 = new BlockKey(1, 1);
            BlockKey k2 = new BlockKey(1, 2);
            byte[] b = new byte[4096];
            server.tiers().put(TestNode.NS, k1, ByteBuffer.wrap(b), RawClient.crc(b));
            nvme.put(TestNode.NS, k2, ByteBuffer.wrap(b), RawClient.crc(b));
            ManagedChannel ch = channel(server);
            try {
                ControlGrpc.ControlBlockingStub control = ControlGrpc.newBlockingStub(ch);
                assertTrue(control.health(HealthRequest.getDefaultInstance()).getReady());
                StatsReply stats = control.stats(StatsRequest.getDefaultInstance());
                assertEquals(2, stats.getTiersCount());
                assertEquals("cpu", stats.getTiers(0).getTier());
                assertEquals(4096, stats.getTiers(0).getBytes());
                assertEquals(4 << 20, stats.getTiers(0).getCapacityBytes());
                assertEquals(1, stats.getTiers(1).getBlocks());
                assertEquals(1, stats.getNamespaces());

                LookupPrefixReply lookup = control.lookupPrefix(LookupPrefixRequest.newBuilder()
                    .setNamespaceId(ByteString.copyFrom(TestNode.NS.toBytes()))
                    .addKeys(ByteString.copyFrom(k1.toBytes())).addKeys(ByteString.copyFrom(k2.toBytes()))
                    .addKeys(ByteString.copyFrom(new BlockKey(9, 9).toBytes())).build());
                assertEquals(2, lookup.getPrefixLength());
                assertEquals(1, lookup.getTiers(0).getLongestRun());
                assertEquals(1, lookup.getTiers(1).getBlocksInPrefix());

                StatusRuntimeException unknown = assertThrows(StatusRuntimeException.class,
                    () -> control.lookupPrefix(LookupPrefixRequest.newBuilder()
                        .setNamespaceId(ByteString.copyFrom(new byte[16])).build()));
                assertEquals(Status.Code.NOT_FOUND, unknown.getStatus().getCode());

                HealthCheckResponse h = HealthGrpc.newBlockingStub(ch).check(HealthCheckRequest.getDefaultInstance());
                assertEquals(HealthCheckResponse.ServingStatus.SERVING, h.getStatus());
            } finally {
                ch.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
            }
        }
    }
}
