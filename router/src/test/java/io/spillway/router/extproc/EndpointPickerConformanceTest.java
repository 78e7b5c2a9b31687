package io.spillway.router.extproc;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.protobuf.ByteString;
import com.google.protobuf.ListValue;
import com.google.protobuf.Struct;
import com.google.protobuf.Value;
import io.envoyproxy.envoy.config.core.v3.HeaderMap;
import io.envoyproxy.envoy.config.core.v3.HeaderValue;
import io.envoyproxy.envoy.config.core.v3.HeaderValueOption;
import io.envoyproxy.envoy.config.core.v3.Metadata;
import io.envoyproxy.envoy.extensions.filters.http.ext_proc.v3.ProcessingMode;
import io.envoyproxy.envoy.service.ext_proc.v3.ExternalProcessorGrpc;
import io.envoyproxy.envoy.service.ext_proc.v3.HttpBody;
import io.envoyproxy.envoy.service.ext_proc.v3.HttpHeaders;
import io.envoyproxy.envoy.service.ext_proc.v3.HeaderMutation;
import io.envoyproxy.envoy.service.ext_proc.v3.ProcessingRequest;
import io.envoyproxy.envoy.service.ext_proc.v3.ProcessingResponse;
import io.envoyproxy.envoy.service.ext_proc.v3.ProtocolConfiguration;
import io.grpc.ManagedChannel;
import io.grpc.health.v1.HealthCheckRequest;
import io.grpc.health.v1.HealthCheckResponse;
import io.grpc.health.v1.HealthGrpc;
import io.grpc.netty.shaded.io.grpc.netty.NettyChannelBuilder;
import io.grpc.stub.StreamObserver;
import io.spillway.key.Namespace;
import io.spillway.placement.index.BlockLocationIndex;
import io.spillway.placement.index.Location;
import io.spillway.placement.index.Medium;
import io.spillway.placement.routing.Pod;
import io.spillway.placement.routing.PodRole;
import io.spillway.placement.routing.RoutingConfig;
import io.spillway.placement.routing.RoutingRequest;
import io.spillway.placement.routing.TransferCostModel;
import io.spillway.router.schedule.RequestScheduler;
import io.spillway.router.tokenize.CharacterTokenizer;
import io.spillway.router.tokenize.PromptKeys;
import java.util.List;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Drives the endpoint picker over real gRPC with the message sequences Envoy's ext_proc filter sends (request
 * headers, body chunks, end of stream, response headers), in BUFFERED and FULL_DUPLEX_STREAMED body modes, and
 * checks the destination header, the envoy.lb metadata, the P/D header, the subset hint, 503, 429, 400, 413 and
 * gRPC health.
 */
class EndpointPickerConformanceTest {
    private static final Namespace NS = Namespace.builder().modelId("m").layers(2).kvHeads(2).headDim(64)
        .blockSizeTokens(4).build();
    private static final String PROMPT = "Summarise the operator's guide of a KV-cache tiering service, please.";

    private final BlockLocationIndex index = new BlockLocationIndex(10_000);
    private final AtomicReference<List<Pod>> pods = new AtomicReference<>(List.of(
        Pod.idle("10.0.0.1:8000", PodRole.BOTH), Pod.idle("10.0.0.2:8000", PodRole.BOTH),
        Pod.idle("10.0.0.3:8000", PodRole.BOTH)));
    private ExtProcServer server;
    private ManagedChannel channel;
    private EndpointPicker picker;

    @BeforeEach
    void start() throws Exception {
        start(RoutingConfig.preset("llm-d-default"));
    }

    private void start(RoutingConfig config) throws Exception {
        if (server != null) {
            stop();
        }
        RequestScheduler scheduler = new RequestScheduler(index, pods::get,
            new PromptKeys(new CharacterTokenizer(1), NS), config, TransferCostModel.defaults(), 50);
        picker = new EndpointPicker(scheduler, 4096, Objectives.parse(List.of("batch=-1")),
            EndpointPicker.DEFAULT_MODE_PROBE);
        server = new ExtProcServer(picker, "127.0.0.1", 0);
        channel = NettyChannelBuilder.forAddress("127.0.0.1", server.port()).usePlaintext().build();
    }

    @AfterEach
    void stop() throws InterruptedException {
        channel.shutdownNow();
        server.close();
        server = null;
    }

    /** A stream as Envoy holds it: what it sends, what comes back. */
    private final class Stream {
        final LinkedBlockingQueue<ProcessingResponse> responses = new LinkedBlockingQueue<>();
        final StreamObserver<ProcessingRequest> requests;

        Stream() {
            requests = ExternalProcessorGrpc.newStub(channel).process(new StreamObserver<>() {
                @Override
                public void onNext(ProcessingResponse r) {
                    responses.add(r);
                }

                @Override
                public void onError(Throwable t) {
                }

                @Override
                public void onCompleted() {
                }
            });
        }

        void send(ProcessingRequest r) {
            requests.onNext(r);
        }

        ProcessingResponse next() throws InterruptedException {
            ProcessingResponse r = responses.poll(5, TimeUnit.SECONDS);
            if (r == null) {
                throw new AssertionError("no response within 5 s");
            }
            return r;
        }

        void nothingYet() throws InterruptedException {
            assertEquals(null, responses.poll(200, TimeUnit.MILLISECONDS), "no response before the body's end");
        }
    }

    private static final ProtocolConfiguration BUFFERED = ProtocolConfiguration.newBuilder()
        .setRequestBodyMode(ProcessingMode.BodySendMode.BUFFERED).build();

    private static ProcessingRequest headers(boolean endOfStream, ProtocolConfiguration config, Metadata metadata) {
        return headers(endOfStream, config, metadata, null);
    }

    private static ProcessingRequest headers(boolean endOfStream, ProtocolConfiguration config, Metadata metadata,
                                             String objective) {
        HeaderMap.Builder map = HeaderMap.newBuilder();
        if (objective != null) {
            map.addHeaders(HeaderValue.newBuilder().setKey(Objectives.OBJECTIVE_HEADER)
                .setRawValue(ByteString.copyFromUtf8(objective)));
        }
        ProcessingRequest.Builder b = ProcessingRequest.newBuilder().setRequestHeaders(HttpHeaders.newBuilder()
            .setHeaders(map
                .addHeaders(HeaderValue.newBuilder().setKey(":path").setRawValue(ByteString.copyFromUtf8(
                    "/v1/completions")))
                .addHeaders(HeaderValue.newBuilder().setKey(":method").setRawValue(ByteString.copyFromUtf8("POST"))))
            .setEndOfStream(endOfStream));
        if (config != null) {
            b.setProtocolConfig(config);
        }
        if (metadata != null) {
            b.setMetadataContext(metadata);
        }
        return b.build();
    }

    private static ProcessingRequest body(String chunk, boolean endOfStream) {
        return ProcessingRequest.newBuilder().setRequestBody(HttpBody.newBuilder()
            .setBody(ByteString.copyFromUtf8(chunk)).setEndOfStream(endOfStream)).build();
    }

    private static String header(List<HeaderValueOption> set, String name) {
        return set.stream().filter(h -> h.getHeader().getKey().equals(name)).map(h -> h.getHeader().getRawValue()
            .toStringUtf8()).findFirst().orElse(null);
    }

    private static String lbOrder(ProcessingResponse r) {
        return r.getDynamicMetadata().getFieldsOrThrow(EndpointPicker.LB_NAMESPACE).getStructValue()
            .getFieldsOrThrow(EndpointPicker.DESTINATION).getStringValue();
    }

    private void podHoldsThePrompt(String pod) {
        RoutingRequest keyed = new PromptKeys(new CharacterTokenizer(1), NS).of(PROMPT).request();
        index.addAll(index.location(Location.pod(pod, Medium.GPU)), keyed.his(), keyed.los(), keyed.blocks());
    }

    private static String request(String prompt) {
        return "{\"model\": \"m\", \"stream\": true, \"prompt\": \"" + prompt + "\"}";
    }

    @Test
    void bufferedModeAnswersTheHeadersAndRoutesAtTheWholeBody() throws Exception {
        podHoldsThePrompt("10.0.0.2:8000");
        Stream s = new Stream();
        s.send(headers(false, BUFFERED, null));
        ProcessingResponse h = s.next();
        assertTrue(h.hasRequestHeaders() && !h.getRequestHeaders().getResponse().hasHeaderMutation(),
            "headers answered with CONTINUE");
        s.send(body(request(PROMPT), true)); // buffered: Envoy sends the whole body in one message
        ProcessingResponse last = s.next();
        assertTrue(last.hasRequestBody());
        List<HeaderValueOption> set = last.getRequestBody().getResponse().getHeaderMutation().getSetHeadersList();
        String order = lbOrder(last);
        assertTrue(order.startsWith("10.0.0.2:8000,") && order.split(",").length == 3, order);
        assertEquals(order, header(set, EndpointPicker.DESTINATION), "the header carries what the metadata does");
        assertTrue(last.getRequestBody().getResponse().getClearRouteCache());
        s.send(ProcessingRequest.newBuilder().setResponseHeaders(HttpHeaders.getDefaultInstance()).build());
        assertTrue(s.next().hasResponseHeaders());
        assertEquals(1, picker.routed());
    }

    @Test
    void fullDuplexModeWaitsForTheBodyThenSendsHeadersAndTheBodyBack() throws Exception {
        podHoldsThePrompt("10.0.0.3:8000");
        Stream s = new Stream();
        s.send(headers(false, ProtocolConfiguration.newBuilder()
            .setRequestBodyMode(ProcessingMode.BodySendMode.FULL_DUPLEX_STREAMED).build(), null));
        String json = request(PROMPT);
        s.send(body(json.substring(0, 30), false));
        s.nothingYet();
        s.send(body(json.substring(30), true));
        ProcessingResponse h = s.next();
        assertTrue(h.hasRequestHeaders());
        String destination = header(h.getRequestHeaders().getResponse().getHeaderMutation().getSetHeadersList(),
            EndpointPicker.DESTINATION);
        assertTrue(destination.startsWith("10.0.0.3:8000,"), destination);
        assertEquals(destination, lbOrder(h));
        ProcessingResponse b = s.next();
        assertTrue(b.hasRequestBody());
        assertEquals(json, b.getRequestBody().getResponse().getBodyMutation().getStreamedResponse().getBody()
            .toStringUtf8(), "the whole body comes back");
        assertTrue(b.getRequestBody().getResponse().getBodyMutation().getStreamedResponse().getEndOfStream());
    }

    @Test
    void theSubsetHintNarrowsThePods() throws Exception {
        podHoldsThePrompt("10.0.0.2:8000");
        Metadata hint = Metadata.newBuilder().putFilterMetadata(EndpointPicker.SUBSET_NAMESPACE, Struct.newBuilder()
            .putFields(EndpointPicker.SUBSET_KEY, Value.newBuilder().setListValue(ListValue.newBuilder()
                .addValues(Value.newBuilder().setStringValue("10.0.0.1:8000"))).build()).build()).build();
        Stream s = new Stream();
        s.send(headers(false, BUFFERED, hint));
        s.next();
        s.send(body(request(PROMPT), true));
        assertEquals("10.0.0.1:8000", header(s.next().getRequestBody().getResponse().getHeaderMutation()
            .getSetHeadersList(), EndpointPicker.DESTINATION));
    }

    @Test
    void aSplitRequestNamesItsPrefillPod() throws Exception {
        pods.set(List.of(Pod.idle("10.0.1.1:8000", PodRole.DECODE), Pod.idle("10.0.1.2:8000", PodRole.PREFILL)));
        start(RoutingConfig.parse("""
            apiVersion: llm-d.ai/v1alpha1
            kind: EndpointPickerConfig
            plugins:
            - type: queue-scorer
            - type: decode-filter
            - type: prefill-filter
            - type: prefix-based-pd-decider
              parameters: {nonCachedTokens: 8}
            - type: disagg-profile-handler
              parameters: {deciders: {prefill: prefix-based-pd-decider}}
            schedulingProfiles:
            - {name: decode, plugins: [{pluginRef: decode-filter}, {pluginRef: queue-scorer}]}
            - {name: prefill, plugins: [{pluginRef: prefill-filter}, {pluginRef: queue-scorer}]}
            """));
        Stream s = new Stream();
        s.send(headers(false, BUFFERED, null));
        s.next();
        s.send(body(request(PROMPT), true));
        List<HeaderValueOption> set = s.next().getRequestBody().getResponse().getHeaderMutation().getSetHeadersList();
        assertTrue(header(set, EndpointPicker.DESTINATION).startsWith("10.0.1.1:8000"));
        assertEquals("10.0.1.2:8000", header(set, EndpointPicker.PREFILLER));
    }

    @Test
    void aClientsRoutingHeadersAreRemovedAndOnlyTheRoutersOwnAreSet() throws Exception {
        podHoldsThePrompt("10.0.0.2:8000");
        Stream s = new Stream();
        s.send(headers(false, BUFFERED, null));
        s.next();
        s.send(body(request(PROMPT), true));
        HeaderMutation unsplit = s.next().getRequestBody().getResponse().getHeaderMutation();
        assertTrue(unsplit.getRemoveHeadersList().contains(EndpointPicker.PREFILLER),
            "not split: a client's x-prefiller-host-port is removed: " + unsplit);
        assertTrue(unsplit.getRemoveHeadersList().containsAll(List.of(EndpointPicker.SERVED, EndpointPicker.SUBSET_KEY)),
            unsplit.toString());
        assertEquals(null, header(unsplit.getSetHeadersList(), EndpointPicker.PREFILLER));
        assertTrue(header(unsplit.getSetHeadersList(), EndpointPicker.DESTINATION).startsWith("10.0.0.2:8000"),
            "the destination is the router's, overwriting any the client sent");

        aSplitRequestNamesItsPrefillPod(); // the split answer sets the router's prefill pod ...
        Stream split = new Stream();
        split.send(headers(false, BUFFERED, null));
        split.next();
        split.send(body(request(PROMPT), true));
        HeaderMutation m = split.next().getRequestBody().getResponse().getHeaderMutation();
        assertEquals("10.0.1.2:8000", header(m.getSetHeadersList(), EndpointPicker.PREFILLER));
        assertTrue(!m.getRemoveHeadersList().contains(EndpointPicker.PREFILLER), "... and does not remove it: " + m);
    }

    @Test
    void refusalsAreImmediateResponses() throws Exception {
        assertEquals(400, refusal(body("{not json", true)));
        assertEquals(413, refusal(body("x".repeat(5000), true)));
        pods.set(List.of(new Pod("a:1", "a:1", PodRole.BOTH, true, 60, 0, 0, 0)));
        assertEquals(429, refusal(body(request("hi"), true), "batch")); // sheddable: priority -1
        Stream routed = new Stream();
        routed.send(headers(false, BUFFERED, null));
        routed.next();
        routed.send(body(request("hi"), true));
        assertTrue(routed.next().getRequestBody().getResponse().hasHeaderMutation(),
            "priority 0 is not sheddable: routed to the least loaded, as GIE does");
        pods.set(List.of(new Pod("a:1", "a:1", PodRole.BOTH, false, 0, 0, 0, 0)));
        assertEquals(503, refusal(body(request("hi"), true)));
        Stream s = new Stream();
        s.send(headers(true, null, null)); // a request without a body: 503 as well, at the headers
        ProcessingResponse r = s.next();
        assertEquals(503, r.getImmediateResponse().getStatus().getCodeValue());
        assertFalse(r.getImmediateResponse().getBody().isEmpty());
        assertEquals(5, picker.refused());
    }

    private int refusal(ProcessingRequest last) throws InterruptedException {
        return refusal(last, null);
    }

    private int refusal(ProcessingRequest last, String objective) throws InterruptedException {
        Stream s = new Stream();
        s.send(headers(false, BUFFERED, null, objective));
        s.next();
        s.send(last);
        ProcessingResponse r = s.next();
        assertTrue(r.hasImmediateResponse(), r.toString());
        return r.getImmediateResponse().getStatus().getCodeValue();
    }

    @Test
    void healthIsServing() {
        HealthCheckResponse r = HealthGrpc.newBlockingStub(channel).check(HealthCheckRequest.newBuilder()
            .setService("envoy.service.ext_proc.v3.ExternalProcessor").build());
        assertEquals(HealthCheckResponse.ServingStatus.SERVING, r.getStatus());
    }
}
