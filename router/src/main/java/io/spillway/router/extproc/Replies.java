package io.spillway.router.extproc;

import com.google.protobuf.ByteString;
import com.google.protobuf.Struct;
import com.google.protobuf.Value;
import io.envoyproxy.envoy.config.core.v3.HeaderValue;
import io.envoyproxy.envoy.config.core.v3.HeaderValueOption;
import io.envoyproxy.envoy.service.ext_proc.v3.BodyMutation;
import io.envoyproxy.envoy.service.ext_proc.v3.BodyResponse;
import io.envoyproxy.envoy.service.ext_proc.v3.CommonResponse;
import io.envoyproxy.envoy.service.ext_proc.v3.HeaderMutation;
import io.envoyproxy.envoy.service.ext_proc.v3.HeadersResponse;
import io.envoyproxy.envoy.service.ext_proc.v3.ImmediateResponse;
import io.envoyproxy.envoy.service.ext_proc.v3.ProcessingResponse;
import io.envoyproxy.envoy.service.ext_proc.v3.StreamedBodyResponse;
import io.envoyproxy.envoy.service.ext_proc.v3.TrailersResponse;
import io.envoyproxy.envoy.type.v3.HttpStatus;
import io.envoyproxy.envoy.type.v3.StatusCode;
import io.spillway.placement.routing.Decision;
import io.spillway.placement.routing.Pod;
import java.util.ArrayList;
import java.util.List;
import java.util.StringJoiner;

/** The ext_proc answers the picker sends, built in one place. */
final class Replies {
    /**
     * The largest body piece in one streamed answer: Envoy asks for at most 64 KiB; the reference picker sends
     * 62,000 bytes for a margin, and so does the router, so that both cut a body at the same places.
     */
    static final int CHUNK_BYTES = 62_000;
    /** Set on response headers, as the reference picker does: shows that the response went through the picker. */
    static final String RESPONSE_MARK = "x-went-into-resp-headers";

    private Replies() {
    }

    /** The destination list: the pod, then its fallbacks in order, IPv6 bracketed, comma-separated. */
    static String destinations(Decision decision) {
        StringJoiner order = new StringJoiner(",");
        for (Pod p : decision.fallbacks()) {
            order.add(HostPort.bracketed(p.address()));
        }
        if (order.length() == 0) {
            order.add(HostPort.bracketed(decision.pod().address()));
        }
        return order.toString();
    }

    /** {@code envoy.lb: {x-gateway-destination-endpoint: <destinations>}}: the same value as the header. */
    static Struct lbMetadata(String destinations) {
        return Struct.newBuilder().putFields(EndpointPicker.LB_NAMESPACE, Value.newBuilder().setStructValue(
            Struct.newBuilder().putFields(EndpointPicker.DESTINATION, Value.newBuilder().setStringValue(destinations)
                .build())).build()).build();
    }

    /**
     * The routing answer's common part: the destination header (and the prefill pod's for a split), the body's
     * length when the body comes back streamed, and a cleared route cache. Headers overwrite: a client's own
     * {@code x-gateway-destination-endpoint} must not survive next to the router's; the other router-only headers
     * ({@link RoutingHeaders}) the router does not set are removed, so a client's {@code x-prefiller-host-port}
     * never reaches a pod of a request the router did not split.
     */
    static CommonResponse routing(Decision decision, String destinations, long contentLength) {
        HeaderMutation.Builder headers = HeaderMutation.newBuilder().addSetHeaders(header(EndpointPicker.DESTINATION,
            destinations));
        boolean split = decision != null && decision.split();
        if (split) {
            headers.addSetHeaders(header(EndpointPicker.PREFILLER, HostPort.bracketed(decision.prefill().address())));
        }
        for (String name : RoutingHeaders.ROUTER_ONLY) {
            if (!name.equals(EndpointPicker.DESTINATION) && !(split && name.equals(EndpointPicker.PREFILLER))) {
                headers.addRemoveHeaders(name);
            }
        }
        if (contentLength > 0) {
            headers.addSetHeaders(header("content-length", Long.toString(contentLength)));
        }
        return CommonResponse.newBuilder().setHeaderMutation(headers).setClearRouteCache(true).build();
    }

    static HeaderValueOption header(String name, String value) {
        return HeaderValueOption.newBuilder().setHeader(HeaderValue.newBuilder().setKey(name)
            .setRawValue(ByteString.copyFromUtf8(value)))
            .setAppendAction(HeaderValueOption.HeaderAppendAction.OVERWRITE_IF_EXISTS_OR_ADD).build();
    }

    static ProcessingResponse requestHeaders(CommonResponse common, Struct metadata) {
        ProcessingResponse.Builder b = ProcessingResponse.newBuilder().setRequestHeaders(HeadersResponse.newBuilder()
            .setResponse(common));
        return metadata == null ? b.build() : b.setDynamicMetadata(metadata).build();
    }

    static ProcessingResponse requestBody(CommonResponse common, Struct metadata) {
        ProcessingResponse.Builder b = ProcessingResponse.newBuilder().setRequestBody(BodyResponse.newBuilder()
            .setResponse(common));
        return metadata == null ? b.build() : b.setDynamicMetadata(metadata).build();
    }

    static ProcessingResponse continueRequestHeaders() {
        return ProcessingResponse.newBuilder().setRequestHeaders(HeadersResponse.getDefaultInstance()).build();
    }

    static ProcessingResponse continueRequestBody() {
        return ProcessingResponse.newBuilder().setRequestBody(BodyResponse.getDefaultInstance()).build();
    }

    static ProcessingResponse requestTrailers() {
        return ProcessingResponse.newBuilder().setRequestTrailers(TrailersResponse.getDefaultInstance()).build();
    }

    static ProcessingResponse responseHeaders() {
        return ProcessingResponse.newBuilder().setResponseHeaders(HeadersResponse.newBuilder().setResponse(
            CommonResponse.newBuilder().setHeaderMutation(HeaderMutation.newBuilder().addSetHeaders(
                header(RESPONSE_MARK, "true"))))).build();
    }

    static ProcessingResponse continueResponseBody() {
        return ProcessingResponse.newBuilder().setResponseBody(BodyResponse.getDefaultInstance()).build();
    }

    static ProcessingResponse responseTrailers() {
        return ProcessingResponse.newBuilder().setResponseTrailers(TrailersResponse.getDefaultInstance()).build();
    }

    /**
     * {@code body} as full-duplex streamed answers of at most {@link #CHUNK_BYTES} each, {@code endOfStream} on the
     * last; an empty body is one empty piece. {@code request} picks the request or the response side.
     */
    static List<ProcessingResponse> streamed(ByteString body, boolean endOfStream, boolean request) {
        List<ProcessingResponse> out = new ArrayList<>();
        int size = body.size();
        int at = 0;
        do {
            int end = Math.min(size, at + CHUNK_BYTES);
            BodyResponse piece = BodyResponse.newBuilder().setResponse(CommonResponse.newBuilder().setBodyMutation(
                BodyMutation.newBuilder().setStreamedResponse(StreamedBodyResponse.newBuilder()
                    .setBody(body.substring(at, end)).setEndOfStream(endOfStream && end == size)))).build();
            out.add(request ? ProcessingResponse.newBuilder().setRequestBody(piece).build()
                : ProcessingResponse.newBuilder().setResponseBody(piece).build());
            at = end;
        } while (at < size);
        return out;
    }

    static ProcessingResponse immediate(StatusCode code, String why) {
        return ProcessingResponse.newBuilder().setImmediateResponse(ImmediateResponse.newBuilder()
            .setStatus(HttpStatus.newBuilder().setCode(code)).setBody(ByteString.copyFromUtf8(why))
            .setDetails("spillway-router: " + why)).build();
    }
}
