package io.spillway.router.extproc;

import com.google.protobuf.ByteString;
import com.google.protobuf.ListValue;
import com.google.protobuf.Struct;
import com.google.protobuf.Value;
import io.envoyproxy.envoy.config.core.v3.HeaderValue;
import io.envoyproxy.envoy.config.core.v3.HeaderValueOption;
import io.envoyproxy.envoy.extensions.filters.http.ext_proc.v3.ProcessingMode;
import io.envoyproxy.envoy.service.ext_proc.v3.BodyMutation;
import io.envoyproxy.envoy.service.ext_proc.v3.BodyResponse;
import io.envoyproxy.envoy.service.ext_proc.v3.CommonResponse;
import io.envoyproxy.envoy.service.ext_proc.v3.ExternalProcessorGrpc;
import io.envoyproxy.envoy.service.ext_proc.v3.HeaderMutation;
import io.envoyproxy.envoy.service.ext_proc.v3.HeadersResponse;
import io.envoyproxy.envoy.service.ext_proc.v3.ImmediateResponse;
import io.envoyproxy.envoy.service.ext_proc.v3.ProcessingRequest;
import io.envoyproxy.envoy.service.ext_proc.v3.ProcessingResponse;
import io.envoyproxy.envoy.service.ext_proc.v3.StreamedBodyResponse;
import io.envoyproxy.envoy.service.ext_proc.v3.TrailersResponse;
import io.envoyproxy.envoy.type.v3.HttpStatus;
import io.envoyproxy.envoy.type.v3.StatusCode;
import io.grpc.Status;
import io.grpc.stub.StreamObserver;
import io.spillway.placement.routing.Decision;
import io.spillway.placement.routing.Pod;
import io.spillway.router.schedule.Outcome;
import io.spillway.router.schedule.RequestScheduler;
import java.io.ByteArrayOutputStream;
import java.util.LinkedHashSet;
import java.util.Set;
import java.util.StringJoiner;
import java.util.concurrent.atomic.LongAdder;

/**
 * The Gateway API Inference Extension's endpoint picker over Envoy's external processing protocol: Envoy streams
 * a request's headers and body; at the body's end the router decides and answers with the
 * {@code x-gateway-destination-endpoint} header (the pod), {@code x-prefiller-host-port} for a split request, and
 * {@code envoy.lb} dynamic metadata naming the pod and its fallbacks, in order. A subset hint
 * ({@code envoy.lb.subset_hint} metadata) narrows the pods. No ready pod is a 503, shedding a 429, a body the router
 * cannot read a 400, a body over the limit a 413: immediate responses Envoy sends to the client.
 *
 * <p>Body modes: with {@code FULL_DUPLEX_STREAMED} (announced in the first message's {@code protocol_config}) the
 * router answers nothing until the body ends, then the headers (with the mutation) and the whole body back as a
 * streamed response. Otherwise ({@code BUFFERED}, or an older Envoy that announces nothing) it answers each
 * message as it comes: the headers with CONTINUE, body chunks with CONTINUE until the last, whose answer carries
 * the header mutation (Envoy holds the headers while it buffers the body).
 */
public final class EndpointPicker extends ExternalProcessorGrpc.ExternalProcessorImplBase {
    public static final String DESTINATION = "x-gateway-destination-endpoint";
    public static final String PREFILLER = "x-prefiller-host-port";
    public static final String LB_NAMESPACE = "envoy.lb";
    public static final String SUBSET_NAMESPACE = "envoy.lb.subset_hint";
    public static final String SUBSET_KEY = "x-gateway-destination-endpoint-subset";

    private final RequestScheduler scheduler;
    private final int maxBodyBytes;
    private final LongAdder routed = new LongAdder();
    private final LongAdder refused = new LongAdder();

    /** @param maxBodyBytes the largest request body buffered; a larger one is refused with 413 */
    public EndpointPicker(RequestScheduler scheduler, int maxBodyBytes) {
        if (maxBodyBytes < 1) {
            throw new IllegalArgumentException("maxBodyBytes must be >= 1, got " + maxBodyBytes);
        }
        this.scheduler = scheduler;
        this.maxBodyBytes = maxBodyBytes;
    }

    /** Requests given a destination. */
    public long routed() {
        return routed.sum();
    }

    /** Requests answered by the router itself (503, 429, 400, 413). */
    public long refused() {
        return refused.sum();
    }

    @Override
    public StreamObserver<ProcessingRequest> process(StreamObserver<ProcessingResponse> out) {
        return new Exchange(out);
    }

    /** One HTTP request's stream. Envoy sends its messages one at a time: no two calls at once. */
    private final class Exchange implements StreamObserver<ProcessingRequest> {
        private final StreamObserver<ProcessingResponse> out;
        private final ByteArrayOutputStream body = new ByteArrayOutputStream();
        private boolean fullDuplex;
        private boolean responseFullDuplex;
        private Set<String> subset;
        private boolean done;

        Exchange(StreamObserver<ProcessingResponse> out) {
            this.out = out;
        }

        @Override
        public void onNext(ProcessingRequest request) {
            if (request.hasProtocolConfig()) {
                fullDuplex = request.getProtocolConfig().getRequestBodyMode()
                    == ProcessingMode.BodySendMode.FULL_DUPLEX_STREAMED;
                responseFullDuplex = request.getProtocolConfig().getResponseBodyMode()
                    == ProcessingMode.BodySendMode.FULL_DUPLEX_STREAMED;
            }
            if (request.hasMetadataContext() && subset == null) {
                subset = subset(request);
            }
            switch (request.getRequestCase()) {
                case REQUEST_HEADERS -> {
                    if (request.getRequestHeaders().getEndOfStream()) {
                        decide(true); // no body (a GET): routed on load alone
                    } else if (!fullDuplex) {
                        out.onNext(ProcessingResponse.newBuilder().setRequestHeaders(HeadersResponse.getDefaultInstance())
                            .build());
                    }
                }
                case REQUEST_BODY -> {
                    if (done) {
                        return;
                    }
                    ByteString chunk = request.getRequestBody().getBody();
                    if (body.size() + chunk.size() > maxBodyBytes) {
                        refuse(StatusCode.PayloadTooLarge, "request body over " + maxBodyBytes + " bytes");
                        return;
                    }
                    body.writeBytes(chunk.toByteArray());
                    if (request.getRequestBody().getEndOfStream()) {
                        decide(false);
                    } else if (!fullDuplex) {
                        out.onNext(ProcessingResponse.newBuilder().setRequestBody(BodyResponse.getDefaultInstance())
                            .build());
                    }
                }
                case RESPONSE_HEADERS -> out.onNext(ProcessingResponse.newBuilder()
                    .setResponseHeaders(HeadersResponse.getDefaultInstance()).build());
                case RESPONSE_BODY -> out.onNext(responseBody(request));
                case REQUEST_TRAILERS -> out.onNext(ProcessingResponse.newBuilder()
                    .setRequestTrailers(TrailersResponse.getDefaultInstance()).build());
                case RESPONSE_TRAILERS -> out.onNext(ProcessingResponse.newBuilder()
                    .setResponseTrailers(TrailersResponse.getDefaultInstance()).build());
                default -> out.onError(Status.INVALID_ARGUMENT.withDescription("a processing request without a"
                    + " request part").asRuntimeException());
            }
        }

        private ProcessingResponse responseBody(ProcessingRequest request) {
            CommonResponse.Builder common = CommonResponse.newBuilder();
            if (responseFullDuplex) { // the body must come back through us
                common.setBodyMutation(BodyMutation.newBuilder().setStreamedResponse(StreamedBodyResponse.newBuilder()
                    .setBody(request.getResponseBody().getBody())
                    .setEndOfStream(request.getResponseBody().getEndOfStream())));
            }
            return ProcessingResponse.newBuilder().setResponseBody(BodyResponse.newBuilder().setResponse(common))
                .build();
        }

        private void decide(boolean headersOnly) {
            done = true;
            byte[] bytes = headersOnly ? null : body.toByteArray();
            Outcome outcome = headersOnly ? scheduler.scheduleWithoutPrompt(subset) : scheduler.schedule(bytes, subset);
            switch (outcome.kind()) {
                case ROUTED -> route(outcome.decision(), headersOnly, bytes);
                case NO_POD -> refuse(StatusCode.ServiceUnavailable, outcome.reason());
                case SHED -> refuse(StatusCode.TooManyRequests, outcome.reason());
                case BAD_REQUEST -> refuse(StatusCode.BadRequest, outcome.reason());
                default -> throw new IllegalStateException("outcome " + outcome.kind());
            }
        }

        private void route(Decision decision, boolean headersOnly, byte[] bytes) {
            routed.increment();
            HeaderMutation.Builder headers = HeaderMutation.newBuilder().addSetHeaders(header(DESTINATION,
                decision.pod().address()));
            if (decision.split()) {
                headers.addSetHeaders(header(PREFILLER, decision.prefill().address()));
            }
            CommonResponse common = CommonResponse.newBuilder().setHeaderMutation(headers).setClearRouteCache(true)
                .build();
            Struct metadata = lbMetadata(decision);
            if (headersOnly || fullDuplex) {
                out.onNext(ProcessingResponse.newBuilder().setRequestHeaders(HeadersResponse.newBuilder()
                    .setResponse(common)).setDynamicMetadata(metadata).build());
                if (fullDuplex && !headersOnly) {
                    out.onNext(ProcessingResponse.newBuilder().setRequestBody(BodyResponse.newBuilder().setResponse(
                        CommonResponse.newBuilder().setBodyMutation(BodyMutation.newBuilder().setStreamedResponse(
                            StreamedBodyResponse.newBuilder().setBody(ByteString.copyFrom(bytes))
                                .setEndOfStream(true))))).build());
                }
            } else {
                out.onNext(ProcessingResponse.newBuilder().setRequestBody(BodyResponse.newBuilder()
                    .setResponse(common)).setDynamicMetadata(metadata).build());
            }
        }

        private void refuse(StatusCode code, String why) {
            done = true;
            refused.increment();
            out.onNext(ProcessingResponse.newBuilder().setImmediateResponse(ImmediateResponse.newBuilder()
                .setStatus(HttpStatus.newBuilder().setCode(code)).setBody(ByteString.copyFromUtf8(why)).setDetails("spillway-router: " + why))
                .build());
        }

        @Override
        public void onError(Throwable t) {
            // Envoy went away: nothing to answer
        }

        @Override
        public void onCompleted() {
            out.onCompleted();
        }
    }

    private static HeaderValueOption header(String name, String value) {
        return HeaderValueOption.newBuilder().setHeader(HeaderValue.newBuilder().setKey(name)
            .setRawValue(ByteString.copyFromUtf8(value))).build();
    }

    /** {@code envoy.lb: {x-gateway-destination-endpoint: "pod,fallback,..."}}. */
    static Struct lbMetadata(Decision decision) {
        StringJoiner order = new StringJoiner(",");
        for (Pod p : decision.fallbacks()) {
            order.add(p.address());
        }
        return Struct.newBuilder().putFields(LB_NAMESPACE, Value.newBuilder().setStructValue(Struct.newBuilder()
            .putFields(DESTINATION, Value.newBuilder().setStringValue(order.toString()).build())).build()).build();
    }

    /** The gateway's subset hint, or null when it sent none. */
    private static Set<String> subset(ProcessingRequest request) {
        Struct hint = request.getMetadataContext().getFilterMetadataMap().get(SUBSET_NAMESPACE);
        if (hint == null || !hint.containsFields(SUBSET_KEY)) {
            return null;
        }
        Set<String> out = new LinkedHashSet<>();
        Value v = hint.getFieldsOrThrow(SUBSET_KEY);
        if (v.hasListValue()) {
            ListValue list = v.getListValue();
            for (Value e : list.getValuesList()) {
                out.add(e.getStringValue());
            }
        } else {
            for (String s : v.getStringValue().split(",")) {
                if (!s.isBlank()) {
                    out.add(s.trim());
                }
            }
        }
        return out;
    }
}
