package io.spillway.router.extproc;

import com.google.protobuf.ByteString;
import com.google.protobuf.Struct;
import com.google.protobuf.Value;
import io.envoyproxy.envoy.config.core.v3.HeaderMap;
import io.envoyproxy.envoy.config.core.v3.HeaderValue;
import io.envoyproxy.envoy.config.core.v3.HeaderValueOption;
import io.envoyproxy.envoy.config.core.v3.Metadata;
import io.envoyproxy.envoy.extensions.filters.http.ext_proc.v3.ProcessingMode.BodySendMode;
import io.envoyproxy.envoy.service.ext_proc.v3.BodyResponse;
import io.envoyproxy.envoy.service.ext_proc.v3.CommonResponse;
import io.envoyproxy.envoy.service.ext_proc.v3.ExternalProcessorGrpc;
import io.envoyproxy.envoy.service.ext_proc.v3.HttpBody;
import io.envoyproxy.envoy.service.ext_proc.v3.HttpHeaders;
import io.envoyproxy.envoy.service.ext_proc.v3.HttpTrailers;
import io.envoyproxy.envoy.service.ext_proc.v3.ProcessingRequest;
import io.envoyproxy.envoy.service.ext_proc.v3.ProcessingResponse;
import io.envoyproxy.envoy.service.ext_proc.v3.ProtocolConfiguration;
import io.grpc.Channel;
import io.grpc.stub.StreamObserver;
import java.io.ByteArrayOutputStream;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;

/**
 * Envoy's ext_proc filter as a client, for tests: it sends one request's messages in the order Envoy sends them for
 * a body mode, and holds the processor to Envoy's rules, recording each breach as a violation (where Envoy would fail
 * the request): an answer of the wrong kind or to a message not sent is spurious; in full duplex, headers are answered
 * first, body answers carry {@code streamed_response} and end with {@code end_of_stream} unless trailers follow; in the
 * other modes every message gets exactly one answer, and {@code streamed_response} is refused; no streamed piece may
 * exceed 64 KiB; a message unanswered within the message timeout fails the request. It applies header mutations where
 * Envoy would (the headers' answer in every mode, the body's only in buffered), merges dynamic metadata, reassembles
 * the body a full-duplex processor sends back, and reports what would have gone upstream. Emulating Envoy 1.33 it
 * sends no {@code protocol_config}; as 1.34+ it sends it on the first message.
 */
public final class FakeEnvoy {
    public static final int MAX_STREAMED_PIECE = 64 * 1024;

    public enum Mode { BUFFERED, STREAMED, FULL_DUPLEX }

    /** What Envoy would have done with the request. */
    public static final class Result {
        public final List<String> violations = new ArrayList<>();
        public final Map<String, List<String>> headers = new LinkedHashMap<>();
        public final Map<String, Struct> metadata = new LinkedHashMap<>();
        public byte[] upstreamBody;
        public int immediateStatus;
        public String immediateBody;
        /** Pieces of the body streamed back, and the largest one. */
        int streamedPieces;
        int largestPiece;
        /** The response body as the client got it, when the test sent one. */
        byte[] responseBody;

        /** The single destination header value, or null when absent or set twice. */
        public String destination() {
            List<String> v = headers.get(EndpointPicker.DESTINATION);
            return v == null || v.size() != 1 ? null : v.get(0);
        }

        public String lbDestination() {
            Struct lb = metadata.get(EndpointPicker.LB_NAMESPACE);
            Value v = lb == null ? null : lb.getFieldsMap().get(EndpointPicker.DESTINATION);
            return v == null ? null : v.getStringValue();
        }
    }

    private final Channel channel;
    private final Mode mode;
    private final boolean sendsProtocolConfig;
    private long messageTimeoutMs = 2_000;
    private boolean fallsBack;
    private long bodyDelayMs;
    private final LinkedBlockingQueue<Object> inbox = new LinkedBlockingQueue<>();
    private static final Object CLOSED = new Object();

    /** @param v134 true for Envoy 1.34+ ({@code protocol_config} on the first message), false for 1.33 */
    public FakeEnvoy(Channel channel, Mode mode, boolean v134) {
        this.channel = channel;
        this.mode = mode;
        this.sendsProtocolConfig = v134;
    }

    /** The gateway reports the first fallback as the endpoint that served, as when the primary failed. */
    FakeEnvoy fallsBack() {
        this.fallsBack = true;
        return this;
    }

    /** A slow client: in full duplex the body's first piece follows the headers after {@code ms}. */
    public FakeEnvoy bodyDelayMs(long ms) {
        this.bodyDelayMs = ms;
        return this;
    }

    /** How long Envoy waits for each answer (its {@code message_timeout}); 2 s unless set. */
    public FakeEnvoy messageTimeoutMs(long ms) {
        this.messageTimeoutMs = ms;
        return this;
    }

    /**
     * Sends one request. {@code body} null: headers only. {@code pieces}: how the client's body arrives.
     * {@code served}: the endpoint the gateway reports as having served (null: the first destination);
     * {@code responseBody}: the upstream's answer, sent back through the processor when not null.
     */
    public Result send(Map<String, String> requestHeaders, byte[] body, int pieces, boolean trailers, Metadata hint,
                String served, byte[] responseBody) throws InterruptedException {
        Result r = new Result();
        requestHeaders.forEach((k, v) -> r.headers.put(k, new ArrayList<>(List.of(v))));
        StreamObserver<ProcessingRequest> stream = ExternalProcessorGrpc.newStub(channel).process(new StreamObserver<>() {
            @Override
            public void onNext(ProcessingResponse value) {
                inbox.add(value);
            }

            @Override
            public void onError(Throwable t) {
                inbox.add(t);
            }

            @Override
            public void onCompleted() {
                inbox.add(CLOSED);
            }
        });
        try {
            exchange(stream, r, requestHeaders, body, pieces, trailers, hint, served, responseBody);
        } finally {
            stream.onCompleted();
        }
        return r;
    }

    private void exchange(StreamObserver<ProcessingRequest> stream, Result r, Map<String, String> requestHeaders,
                          byte[] body, int pieces, boolean trailers, Metadata hint, String served,
                          byte[] responseBody) throws InterruptedException {
        boolean noBody = body == null;
        HeaderMap.Builder map = HeaderMap.newBuilder();
        requestHeaders.forEach((k, v) -> map.addHeaders(HeaderValue.newBuilder().setKey(k)
            .setRawValue(ByteString.copyFromUtf8(v))));
        ProcessingRequest.Builder first = ProcessingRequest.newBuilder().setRequestHeaders(HttpHeaders.newBuilder()
            .setHeaders(map).setEndOfStream(noBody && !trailers));
        if (sendsProtocolConfig) {
            first.setProtocolConfig(ProtocolConfiguration.newBuilder().setRequestBodyMode(bodyMode())
                .setResponseBodyMode(bodyMode()));
        }
        if (hint != null) {
            first.setMetadataContext(hint);
        }
        List<byte[]> chunks = split(noBody ? new byte[0] : body, pieces);
        stream.onNext(first.build());
        if (noBody && !trailers) {
            ProcessingResponse h = next(r, "request headers");
            if (h == null || ended(h, r)) {
                return;
            }
            if (!h.hasRequestHeaders()) {
                spurious(r, h, "request headers");
                return;
            }
            apply(h.getRequestHeaders().getResponse(), r, true);
            metadata(h, r);
            r.upstreamBody = new byte[0];
        } else if (mode == Mode.FULL_DUPLEX) {
            if (!fullDuplexRequest(stream, r, noBody ? List.of() : chunks, trailers)) {
                return;
            }
        } else if (!halfDuplexRequest(stream, r, noBody ? List.of() : chunks, trailers)) {
            return;
        }
        if (responseBody != null) {
            response(stream, r, served, responseBody);
        }
    }

    private boolean fullDuplexRequest(StreamObserver<ProcessingRequest> stream, Result r, List<byte[]> chunks,
                                      boolean trailers) throws InterruptedException {
        if (bodyDelayMs > 0 && !chunks.isEmpty()) {
            Thread.sleep(bodyDelayMs);
        }
        for (int i = 0; i < chunks.size(); i++) {
            stream.onNext(body(chunks.get(i), !trailers && i == chunks.size() - 1));
        }
        if (trailers) {
            stream.onNext(ProcessingRequest.newBuilder().setRequestTrailers(HttpTrailers.getDefaultInstance()).build());
        }
        ProcessingResponse h = next(r, "request headers (full duplex)");
        if (h == null || ended(h, r)) {
            return false;
        }
        if (!h.hasRequestHeaders()) {
            spurious(r, h, "request headers first in full duplex");
            return false;
        }
        apply(h.getRequestHeaders().getResponse(), r, true);
        metadata(h, r);
        ByteArrayOutputStream upstream = new ByteArrayOutputStream();
        boolean ended = chunks.isEmpty();
        while (!ended) {
            ProcessingResponse b = next(r, "request body (full duplex)");
            if (b == null || ended(b, r)) {
                return false;
            }
            if (!b.hasRequestBody() || !b.getRequestBody().getResponse().getBodyMutation().hasStreamedResponse()) {
                spurious(r, b, "a request body answer with streamed_response");
                return false;
            }
            metadata(b, r);
            var piece = b.getRequestBody().getResponse().getBodyMutation().getStreamedResponse();
            r.streamedPieces++;
            r.largestPiece = Math.max(r.largestPiece, piece.getBody().size());
            if (piece.getBody().size() > MAX_STREAMED_PIECE) {
                r.violations.add("a streamed piece of " + piece.getBody().size() + " bytes, over 64 KiB");
            }
            upstream.writeBytes(piece.getBody().toByteArray());
            if (piece.getEndOfStream()) {
                if (trailers) {
                    r.violations.add("end_of_stream in a streamed body answer although trailers follow");
                }
                ended = true;
            } else if (trailers && upstream.size() == total(chunks)) {
                ended = true; // the whole body is back; the trailers' answer ends the request
            }
        }
        r.upstreamBody = upstream.toByteArray();
        if (trailers) {
            ProcessingResponse t = next(r, "request trailers");
            if (t == null || ended(t, r)) {
                return false;
            }
            if (!t.hasRequestTrailers()) {
                spurious(r, t, "request trailers");
                return false;
            }
        }
        return true;
    }

    private boolean halfDuplexRequest(StreamObserver<ProcessingRequest> stream, Result r, List<byte[]> chunks,
                                      boolean trailers) throws InterruptedException {
        ProcessingResponse h = next(r, "request headers");
        if (h == null || ended(h, r)) {
            return false;
        }
        if (!h.hasRequestHeaders()) {
            spurious(r, h, "request headers");
            return false;
        }
        apply(h.getRequestHeaders().getResponse(), r, true);
        metadata(h, r);
        List<byte[]> sent = mode == Mode.BUFFERED ? List.of(concat(chunks)) : chunks;
        ByteArrayOutputStream upstream = new ByteArrayOutputStream();
        for (int i = 0; i < sent.size(); i++) {
            if (mode == Mode.BUFFERED && sent.get(i).length == 0 && !trailers) {
                break; // an empty body: Envoy sends none in buffered mode... but headers said more was coming
            }
            stream.onNext(body(sent.get(i), !trailers && i == sent.size() - 1));
            ProcessingResponse b = next(r, "request body");
            if (b == null || ended(b, r)) {
                return false;
            }
            if (!b.hasRequestBody()) {
                spurious(r, b, "request body");
                return false;
            }
            CommonResponse c = b.getRequestBody().getResponse();
            if (c.getBodyMutation().hasStreamedResponse()) {
                r.violations.add("streamed_response outside full duplex");
                return false;
            }
            apply(c, r, mode == Mode.BUFFERED); // header mutations in body answers apply in buffered mode only
            metadata(b, r);
            upstream.writeBytes(sent.get(i));
        }
        r.upstreamBody = upstream.toByteArray();
        if (trailers) {
            stream.onNext(ProcessingRequest.newBuilder().setRequestTrailers(HttpTrailers.getDefaultInstance()).build());
            ProcessingResponse t = next(r, "request trailers");
            if (t == null || ended(t, r)) {
                return false;
            }
            if (!t.hasRequestTrailers()) {
                spurious(r, t, "request trailers");
                return false;
            }
        }
        return true;
    }

    private void response(StreamObserver<ProcessingRequest> stream, Result r, String served, byte[] responseBody)
        throws InterruptedException {
        String[] list = r.destination() == null ? new String[] {""} : r.destination().split(",");
        String endpoint = served != null ? served : fallsBack && list.length > 1 ? list[1] : list[0];
        Metadata report = Metadata.newBuilder().putFilterMetadata(EndpointPicker.LB_NAMESPACE, Struct.newBuilder()
            .putFields(EndpointPicker.SERVED, Value.newBuilder().setStringValue(endpoint).build()).build()).build();
        stream.onNext(ProcessingRequest.newBuilder().setResponseHeaders(HttpHeaders.newBuilder().setHeaders(
            HeaderMap.newBuilder().addHeaders(HeaderValue.newBuilder().setKey(":status")
                .setRawValue(ByteString.copyFromUtf8("200"))))).setMetadataContext(report).build());
        ProcessingResponse h = next(r, "response headers");
        if (h == null || !h.hasResponseHeaders()) {
            spurious(r, h, "response headers");
            return;
        }
        ByteArrayOutputStream client = new ByteArrayOutputStream();
        if (mode == Mode.FULL_DUPLEX) {
            stream.onNext(ProcessingRequest.newBuilder().setResponseBody(HttpBody.newBuilder()
                .setBody(ByteString.copyFrom(responseBody)).setEndOfStream(true)).build());
            boolean ended = false;
            while (!ended) {
                ProcessingResponse b = next(r, "response body (full duplex)");
                if (b == null || !b.hasResponseBody()
                    || !b.getResponseBody().getResponse().getBodyMutation().hasStreamedResponse()) {
                    spurious(r, b, "a response body answer with streamed_response");
                    return;
                }
                var piece = b.getResponseBody().getResponse().getBodyMutation().getStreamedResponse();
                if (piece.getBody().size() > MAX_STREAMED_PIECE) {
                    r.violations.add("a streamed response piece over 64 KiB");
                }
                client.writeBytes(piece.getBody().toByteArray());
                ended = piece.getEndOfStream();
            }
        } else {
            stream.onNext(ProcessingRequest.newBuilder().setResponseBody(HttpBody.newBuilder()
                .setBody(ByteString.copyFrom(responseBody)).setEndOfStream(true)).build());
            ProcessingResponse b = next(r, "response body");
            if (b == null || !b.hasResponseBody()
                || b.getResponseBody().getResponse().getBodyMutation().hasStreamedResponse()) {
                spurious(r, b, "a plain response body answer");
                return;
            }
            client.writeBytes(responseBody);
        }
        r.responseBody = client.toByteArray();
        Object extra = inbox.poll(100, TimeUnit.MILLISECONDS);
        if (extra instanceof ProcessingResponse p) {
            spurious(r, p, "nothing: every message has been answered");
        }
    }

    /** The next answer, or null (a violation recorded) when none comes within the message timeout. */
    private ProcessingResponse next(Result r, String awaiting) throws InterruptedException {
        Object o = inbox.poll(messageTimeoutMs, TimeUnit.MILLISECONDS);
        if (o instanceof ProcessingResponse p) {
            return p;
        }
        r.violations.add(o == null ? "message timeout awaiting " + awaiting
            : o == CLOSED ? "stream closed awaiting " + awaiting : "gRPC error awaiting " + awaiting + ": " + o);
        return null;
    }

    private static boolean ended(ProcessingResponse p, Result r) {
        if (p.hasImmediateResponse()) {
            r.immediateStatus = p.getImmediateResponse().getStatus().getCodeValue();
            r.immediateBody = p.getImmediateResponse().getBody().toStringUtf8();
            return true;
        }
        return false;
    }

    private static void spurious(Result r, ProcessingResponse p, String expected) {
        r.violations.add("spurious message: expected " + expected + ", got " + (p == null ? "nothing"
            : p.getResponseCase() + (p.hasRequestBody() ? " " + p.getRequestBody().getResponse().getBodyMutation()
                .getMutationCase() : "")));
    }

    private static void apply(CommonResponse c, Result r, boolean applies) {
        if (!applies || !c.hasHeaderMutation()) {
            return;
        }
        for (HeaderValueOption o : c.getHeaderMutation().getSetHeadersList()) {
            String key = o.getHeader().getKey().toLowerCase(Locale.ROOT);
            String value = o.getHeader().getRawValue().isEmpty() ? o.getHeader().getValue()
                : o.getHeader().getRawValue().toStringUtf8();
            if (o.getAppendAction() == HeaderValueOption.HeaderAppendAction.OVERWRITE_IF_EXISTS_OR_ADD
                || !r.headers.containsKey(key)) {
                r.headers.put(key, new ArrayList<>(List.of(value)));
            } else {
                r.headers.get(key).add(value);
            }
        }
        c.getHeaderMutation().getRemoveHeadersList().forEach(r.headers::remove);
    }

    private static void metadata(ProcessingResponse p, Result r) {
        p.getDynamicMetadata().getFieldsMap().forEach((ns, v) -> r.metadata.merge(ns, v.getStructValue(),
            (a, b) -> a.toBuilder().putAllFields(b.getFieldsMap()).build()));
    }

    private BodySendMode bodyMode() {
        return switch (mode) {
            case BUFFERED -> BodySendMode.BUFFERED;
            case STREAMED -> BodySendMode.STREAMED;
            case FULL_DUPLEX -> BodySendMode.FULL_DUPLEX_STREAMED;
        };
    }

    private static ProcessingRequest body(byte[] chunk, boolean endOfStream) {
        return ProcessingRequest.newBuilder().setRequestBody(HttpBody.newBuilder().setBody(ByteString.copyFrom(chunk))
            .setEndOfStream(endOfStream)).build();
    }

    static List<byte[]> split(byte[] body, int pieces) {
        List<byte[]> out = new ArrayList<>();
        int n = Math.max(1, pieces);
        int size = (body.length + n - 1) / n;
        for (int at = 0; at < body.length || out.isEmpty(); at += Math.max(1, size)) {
            out.add(Arrays.copyOfRange(body, at, Math.min(body.length, at + Math.max(1, size))));
            if (body.length == 0) {
                break;
            }
        }
        return out;
    }

    private static byte[] concat(List<byte[]> chunks) {
        ByteArrayOutputStream b = new ByteArrayOutputStream();
        chunks.forEach(b::writeBytes);
        return b.toByteArray();
    }

    private static int total(List<byte[]> chunks) {
        return chunks.stream().mapToInt(c -> c.length).sum();
    }
}
