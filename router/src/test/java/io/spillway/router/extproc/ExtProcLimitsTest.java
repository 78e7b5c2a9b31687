package io.spillway.router.extproc;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.protobuf.ByteString;
import io.envoyproxy.envoy.config.core.v3.HeaderMap;
import io.envoyproxy.envoy.config.core.v3.HeaderValue;
import io.envoyproxy.envoy.service.ext_proc.v3.ExternalProcessorGrpc;
import io.envoyproxy.envoy.service.ext_proc.v3.HttpHeaders;
import io.envoyproxy.envoy.service.ext_proc.v3.ProcessingRequest;
import io.envoyproxy.envoy.service.ext_proc.v3.ProcessingResponse;
import io.grpc.ConnectivityState;
import io.grpc.ManagedChannel;
import io.grpc.Status;
import io.grpc.netty.shaded.io.grpc.netty.NettyChannelBuilder;
import io.grpc.stub.StreamObserver;
import io.spillway.placement.routing.Pod;
import io.spillway.placement.routing.PodRole;
import io.spillway.router.limits.ExtProcLimits;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;
import org.junit.jupiter.api.Test;

/**
 * The endpoint picker's port holds what a gateway (or anything that reaches it) can open: streams over the cap are
 * answered {@code RESOURCE_EXHAUSTED} at once and counted, a finished stream frees its place, and a connection
 * without streams is closed after the idle limit.
 */
class ExtProcLimitsTest {
    /** A stream that has sent its request headers (body to follow) and stays open. */
    private static final class OpenStream implements StreamObserver<ProcessingResponse> {
        final CompletableFuture<Status> closed = new CompletableFuture<>();
        StreamObserver<ProcessingRequest> requests;

        @Override
        public void onNext(ProcessingResponse value) {
        }

        @Override
        public void onError(Throwable t) {
            closed.complete(Status.fromThrowable(t));
        }

        @Override
        public void onCompleted() {
            closed.complete(Status.OK);
        }
    }

    private static OpenStream open(ExternalProcessorGrpc.ExternalProcessorStub stub) {
        OpenStream s = new OpenStream();
        s.requests = stub.process(s);
        s.requests.onNext(ProcessingRequest.newBuilder().setRequestHeaders(HttpHeaders.newBuilder()
            .setHeaders(HeaderMap.newBuilder()
                .addHeaders(HeaderValue.newBuilder().setKey(":method").setRawValue(
                    ByteString.copyFromUtf8("POST")))
                .addHeaders(HeaderValue.newBuilder().setKey(":path").setRawValue(
                    ByteString.copyFromUtf8("/v1/completions"))))
            .setEndOfStream(false)).build());
        return s;
    }

    @Test
    void streamsOverTheCapAreRefusedAndCountedAndAFinishedStreamFreesItsPlace() throws Exception {
        ExtProcLimits limits = new ExtProcLimits(3, 1024, 300_000, 60_000, 20_000);
        try (PickerFixture f = new PickerFixture(List.of(Pod.idle("10.0.0.1:8000", PodRole.BOTH)), 1 << 20, 0,
            Objectives.none());
             ExtProcServer s = new ExtProcServer(new EndpointPicker(f.scheduler, 1 << 20), "127.0.0.1", 0, null,
                 () -> true, limits)) {
            ManagedChannel c = NettyChannelBuilder.forAddress("127.0.0.1", s.port()).usePlaintext().build();
            try {
                ExternalProcessorGrpc.ExternalProcessorStub stub = ExternalProcessorGrpc.newStub(c);
                List<OpenStream> held = new ArrayList<>();
                for (int i = 0; i < 3; i++) {
                    held.add(open(stub));
                }
                await(() -> s.picker().openStreams() == 3, "three streams open");
                OpenStream fourth = open(stub);
                Status refused = fourth.closed.get(10, TimeUnit.SECONDS);
                assertEquals(Status.Code.RESOURCE_EXHAUSTED, refused.getCode(), refused.toString());
                assertTrue(refused.getDescription().contains("spillway.router.extProcMaxStreams"),
                    refused.getDescription());
                assertEquals(1, s.picker().streamsRefused());
                for (OpenStream h : held) {
                    assertTrue(!h.closed.isDone(), "the streams under the cap stay open");
                }

                held.get(0).requests.onError(Status.CANCELLED.asRuntimeException()); // Envoy gives one up
                await(() -> s.picker().openStreams() == 2, "the cancelled stream's place is freed");
                OpenStream again = open(stub);
                await(() -> s.picker().openStreams() == 3, "a new stream takes the freed place");
                assertTrue(!again.closed.isDone(), "and is not refused");
                assertEquals(1, s.picker().streamsRefused());
                for (OpenStream h : List.of(held.get(1), held.get(2), again)) {
                    h.requests.onCompleted();
                }
                await(() -> s.picker().openStreams() == 0, "completed streams leave");
            } finally {
                c.shutdownNow();
            }
        }
    }

    @Test
    void aConnectionWithoutStreamsIsClosedAfterTheIdleLimit() throws Exception {
        ExtProcLimits limits = new ExtProcLimits(16, 16, 300, 60_000, 20_000);
        try (PickerFixture f = new PickerFixture(List.of(Pod.idle("10.0.0.1:8000", PodRole.BOTH)), 1 << 20, 0,
            Objectives.none());
             ExtProcServer s = new ExtProcServer(new EndpointPicker(f.scheduler, 1 << 20), "127.0.0.1", 0, null,
                 () -> true, limits)) {
            ManagedChannel c = NettyChannelBuilder.forAddress("127.0.0.1", s.port()).usePlaintext().build();
            try {
                OpenStream one = open(ExternalProcessorGrpc.newStub(c));
                await(() -> c.getState(false) == ConnectivityState.READY, "connected");
                one.requests.onCompleted();
                one.closed.get(10, TimeUnit.SECONDS);
                // the server's GOAWAY after 300 ms without streams sends the channel back to IDLE
                await(() -> c.getState(false) == ConnectivityState.IDLE, "the idle connection closed by the server");
            } finally {
                c.shutdownNow();
            }
        }
    }

    private static void await(BooleanSupplier done, String what) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        while (!done.getAsBoolean()) {
            if (System.nanoTime() > deadline) {
                throw new AssertionError("timed out waiting until " + what);
            }
            Thread.sleep(20);
        }
    }
}
