package io.spillway.router.extproc;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.protobuf.ByteString;
import com.google.protobuf.InvalidProtocolBufferException;
import com.google.protobuf.Message;
import com.google.protobuf.Struct;
import com.google.protobuf.Value;
import com.google.protobuf.util.JsonFormat;
import io.envoyproxy.envoy.config.core.v3.HeaderValueOption;
import io.envoyproxy.envoy.service.ext_proc.v3.CommonResponse;
import io.envoyproxy.envoy.service.ext_proc.v3.ExternalProcessorGrpc;
import io.envoyproxy.envoy.service.ext_proc.v3.ProcessingRequest;
import io.envoyproxy.envoy.service.ext_proc.v3.ProcessingResponse;
import io.grpc.ManagedChannel;
import io.grpc.netty.shaded.io.grpc.netty.NettyChannelBuilder;
import io.grpc.stub.StreamObserver;
import io.spillway.key.Namespace;
import io.spillway.placement.index.BlockLocationIndex;
import io.spillway.placement.routing.Pod;
import io.spillway.placement.routing.PodRole;
import io.spillway.placement.routing.RoutingConfig;
import io.spillway.placement.routing.TransferCostModel;
import io.spillway.router.schedule.RequestScheduler;
import io.spillway.router.tokenize.CharacterTokenizer;
import io.spillway.router.tokenize.PromptKeys;
import java.io.IOException;
import java.net.URISyntaxException;
import java.net.URL;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestFactory;

/**
 * Replays the Gateway API Inference Extension's own ext_proc test vectors (test/resources/llm-d-vectors, written by
 * router/src/test/go/llmd-vectors from GIE's hermetic EPP test; README.md there names the source and the mapping)
 * through the endpoint picker over real gRPC, sending as Envoy does in each body mode: BUFFERED in lock step (Envoy
 * waits for each answer before it sends the next message), FULL_DUPLEX_STREAMED all at once. Each vector is checked
 * against its expected responses on what the endpoint-picker protocol and Envoy's processor rules fix: the order of
 * response kinds, the destination header and the {@code envoy.lb} metadata (one value, the same in both, led by the
 * expected pod), the body chunks (each a {@code streamed_response} of at most 64 KiB in full duplex, together equal
 * to the expected body, the last ending the stream), and an immediate response's status.
 */
class LlmdVectorsTest {
    static final int MAX_CHUNK = 64 * 1024;
    private static final Namespace NS = Namespace.builder().modelId("m").layers(2).kvHeads(2).headDim(64)
        .blockSizeTokens(4).build();

    /** One vector file. */
    record Vector(String name, String mode, String phase, String model, List<Pod> pods, List<Set<String>> models,
                  List<ProcessingRequest> requests, List<ProcessingResponse> expected) {
        boolean fullDuplex() {
            return mode.equals("FULL_DUPLEX_STREAMED");
        }

        /**
         * Buffered without {@code protocol_config} (Envoy 1.33): the picker cannot know the mode until Envoy waits out
         * its probe, then answers the headers with a destination chosen on load (what STREAMED would need) and, for a
         * buffered body, a new one in the body's answer, or refuses at the headers when no pod can take the request.
         * GIE's picker, which serves full duplex only, never meets this case: the expected answers are ours.
         */
        boolean modeGuessed() {
            return !fullDuplex() && name.endsWith("envoy-1.33");
        }
    }

    @TestFactory
    Stream<DynamicTest> everyVectorIsRoutedAsExpected() throws Exception {
        List<Vector> vectors = load();
        assertTrue(vectors.size() >= 40, "the vectors are on the test class path: " + vectors.size());
        return vectors.stream().map(v -> DynamicTest.dynamicTest(v.name(), () -> replayAndCheck(v)));
    }

    @Test
    void theCheckerRefusesAResponseThatBreaksTheProtocol() throws Exception {
        Vector v = load().stream().filter(x -> x.name().equals("select-lower-queue-and-kv-cache.full-duplex-envoy-1.34"))
            .findFirst().orElseThrow();
        List<ProcessingResponse> good = new ArrayList<>(v.expected());
        check(v, good, 1); // GIE's own answer passes
        ProcessingResponse headers = good.get(0);
        ProcessingResponse twoValues = headers.toBuilder().setDynamicMetadata(lb("192.168.1.2:8000,192.168.1.1:8000"))
            .build();
        assertFails(() -> check(v, List.of(twoValues, good.get(1)), 3), "header and metadata differ");
        ProcessingResponse plainBody = good.get(1).toBuilder().setRequestBody(good.get(1).getRequestBody().toBuilder()
            .setResponse(CommonResponse.getDefaultInstance())).build();
        assertFails(() -> check(v, List.of(headers, plainBody), 1), "a body answer without streamed_response");
        assertFails(() -> check(v, List.of(good.get(1), headers), 1), "the body answered before the headers");
    }

    private static void assertFails(Runnable check, String why) {
        try {
            check.run();
        } catch (AssertionError expected) {
            return;
        }
        throw new AssertionError("the checker accepted a response where " + why);
    }

    private static Struct lb(String value) {
        return Struct.newBuilder().putFields(EndpointPicker.LB_NAMESPACE, Value.newBuilder().setStructValue(
            Struct.newBuilder().putFields(EndpointPicker.DESTINATION, Value.newBuilder().setStringValue(value).build()))
            .build()).build();
    }

    private void replayAndCheck(Vector v) throws Exception {
        List<Pod> offered = offered(v);
        RequestScheduler scheduler = new RequestScheduler(new BlockLocationIndex(10_000), () -> offered,
            new PromptKeys(new CharacterTokenizer(1), NS), RoutingConfig.preset("llm-d-default"),
            TransferCostModel.defaults(), 50);
        EndpointPicker picker = new EndpointPicker(scheduler, 1 << 20);
        try (ExtProcServer server = new ExtProcServer(picker, "127.0.0.1", 0)) {
            ManagedChannel channel = NettyChannelBuilder.forAddress("127.0.0.1", server.port()).usePlaintext().build();
            try {
                List<ProcessingResponse> got = replay(channel, v);
                check(v, got, offered.size());
            } finally {
                channel.shutdownNow();
            }
        }
    }

    /**
     * The vector's pods as the router gets them: queue as {@code waiting}, KV usage as {@code kvUtilization}. GIE's
     * LoRA-affinity scorer, which the router does not have, decides several of the cases; it is played by offering
     * only the pods that run the requested model (LoRA) when any pod the request may go to (the subset hint's, or
     * all) runs it, and every pod otherwise.
     */
    static List<Pod> offered(Vector v) {
        Set<String> subset = subsetOf(v.requests());
        List<Pod> withModel = new ArrayList<>();
        for (int i = 0; i < v.pods().size(); i++) {
            Pod p = v.pods().get(i);
            if (v.model() != null && v.models().get(i).contains(v.model())
                && (subset == null || subset.contains(p.address()))) {
                withModel.add(p);
            }
        }
        return withModel.isEmpty() ? v.pods() : withModel;
    }

    private static Set<String> subsetOf(List<ProcessingRequest> requests) {
        for (ProcessingRequest r : requests) {
            Struct hint = r.getMetadataContext().getFilterMetadataMap().get(EndpointPicker.SUBSET_NAMESPACE);
            if (hint != null && hint.containsFields(EndpointPicker.SUBSET_KEY)) {
                Set<String> out = new LinkedHashSet<>();
                for (Value e : hint.getFieldsOrThrow(EndpointPicker.SUBSET_KEY).getListValue().getValuesList()) {
                    out.add(e.getStringValue());
                }
                return out;
            }
        }
        return null;
    }

    /** Sends the requests as Envoy would in the vector's mode and gathers the answers until the exchange is over. */
    private static List<ProcessingResponse> replay(ManagedChannel channel, Vector v) throws InterruptedException {
        LinkedBlockingQueue<Object> in = new LinkedBlockingQueue<>();
        StreamObserver<ProcessingRequest> out = ExternalProcessorGrpc.newStub(channel).process(new StreamObserver<>() {
            @Override
            public void onNext(ProcessingResponse r) {
                in.add(r);
            }

            @Override
            public void onError(Throwable t) {
                in.add(t);
            }

            @Override
            public void onCompleted() {
                in.add("completed");
            }
        });
        List<ProcessingResponse> got = new ArrayList<>();
        if (!v.fullDuplex()) {
            for (ProcessingRequest r : v.requests()) {
                out.onNext(r);
                Object answer = in.poll(5, TimeUnit.SECONDS);
                if (!(answer instanceof ProcessingResponse p)) {
                    throw new AssertionError(v.name() + ": BUFFERED, message " + (got.size() + 1) + " ("
                        + r.getRequestCase() + ") got " + (answer == null ? "no answer within 5 s" : answer)
                        + "; answers so far " + kinds(got));
                }
                got.add(p);
                if (p.hasImmediateResponse()) {
                    break;
                }
            }
        } else {
            for (ProcessingRequest r : v.requests()) {
                out.onNext(r);
            }
            while (!over(v, got)) {
                Object answer = in.poll(got.isEmpty() ? 5 : 1, TimeUnit.SECONDS);
                if (!(answer instanceof ProcessingResponse p)) {
                    break; // nothing more: check() says what is missing
                }
                got.add(p);
            }
        }
        out.onCompleted();
        return got;
    }

    /** Whether a full-duplex exchange has had its last answer: an immediate response, or the end of the body sent back. */
    private static boolean over(Vector v, List<ProcessingResponse> got) {
        if (got.isEmpty()) {
            return false;
        }
        ProcessingResponse last = got.get(got.size() - 1);
        if (last.hasImmediateResponse()) {
            return true;
        }
        ProcessingResponse wantLast = v.expected().get(v.expected().size() - 1);
        if (wantLast.getResponseCase() != last.getResponseCase()) {
            return false;
        }
        CommonResponse c = common(last);
        return c == null || !c.getBodyMutation().hasStreamedResponse() || c.getBodyMutation().getStreamedResponse()
            .getEndOfStream();
    }

    /** Checks what came back against the vector; {@code candidates} is how many pods the router was offered. */
    static void check(Vector v, List<ProcessingResponse> got, int candidates) {
        List<ProcessingResponse> expected = v.expected();
        if (v.modeGuessed() && expected.size() == 2 && expected.get(1).hasImmediateResponse() && got.size() == 1
            && got.get(0).hasImmediateResponse()) {
            expected = expected.subList(1, 2); // refused at the probe, before the body: the same refusal, earlier
        }
        List<List<ProcessingResponse>> want = groups(expected);
        List<List<ProcessingResponse>> have = groups(got);
        assertEquals(kinds(expected), kinds(got), v.name() + ": the kinds of answer, in order (consecutive body"
            + " chunks counted once)");
        assertEquals(want.size(), have.size());
        for (int g = 0; g < want.size(); g++) {
            ProcessingResponse w = want.get(g).get(0);
            List<ProcessingResponse> h = have.get(g);
            String at = v.name() + ", answer " + (g + 1) + " (" + w.getResponseCase() + ")";
            if (w.hasImmediateResponse()) {
                assertEquals(w.getImmediateResponse().getStatus().getCode(),
                    h.get(0).getImmediateResponse().getStatus().getCode(), at + ": status");
                continue;
            }
            checkRouting(at, v, w, h.get(0), candidates, requestBody(v));
            for (int i = 1; i < h.size(); i++) {
                assertFalse(h.get(i).hasDynamicMetadata() || common(h.get(i)).hasHeaderMutation(),
                    at + ": only the first of the body chunks may route");
            }
            checkBody(at, v, want.get(g), h);
        }
    }

    private static void checkRouting(String at, Vector v, ProcessingResponse want, ProcessingResponse have,
                                     int candidates, ByteString requestBody) {
        String wantDest = header(common(want), EndpointPicker.DESTINATION);
        if (v.modeGuessed() && wantDest == null && want.hasRequestHeaders()
            && header(common(have), EndpointPicker.DESTINATION) != null) {
            assertEquals(header(common(have), EndpointPicker.DESTINATION), have.getDynamicMetadata().getFieldsMap()
                .get(EndpointPicker.LB_NAMESPACE).getStructValue().getFieldsOrThrow(EndpointPicker.DESTINATION)
                .getStringValue(), at + ": the provisional destination's header and metadata agree");
            return; // the body's answer must still carry the expected destination
        }
        if (wantDest == null || want.getResponseCase() == ProcessingResponse.ResponseCase.RESPONSE_HEADERS) {
            assertEquals(null, header(common(have), EndpointPicker.DESTINATION), at + ": no destination here");
            return;
        }
        String dest = header(common(have), EndpointPicker.DESTINATION);
        assertNotNull(dest, at + ": the " + EndpointPicker.DESTINATION + " header");
        assertTrue(have.hasDynamicMetadata(), at + ": envoy.lb metadata");
        Value lb = have.getDynamicMetadata().getFieldsMap().get(EndpointPicker.LB_NAMESPACE);
        assertNotNull(lb, at + ": the envoy.lb namespace");
        String meta = lb.getStructValue().getFieldsOrThrow(EndpointPicker.DESTINATION).getStringValue();
        assertEquals(dest, meta, at + ": the header and the envoy.lb metadata carry the same value (protocol 004)");
        List<String> order = Arrays.asList(dest.split(","));
        assertEquals(wantDest, order.get(0), at + ": the primary endpoint");
        assertEquals(order.size(), new LinkedHashSet<>(order).size(), at + ": no endpoint twice in " + dest);
        assertTrue(order.size() <= candidates, at + ": only offered pods in " + dest);
        if (candidates == 1) {
            assertEquals(wantDest, dest, at + ": one candidate, one endpoint");
        }
        assertEquals(common(want).getClearRouteCache(), common(have).getClearRouteCache(), at + ": clear_route_cache");
        String length = header(common(have), "content-length");
        if (length != null) {
            assertEquals(String.valueOf(requestBody.size()), length, at + ": content-length of the body sent on");
        }
    }

    private static void checkBody(String at, Vector v, List<ProcessingResponse> want, List<ProcessingResponse> have) {
        boolean streamed = want.stream().anyMatch(r -> common(r) != null && common(r).getBodyMutation()
            .hasStreamedResponse());
        if (!streamed) {
            for (ProcessingResponse h : have) {
                assertFalse(common(h) != null && common(h).hasBodyMutation(), at + ": the body is not replaced");
            }
            return;
        }
        for (int i = 0; i < have.size(); i++) {
            CommonResponse c = common(have.get(i));
            assertTrue(c != null && c.getBodyMutation().hasStreamedResponse(), at + ": chunk " + (i + 1)
                + " is a streamed_response (full duplex: Envoy refuses any other body answer)");
            assertTrue(c.getBodyMutation().getStreamedResponse().getBody().size() <= MAX_CHUNK, at + ": chunk "
                + (i + 1) + " within 64 KiB");
            assertEquals(i == have.size() - 1, c.getBodyMutation().getStreamedResponse().getEndOfStream(),
                at + ": end_of_stream on the last chunk only");
        }
        assertEquals(body(want).toStringUtf8(), body(have).toStringUtf8(), at + ": the body sent on");
    }

    /** The request body that goes upstream: the one the expected answers stream back, else the one Envoy sent. */
    private static ByteString requestBody(Vector v) {
        ByteString streamed = body(v.expected().stream().filter(ProcessingResponse::hasRequestBody).toList());
        if (!streamed.isEmpty()) {
            return streamed;
        }
        ByteString sent = ByteString.EMPTY;
        for (ProcessingRequest r : v.requests()) {
            sent = sent.concat(r.getRequestBody().getBody());
        }
        return sent;
    }

    private static ByteString body(List<ProcessingResponse> rs) {
        ByteString out = ByteString.EMPTY;
        for (ProcessingResponse r : rs) {
            CommonResponse c = common(r);
            if (c != null && c.getBodyMutation().hasStreamedResponse()) {
                out = out.concat(c.getBodyMutation().getStreamedResponse().getBody());
            }
        }
        return out;
    }

    /** Consecutive body answers of one direction form one group: Envoy lets a processor chunk a body as it likes. */
    private static List<List<ProcessingResponse>> groups(List<ProcessingResponse> rs) {
        List<List<ProcessingResponse>> out = new ArrayList<>();
        ProcessingResponse.ResponseCase prev = null;
        for (ProcessingResponse r : rs) {
            boolean body = r.hasRequestBody() || r.hasResponseBody();
            if (body && r.getResponseCase() == prev) {
                out.get(out.size() - 1).add(r);
            } else {
                out.add(new ArrayList<>(List.of(r)));
            }
            prev = r.getResponseCase();
        }
        return out;
    }

    static List<String> kinds(List<ProcessingResponse> rs) {
        return groups(rs).stream().map(g -> g.get(0).getResponseCase().name()).toList();
    }

    private static CommonResponse common(ProcessingResponse r) {
        return switch (r.getResponseCase()) {
            case REQUEST_HEADERS -> r.getRequestHeaders().getResponse();
            case REQUEST_BODY -> r.getRequestBody().getResponse();
            case RESPONSE_HEADERS -> r.getResponseHeaders().getResponse();
            case RESPONSE_BODY -> r.getResponseBody().getResponse();
            default -> null;
        };
    }

    private static String header(CommonResponse c, String name) {
        if (c == null) {
            return null;
        }
        for (HeaderValueOption h : c.getHeaderMutation().getSetHeadersList()) {
            if (h.getHeader().getKey().equalsIgnoreCase(name)) {
                return h.getHeader().getRawValue().isEmpty() ? h.getHeader().getValue()
                    : h.getHeader().getRawValue().toStringUtf8();
            }
        }
        return null;
    }

    static List<Vector> load() throws IOException, URISyntaxException {
        URL dir = LlmdVectorsTest.class.getResource("/llm-d-vectors");
        assertNotNull(dir, "test resources llm-d-vectors");
        List<Vector> out = new ArrayList<>();
        try (Stream<Path> files = Files.list(Path.of(dir.toURI()))) {
            for (Path f : files.filter(p -> p.toString().endsWith(".json")).sorted().toList()) {
                out.add(parse(f));
            }
        }
        return out;
    }

    private static Vector parse(Path file) throws IOException {
        Struct.Builder s = Struct.newBuilder();
        JsonFormat.parser().merge(Files.readString(file, StandardCharsets.UTF_8), s);
        Struct v = s.build();
        List<Pod> pods = new ArrayList<>();
        List<Set<String>> models = new ArrayList<>();
        for (Value p : v.getFieldsOrThrow("pods").getListValue().getValuesList()) {
            Struct ps = p.getStructValue();
            String address = ps.getFieldsOrThrow("address").getStringValue();
            pods.add(new Pod(address, address, PodRole.BOTH, true, (int) ps.getFieldsOrThrow("queue").getNumberValue(),
                0, ps.getFieldsOrThrow("kvCacheUsage").getNumberValue(), 0));
            Set<String> m = new LinkedHashSet<>();
            ps.getFieldsOrThrow("models").getListValue().getValuesList().forEach(x -> m.add(x.getStringValue()));
            models.add(m);
        }
        List<ProcessingRequest> requests = new ArrayList<>();
        for (Value r : v.getFieldsOrThrow("requests").getListValue().getValuesList()) {
            ProcessingRequest.Builder b = ProcessingRequest.newBuilder();
            merge(r, b, file);
            requests.add(b.build());
        }
        List<ProcessingResponse> expected = new ArrayList<>();
        for (Value r : v.getFieldsOrThrow("expected").getListValue().getValuesList()) {
            ProcessingResponse.Builder b = ProcessingResponse.newBuilder();
            merge(r, b, file);
            expected.add(b.build());
        }
        String model = v.containsFields("model") ? v.getFieldsOrThrow("model").getStringValue() : null;
        return new Vector(v.getFieldsOrThrow("name").getStringValue(), v.getFieldsOrThrow("mode").getStringValue(),
            v.getFieldsOrThrow("phase").getStringValue(), model, pods, models, requests, expected);
    }

    private static void merge(Value json, Message.Builder into, Path file) throws IOException {
        try {
            JsonFormat.parser().merge(JsonFormat.printer().print(json), into);
        } catch (InvalidProtocolBufferException e) {
            throw new IOException(file + ": " + e.getMessage(), e);
        }
    }
}
