package io.spillway.server;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.grpc.ManagedChannel;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.netty.shaded.io.grpc.netty.NettyChannelBuilder;
import io.spillway.control.v1.ControlGrpc;
import io.spillway.control.v1.ListNamespacesRequest;
import io.spillway.control.v1.RegisterNamespaceRequest;
import io.spillway.key.Namespace;
import io.spillway.tier.TierKind;
import java.io.DataInputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The control plane's limits: a namespace past {@code maxNamespaces} is refused with RESOURCE_EXHAUSTED naming the
 * setting and counted, while registered ones still re-register; a message over {@code controlMaxInboundMessageBytes}
 * is refused by gRPC with RESOURCE_EXHAUSTED and the node keeps serving.
 */
class ControlLimitsTest {
    @TempDir
    Path dir;

    private static RegisterNamespaceRequest register(String model) {
        Namespace ns = Namespace.builder().modelId(model).layers(2).kvHeads(2).headDim(64).build();
        return RegisterNamespaceRequest.newBuilder().setNamespace(NamespaceCodec.toSpec(ns)).build();
    }

    @Test
    void namespacesPastTheCapAndOversizeMessagesAreRefused() throws Exception {
        try (SpillwayServer server = SpillwayServer.start(TestNode.context(dir)
                .set(ServerContext.MAX_NAMESPACES_PROP, "2")
                .set(ServerContext.CONTROL_MAX_INBOUND_MESSAGE_BYTES_PROP, "4k")
                .tierFactory(HeapTier.factory(1 << 20, new HeapTier(TierKind.NVME, 1 << 20))).build())) {
            ManagedChannel ch = NettyChannelBuilder.forAddress("127.0.0.1", server.controlPort()).usePlaintext()
                .build();
            try {
                ControlGrpc.ControlBlockingStub control = ControlGrpc.newBlockingStub(ch);
                control.registerNamespace(register("model-a"));
                control.registerNamespace(register("model-b"));
                StatusRuntimeException full = assertThrows(StatusRuntimeException.class,
                    () -> control.registerNamespace(register("model-c")));
                assertEquals(Status.Code.RESOURCE_EXHAUSTED, full.getStatus().getCode());
                assertTrue(full.getStatus().getDescription().contains(ServerContext.MAX_NAMESPACES_PROP + "=2"),
                    full.getStatus().getDescription());
                control.registerNamespace(register("model-a")); // a registered namespace is not a new one
                assertEquals(2, control.listNamespaces(ListNamespacesRequest.getDefaultInstance())
                    .getNamespacesCount());
                assertEquals(1, server.namespaces().refused());
                assertTrue(server.metrics().scrape().contains("spillway_namespaces_refused_total 1.0"));

                StatusRuntimeException big = assertThrows(StatusRuntimeException.class,
                    () -> control.registerNamespace(register("m".repeat(8_000))));
                assertEquals(Status.Code.RESOURCE_EXHAUSTED, big.getStatus().getCode(), big.toString());
                assertTrue(big.getStatus().getDescription().contains("4096"), "gRPC's size check, not the cap: "
                    + big.getStatus().getDescription());
                assertEquals(1, server.namespaces().refused(), "the handler never saw it");
                assertEquals(2, control.listNamespaces(ListNamespacesRequest.getDefaultInstance())
                    .getNamespacesCount(), "the node still serves");
            } finally {
                ch.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
            }
        }
    }

    /**
     * What the control plane tells a new HTTP/2 connection, read off the wire: its SETTINGS carry
     * MAX_CONCURRENT_STREAMS = {@code controlMaxConcurrentCallsPerConnection}, and a connection that makes no call is
     * sent GOAWAY after {@code controlMaxConnectionIdleMs}.
     */
    @Test
    void aConnectionIsToldItsCallLimitAndAnIdleOneIsSentAway() throws Exception {
        try (SpillwayServer server = SpillwayServer.start(TestNode.context(dir)
                .set(ServerContext.CONTROL_MAX_CONCURRENT_CALLS_PROP, "3")
                .set(ServerContext.CONTROL_MAX_CONNECTION_IDLE_MS_PROP, "1000")
                .tierFactory(HeapTier.factory(1 << 20, null)).build());
             Socket s = new Socket("127.0.0.1", server.controlPort())) {
            s.setSoTimeout(10_000);
            OutputStream out = s.getOutputStream();
            out.write("PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n".getBytes(StandardCharsets.US_ASCII));
            out.write(new byte[] {0, 0, 0, 4, 0, 0, 0, 0, 0}); // an empty SETTINGS frame
            out.flush();
            DataInputStream in = new DataInputStream(s.getInputStream());
            long t0 = System.nanoTime();
            Integer maxStreams = null;
            long goAwayMs = -1;
            while (goAwayMs < 0) {
                int length = (in.readUnsignedByte() << 16) | in.readUnsignedShort();
                int type = in.readUnsignedByte();
                int flags = in.readUnsignedByte();
                in.readInt(); // stream id
                byte[] payload = in.readNBytes(length);
                if (type == 4 && (flags & 1) == 0) { // SETTINGS, not an ACK
                    ByteBuffer b = ByteBuffer.wrap(payload);
                    while (b.remaining() >= 6) {
                        int id = b.getShort() & 0xFFFF;
                        int value = b.getInt();
                        if (id == 3) {
                            maxStreams = value;
                        }
                    }
                    out.write(new byte[] {0, 0, 0, 4, 1, 0, 0, 0, 0}); // ACK
                    out.flush();
                } else if (type == 7) {
                    goAwayMs = (System.nanoTime() - t0) / 1_000_000;
                }
            }
            assertEquals(3, maxStreams, "SETTINGS_MAX_CONCURRENT_STREAMS");
            assertTrue(goAwayMs >= 900 && goAwayMs < 5_000, "GOAWAY after " + goAwayMs + " ms idle");
        }
    }
}
