package io.spillway.client;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.protobuf.ByteString;
import io.grpc.Server;
import io.grpc.ServerBuilder;
import io.grpc.Status;
import io.grpc.stub.StreamObserver;
import io.spillway.control.v1.ControlGrpc;
import io.spillway.control.v1.NamespaceSpec;
import io.spillway.control.v1.RegisterNamespaceReply;
import io.spillway.control.v1.RegisterNamespaceRequest;
import io.spillway.key.BlockKey;
import io.spillway.key.Namespace;
import io.spillway.protocol.ErrorCode;
import java.io.IOException;
import java.util.concurrent.CompletionException;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

class RegisterNamespaceTest {
    private final FakeKvServer data = new FakeKvServer();
    private final AtomicReference<NamespaceSpec> seen = new AtomicReference<>();
    private volatile byte[] answer;
    private Server control;

    @AfterEach
    void stop() {
        data.close();
        if (control != null) {
            control.shutdownNow();
        }
    }

    private KvClient start() throws IOException {
        control = ServerBuilder.forPort(0).addService(new ControlGrpc.ControlImplBase() {
            @Override
            public void registerNamespace(RegisterNamespaceRequest request,
                                          StreamObserver<RegisterNamespaceReply> reply) {
                seen.set(request.getNamespace());
                if (answer == null) {
                    reply.onError(Status.INVALID_ARGUMENT.withDescription("layers must be > 0").asRuntimeException());
                    return;
                }
                reply.onNext(RegisterNamespaceReply.newBuilder().setNamespaceId(ByteString.copyFrom(answer)).build());
                reply.onCompleted();
            }
        }).build().start();
        return KvClient.connect(ClientContext.builder().server("127.0.0.1", data.port())
            .controlPort(control.getPort()).connections(1).build());
    }

    private static Namespace namespace() {
        return Namespace.builder().tenant("t1").modelId("meta-llama/Llama-3-8B").loraAdapter("sql").dtype("bfloat16")
            .blockSizeTokens(16).layers(32).kvHeads(8).headDim(128).tpSize(2).tpRank(1).layout("HND").build();
    }

    @Test
    void registerSendsEveryFieldAndReturnsTheSixteenByteId() throws IOException {
        Namespace ns = namespace();
        answer = ns.id().toBytes();
        try (KvClient client = start()) {
            BlockKey id = client.registerNamespace(ns).join();
            assertEquals(ns.id(), id);
        }
        NamespaceSpec spec = seen.get();
        assertEquals("t1", spec.getTenant());
        assertEquals("meta-llama/Llama-3-8B", spec.getModelId());
        assertEquals("sql", spec.getLoraAdapter());
        assertEquals(32, spec.getLayers());
        assertEquals(2, spec.getTpSize());
        assertEquals(1, spec.getTpRank());
        assertEquals("HND", spec.getLayout());
    }

    @Test
    void anIdOtherThanTheClientsOwnIsRefused() throws IOException {
        answer = new BlockKey(1, 2).toBytes();
        try (KvClient client = start()) {
            CompletionException e = assertThrows(CompletionException.class,
                () -> client.registerNamespace(namespace()).join());
            KvClientException k = (KvClientException) e.getCause();
            assertEquals(ErrorCode.INTERNAL, k.code());
            assertTrue(k.getMessage().contains(new BlockKey(1, 2).toString()), k.getMessage());
        }
    }

    @Test
    void grpcErrorBecomesAKvClientExceptionWithTheDescription() throws IOException {
        answer = null;
        try (KvClient client = start()) {
            CompletionException e = assertThrows(CompletionException.class,
                () -> client.registerNamespace(namespace()).join());
            KvClientException k = (KvClientException) e.getCause();
            assertEquals(ErrorCode.MALFORMED_FRAME, k.code());
            assertTrue(k.getMessage().contains("layers must be > 0"), k.getMessage());
        }
    }
}
