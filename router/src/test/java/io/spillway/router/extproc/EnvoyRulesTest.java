package io.spillway.router.extproc;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.protobuf.ByteString;
import io.envoyproxy.envoy.extensions.filters.http.ext_proc.v3.ProcessingMode;
import io.envoyproxy.envoy.service.ext_proc.v3.ExternalProcessorGrpc;
import io.envoyproxy.envoy.service.ext_proc.v3.HttpBody;
import io.envoyproxy.envoy.service.ext_proc.v3.HttpHeaders;
import io.envoyproxy.envoy.service.ext_proc.v3.ProcessingRequest;
import io.envoyproxy.envoy.service.ext_proc.v3.ProcessingResponse;
import io.grpc.stub.StreamObserver;
import io.spillway.placement.routing.Pod;
import io.spillway.placement.routing.PodRole;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * The picker through {@link FakeEnvoy}, which holds it to Envoy's processor rules: for every body mode, as Envoy
 * 1.33 (no {@code protocol_config}) and 1.34+, with and without request trailers, with IPv4 and IPv6 pods, a request
 * leaves with a destination (the same in the header and the metadata), its body intact, and no answer refused.
 */
class EnvoyRulesTest {
    static final String PROMPT = "Summarise the operator's guide of a KV-cache tiering service, please.";
    static final Map<String, String> POST = Map.of(":path", "/v1/completions", ":method", "POST");

    static Stream<Arguments> matrix() {
        List<Arguments> out = new ArrayList<>();
        for (FakeEnvoy.Mode mode : FakeEnvoy.Mode.values()) {
            for (boolean v134 : new boolean[] {false, true}) {
                for (boolean trailers : new boolean[] {false, true}) {
                    for (boolean ipv6 : new boolean[] {false, true}) {
                        out.add(Arguments.of(mode, v134, trailers, ipv6));
                    }
                }
            }
        }
        return out.stream();
    }

    static List<Pod> pods(boolean ipv6) {
        return ipv6
            ? List.of(Pod.idle("fd00::1:8000", PodRole.BOTH), Pod.idle("fd00::2:8000", PodRole.BOTH),
                Pod.idle("fd00::3:8000", PodRole.BOTH))
            : List.of(Pod.idle("10.0.0.1:8000", PodRole.BOTH), Pod.idle("10.0.0.2:8000", PodRole.BOTH),
                Pod.idle("10.0.0.3:8000", PodRole.BOTH));
    }

    /** A completion whose body is {@code padding} bytes longer than its prompt: several 64 KiB pieces when large. */
    static byte[] completion(String prompt, int padding) {
        return ("{\"model\": \"m\", \"prompt\": \"" + prompt + "\", \"user\": \"" + "x".repeat(padding) + "\"}")
            .getBytes(StandardCharsets.UTF_8);
    }

    @ParameterizedTest(name = "{0}, Envoy 1.34+ {1}, trailers {2}, IPv6 {3}")
    @MethodSource("matrix")
    void theRequestLeavesWithADestinationAndNothingIsRefused(FakeEnvoy.Mode mode, boolean v134, boolean trailers,
                                                             boolean ipv6) throws Exception {
        List<Pod> pods = pods(ipv6);
        try (PickerFixture f = new PickerFixture(pods, 1 << 20, 0, Objectives.none())) {
            String holder = pods.get(1).address();
            f.holds(holder, PROMPT);
            byte[] body = completion(PROMPT, 150_000);
            byte[] answer = "{\"choices\": []}".getBytes(StandardCharsets.UTF_8);
            FakeEnvoy.Result r = new FakeEnvoy(f.channel, mode, v134).send(POST, body, 5, trailers, null, null,
                answer);
            assertEquals(List.of(), r.violations);
            assertEquals(0, r.immediateStatus, r.immediateBody);
            String destination = r.destination();
            assertNotNull(destination, "a single destination header");
            assertEquals(destination, r.lbDestination(), "header and envoy.lb metadata agree");
            for (String d : destination.split(",")) {
                assertTrue(ipv6 ? d.matches("\\[fd00::\\d]:8000") : d.matches("10\\.0\\.0\\.\\d:8000"), d);
            }
            assertArrayEquals(body, r.upstreamBody, "the body goes upstream whole");
            assertArrayEquals(answer, r.responseBody);
            if (mode == FakeEnvoy.Mode.FULL_DUPLEX) {
                assertTrue(r.streamedPieces >= 3 && r.largestPiece <= Replies.CHUNK_BYTES, r.streamedPieces + " "
                    + r.largestPiece);
            }
            if (mode != FakeEnvoy.Mode.STREAMED) { // streamed mode routes before the prompt arrives
                assertEquals(HostPort.bracketed(holder), destination.split(",")[0], "the pod holding the prefix");
            }
            assertEquals(1, f.picker.routed());
            assertEquals(v134 ? 0 : 1, f.picker.inferred());
        }
    }

    /**
     * Envoy 1.33 full duplex with a slow client: the body's first piece comes after the 50 ms probe. Inferred, the
     * picker takes the exchange for buffered and Envoy refuses its answers (the one ambiguity of inference, and why
     * 1.34+ or --ext-proc-mode is the way to run it); told the mode, the request is routed as Envoy requires.
     */
    @Test
    void aSlowFullDuplexBodyNeedsTheModeNamedOnEnvoy133() throws Exception {
        byte[] body = completion(PROMPT, 1_000);
        try (PickerFixture f = new PickerFixture(pods(false), 1 << 20, 0, Objectives.none())) {
            // the connection set up first, so the late body is late by the delay, not by a handshake
            new FakeEnvoy(f.channel, FakeEnvoy.Mode.BUFFERED, true).send(POST, body, 1, false, null, null, null);
            FakeEnvoy.Result r = new FakeEnvoy(f.channel, FakeEnvoy.Mode.FULL_DUPLEX, false).bodyDelayMs(1_000)
                .send(POST, body, 2, false, null, null, null);
            assertFalse(r.violations.isEmpty(), "inferred: the late body is taken for buffered");
        }
        try (PickerFixture f = new PickerFixture(pods(false), 1 << 20, 0, Objectives.none(),
            ProcessingMode.BodySendMode.FULL_DUPLEX_STREAMED)) {
            f.holds("10.0.0.2:8000", PROMPT);
            FakeEnvoy.Result r = new FakeEnvoy(f.channel, FakeEnvoy.Mode.FULL_DUPLEX, false).bodyDelayMs(1_000)
                .send(POST, body, 2, false, null, null, null);
            assertEquals(List.of(), r.violations);
            assertEquals("10.0.0.2:8000", r.destination().split(",")[0], "routed on the prompt");
            assertArrayEquals(body, r.upstreamBody);
            assertEquals(0, f.picker.inferred());
        }
    }

    @Test
    void aRequestWithoutABodyIsRoutedAtItsHeadersInEveryMode() throws Exception {
        for (FakeEnvoy.Mode mode : FakeEnvoy.Mode.values()) {
            try (PickerFixture f = new PickerFixture(pods(true), 1 << 20, 0, Objectives.none())) {
                FakeEnvoy.Result r = new FakeEnvoy(f.channel, mode, false).send(Map.of(":path", "/v1/models",
                    ":method", "GET"), null, 1, false, null, null, null);
                assertEquals(List.of(), r.violations, mode.toString());
                assertTrue(r.destination().startsWith("[fd00::"), r.destination());
            }
        }
    }

    @Test
    void tenMebibytesRouteInBufferedModeUpToTheLimitAnd413AboveItNeverAGrpcError() throws Exception {
        byte[] body = completion(PROMPT, 10 << 20);
        for (boolean v134 : new boolean[] {false, true}) {
            try (PickerFixture f = new PickerFixture(pods(false), 16 << 20, 0, Objectives.none())) {
                FakeEnvoy.Result r = new FakeEnvoy(f.channel, FakeEnvoy.Mode.BUFFERED, v134).send(POST, body, 1,
                    false, null, null, null);
                assertEquals(List.of(), r.violations);
                assertNotNull(r.destination());
                assertEquals(body.length, r.upstreamBody.length);
            }
            for (FakeEnvoy.Mode mode : FakeEnvoy.Mode.values()) {
                try (PickerFixture f = new PickerFixture(pods(false), 4 << 20, 0, Objectives.none())) {
                    FakeEnvoy.Result r = new FakeEnvoy(f.channel, mode, v134).send(POST, body, 160, false, null,
                        null, null);
                    assertEquals(413, r.immediateStatus, mode + " " + r.violations);
                    assertEquals(List.of(), r.violations);
                }
            }
        }
    }

    @Test
    void observabilityModeIsNeverAnswered() throws Exception {
        try (PickerFixture f = new PickerFixture(pods(false), 1 << 20, 0, Objectives.none())) {
            var responses = new LinkedBlockingQueue<Object>();
            var stream = ExternalProcessorGrpc.newStub(f.channel).process(
                new StreamObserver<>() {
                    @Override
                    public void onNext(ProcessingResponse v) {
                        responses.add(v);
                    }

                    @Override
                    public void onError(Throwable t) {
                        responses.add(t);
                    }

                    @Override
                    public void onCompleted() {
                        responses.add("closed");
                    }
                });
            stream.onNext(ProcessingRequest.newBuilder()
                .setObservabilityMode(true).setRequestHeaders(HttpHeaders
                    .newBuilder().setEndOfStream(false)).build());
            stream.onNext(ProcessingRequest.newBuilder()
                .setObservabilityMode(true).setRequestBody(HttpBody
                    .newBuilder().setBody(ByteString.copyFrom(completion(PROMPT, 0)))
                    .setEndOfStream(true)).build());
            assertEquals(null, responses.poll(300, TimeUnit.MILLISECONDS));
            stream.onCompleted();
            assertEquals("closed", responses.poll(5, TimeUnit.SECONDS));
            assertEquals(0, f.picker.routed());
        }
    }
}
