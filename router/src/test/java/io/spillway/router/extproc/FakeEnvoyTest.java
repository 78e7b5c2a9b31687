package io.spillway.router.extproc;

import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.protobuf.ByteString;
import io.envoyproxy.envoy.service.ext_proc.v3.BodyMutation;
import io.envoyproxy.envoy.service.ext_proc.v3.BodyResponse;
import io.envoyproxy.envoy.service.ext_proc.v3.CommonResponse;
import io.envoyproxy.envoy.service.ext_proc.v3.ExternalProcessorGrpc;
import io.envoyproxy.envoy.service.ext_proc.v3.ProcessingRequest;
import io.envoyproxy.envoy.service.ext_proc.v3.ProcessingResponse;
import io.envoyproxy.envoy.service.ext_proc.v3.StreamedBodyResponse;
import io.grpc.ManagedChannel;
import io.grpc.Server;
import io.grpc.netty.shaded.io.grpc.netty.NettyChannelBuilder;
import io.grpc.netty.shaded.io.grpc.netty.NettyServerBuilder;
import io.grpc.stub.StreamObserver;
import java.net.InetSocketAddress;
import java.util.function.BiConsumer;
import org.junit.jupiter.api.Test;

/**
 * Positive controls for {@link FakeEnvoy}: processors that break Envoy's rules, as the router did before, are caught.
 */
class FakeEnvoyTest {
    /** A processor that answers each message with {@code answer}. */
    private static FakeEnvoy.Result against(BiConsumer<ProcessingRequest, StreamObserver<ProcessingResponse>> answer,
                                            FakeEnvoy.Mode mode, boolean v134, boolean trailers) throws Exception {
        Server server = NettyServerBuilder.forAddress(new InetSocketAddress("127.0.0.1", 0)).addService(
            new ExternalProcessorGrpc.ExternalProcessorImplBase() {
                @Override
                public StreamObserver<ProcessingRequest> process(StreamObserver<ProcessingResponse> out) {
                    return new StreamObserver<>() {
                        @Override
                        public void onNext(ProcessingRequest r) {
                            answer.accept(r, out);
                        }

                        @Override
                        public void onError(Throwable t) {
                        }

                        @Override
                        public void onCompleted() {
                            out.onCompleted();
                        }
                    };
                }
            }).build().start();
        ManagedChannel c = NettyChannelBuilder.forAddress("127.0.0.1", server.getPort()).usePlaintext().build();
        try {
            return new FakeEnvoy(c, mode, v134).messageTimeoutMs(2_000).send(EnvoyRulesTest.POST,
                EnvoyRulesTest.completion(EnvoyRulesTest.PROMPT, 100_000), 3, trailers, null, null, null);
        } finally {
            c.shutdownNow();
            server.shutdownNow();
        }
    }

    /** The old picker's answers when it saw no protocol_config: plain CONTINUE for every message. */
    private static void continueEach(ProcessingRequest r, StreamObserver<ProcessingResponse> out) {
        switch (r.getRequestCase()) {
            case REQUEST_HEADERS -> out.onNext(Replies.continueRequestHeaders());
            case REQUEST_BODY -> out.onNext(Replies.continueRequestBody());
            case REQUEST_TRAILERS -> out.onNext(Replies.requestTrailers());
            default -> { }
        }
    }

    @Test
    void plainBodyAnswersInFullDuplexAreSpurious() throws Exception {
        FakeEnvoy.Result r = against(FakeEnvoyTest::continueEach, FakeEnvoy.Mode.FULL_DUPLEX, false, false);
        assertTrue(r.violations.stream().anyMatch(v -> v.contains("spurious")), r.violations.toString());
    }

    @Test
    void streamedAnswersOutsideFullDuplexAreRefused() throws Exception {
        FakeEnvoy.Result r = against((req, out) -> {
            if (req.hasRequestBody()) {
                Replies.streamed(req.getRequestBody().getBody(), true, true).forEach(out::onNext);
            } else {
                continueEach(req, out);
            }
        }, FakeEnvoy.Mode.BUFFERED, true, false);
        assertTrue(r.violations.stream().anyMatch(v -> v.contains("streamed_response outside full duplex")),
            r.violations.toString());
    }

    @Test
    void aSecondAnswerToOneMessageIsSpurious() throws Exception {
        FakeEnvoy.Result r = against((req, out) -> {
            continueEach(req, out);
            if (req.hasRequestHeaders()) {
                out.onNext(Replies.continueRequestHeaders());
            }
        }, FakeEnvoy.Mode.STREAMED, true, false);
        assertTrue(r.violations.stream().anyMatch(v -> v.contains("spurious")), r.violations.toString());
    }

    @Test
    void aWholeBodyInOnePieceOver64KiBIsRefusedAndSilenceTimesOut() throws Exception {
        FakeEnvoy.Result big = against((req, out) -> {
            if (req.hasRequestTrailers()) {
                out.onNext(Replies.requestHeaders(Replies.routing(null, "10.0.0.1:8000", 0), null));
                out.onNext(ProcessingResponse.newBuilder().setRequestBody(
                    BodyResponse.newBuilder().setResponse(
                        CommonResponse.newBuilder().setBodyMutation(
                            BodyMutation.newBuilder().setStreamedResponse(
                                StreamedBodyResponse.newBuilder().setBody(
                                    ByteString.copyFrom(EnvoyRulesTest.completion(
                                        EnvoyRulesTest.PROMPT, 100_000))))))).build());
                out.onNext(Replies.requestTrailers());
            }
        }, FakeEnvoy.Mode.FULL_DUPLEX, true, true);
        assertTrue(big.violations.stream().anyMatch(v -> v.contains("over 64 KiB")), big.violations.toString());
        FakeEnvoy.Result silent = against((req, out) -> { }, FakeEnvoy.Mode.BUFFERED, false, false);
        assertTrue(silent.violations.stream().anyMatch(v -> v.contains("message timeout")),
            silent.violations.toString());
    }
}
