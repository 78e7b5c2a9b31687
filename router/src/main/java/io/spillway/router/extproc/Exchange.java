package io.spillway.router.extproc;

import com.google.protobuf.ByteString;
import com.google.protobuf.Struct;
import com.google.protobuf.Value;
import io.envoyproxy.envoy.config.core.v3.HeaderValue;
import io.envoyproxy.envoy.extensions.filters.http.ext_proc.v3.ProcessingMode.BodySendMode;
import io.envoyproxy.envoy.service.ext_proc.v3.HttpBody;
import io.envoyproxy.envoy.service.ext_proc.v3.ProcessingRequest;
import io.envoyproxy.envoy.service.ext_proc.v3.ProcessingResponse;
import io.envoyproxy.envoy.type.v3.StatusCode;
import io.grpc.Status;
import io.grpc.stub.StreamObserver;
import io.spillway.placement.routing.Pod;
import io.spillway.placement.routing.SpeculativeBlocks;
import io.spillway.router.schedule.Outcome;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;

/**
 * One HTTP request's ext_proc stream, answered as Envoy's processor rules require for its body mode.
 *
 * <p>Modes. {@code FULL_DUPLEX_STREAMED}: nothing is answered until the body has ended (a piece with
 * {@code end_of_stream}, or the trailers when the request has them); then the headers' answer carries the
 * destination, the body goes back as {@code streamed_response} pieces of at most {@value Replies#CHUNK_BYTES}
 * bytes ({@code end_of_stream} on the last unless trailers follow), then the trailers' answer. {@code BUFFERED}:
 * the headers are answered at once (CONTINUE); Envoy then sends the whole body as one message (with
 * {@code end_of_stream} false when trailers follow) and the answer to it carries the destination, which Envoy
 * applies to the headers it still holds. {@code STREAMED}: Envoy releases the headers upstream when they are answered,
 * before any body, and ignores header mutations in body answers, so the destination goes with the headers' answer,
 * chosen on load alone; each body piece is answered CONTINUE. {@code NONE}: routed at the headers on load alone. A
 * request whose headers end the stream is routed at the headers in every mode.
 *
 * <p>Telling the mode. Envoy 1.34+ names it in the first message's {@code protocol_config}; that is believed.
 * Envoy 1.33 sends none: the operator may name it ({@code --ext-proc-mode}, {@link EndpointPicker#assumedMode}), else
 * the mode is inferred from the messages (a full-duplex body that starts after the probe is misread as buffered or
 * streamed: the inference's one blind spot):
 * <ol>
 * <li>A body piece or the trailers arriving before the headers are answered: full duplex. Only full duplex (and
 *     streamed with {@code send_body_without_waiting_for_header_response}, which gateways for inference do not use)
 *     sends a body before the headers' answer.</li>
 * <li>Nothing within the probe ({@link EndpointPicker#DEFAULT_MODE_PROBE}) after the headers: Envoy is waiting for
 *     their answer, so buffered or streamed. The headers are answered with a destination chosen on load alone
 *     (what streamed needs), and the mode is taken as buffered until a body piece says otherwise.</li>
 * <li>Then a first body piece with {@code end_of_stream}, or one that holds a whole JSON document: the buffered body.
 *     It is routed on its prompt and the answer's headers overwrite the provisional destination (buffered applies
 *     them; streamed, with a one-piece body, ignores them and keeps the first).</li>
 * <li>A first body piece that is not a whole document and does not end the stream: streamed. The provisional
 *     destination stands; pieces are answered CONTINUE.</li>
 * </ol>
 * The response side's mode is its {@code protocol_config} value, or, without one, full duplex when the request side
 * was: response pieces are then echoed as streamed answers, otherwise answered CONTINUE. When neither tells (a
 * request side that was not full duplex, or none seen: a filter that skips it), the response headers' answer waits
 * for the same probe: a response piece or trailers before it means full duplex (the headers are answered, then the
 * pieces as streamed answers), the probe's end means Envoy waits for the answer (pieces answered CONTINUE). In
 * observability mode nothing is answered: Envoy ignores answers there.
 *
 * <p>Threads: gRPC delivers one message at a time; the probe's timer runs on another thread, so every entry point
 * holds this object's lock.
 */
final class Exchange implements StreamObserver<ProcessingRequest> {
    enum Mode { UNKNOWN, NONE, STREAMED, BUFFERED, FULL_DUPLEX }

    private final EndpointPicker picker;
    private final StreamObserver<ProcessingResponse> out;
    /** The body so far: pieces joined without copying (a rope), copied once for the decision. */
    private ByteString body = ByteString.EMPTY;
    private Mode requestMode = Mode.UNKNOWN;
    private Mode responseMode = Mode.UNKNOWN;
    /** The request mode was inferred, not announced; and, when it was, whether a provisional destination went. */
    private boolean guessed;
    private boolean provisional;
    private boolean observability;
    private boolean headersAnswered;
    private int bodyPieces;
    /** Routed or refused: the request side has its answer. */
    private boolean decided;
    /** The body has been taken for the decision (or the mode routes without it): later pieces are only answered. */
    private boolean bodyTaken;
    /** Refused with an immediate response: Envoy sends nothing more that needs an answer. */
    private boolean finished;
    private Predicate<Pod> subset;
    private int priority;
    /** The request's {@code :path}: which OpenAI endpoint the body is for (null when Envoy sent none). */
    private String path;
    private Outcome outcome;
    private SpeculativeBlocks.Ticket ticket;
    private boolean servedSeen;
    private ScheduledFuture<?> probe;
    /** The response headers' answer held back until the response side's mode is known (Envoy 1.33). */
    private boolean responseHeadersHeld;
    private ScheduledFuture<?> responseProbe;

    Exchange(EndpointPicker picker, StreamObserver<ProcessingResponse> out) {
        this.picker = picker;
        this.out = out;
    }

    @Override
    public synchronized void onNext(ProcessingRequest request) {
        if (request.hasProtocolConfig()) {
            requestMode = mode(request.getProtocolConfig().getRequestBodyMode());
            responseMode = mode(request.getProtocolConfig().getResponseBodyMode());
        } else if (requestMode == Mode.UNKNOWN && picker.assumedMode != null) {
            requestMode = mode(picker.assumedMode); // the operator named Envoy 1.33's configured mode
            responseMode = requestMode;
        }
        observability |= request.getObservabilityMode();
        if (observability || finished) {
            return; // answers are ignored in observability mode, and after an immediate response
        }
        readServed(request);
        switch (request.getRequestCase()) {
            case REQUEST_HEADERS -> requestHeaders(request);
            case REQUEST_BODY -> requestBody(request.getRequestBody());
            case REQUEST_TRAILERS -> requestTrailers();
            case RESPONSE_HEADERS -> responseHeaders();
            case RESPONSE_BODY -> responseBody(request.getResponseBody());
            case RESPONSE_TRAILERS -> {
                releaseResponseHeaders(Mode.FULL_DUPLEX); // trailers before the headers' answer
                out.onNext(Replies.responseTrailers());
            }
            default -> out.onError(Status.INVALID_ARGUMENT.withDescription("a processing request without a request or"
                + " response part").asRuntimeException());
        }
    }

    private void requestHeaders(ProcessingRequest request) {
        subset = EndpointSubset.of(request);
        String objective = null;
        for (HeaderValue h : request.getRequestHeaders().getHeaders().getHeadersList()) {
            if (h.getKey().equals(Objectives.OBJECTIVE_HEADER)) {
                objective = value(h);
            } else if (h.getKey().equals(":path")) {
                path = value(h);
            }
        }
        priority = picker.objectives.priority(objective);
        if (request.getRequestHeaders().getEndOfStream() || requestMode == Mode.NONE
            || requestMode == Mode.STREAMED) {
            routeAtHeaders(); // no body, or none before the headers must go
        } else if (requestMode == Mode.BUFFERED) {
            answerHeaders(Replies.continueRequestHeaders());
        } else if (requestMode == Mode.UNKNOWN) {
            guessed = true;
            picker.inferred.increment();
            probe = picker.timer.schedule(this::probeExpired, picker.modeProbeNanos, TimeUnit.NANOSECONDS);
        }
        // FULL_DUPLEX: answered when the body ends
    }

    private synchronized void probeExpired() {
        if (requestMode != Mode.UNKNOWN || finished || headersAnswered) {
            return;
        }
        requestMode = Mode.BUFFERED; // until the first body piece says streamed
        provisional = true;
        routeAtHeaders();
    }

    private void requestBody(HttpBody piece) {
        if (requestMode == Mode.UNKNOWN) {
            requestMode = Mode.FULL_DUPLEX; // a body before the headers' answer
            cancelProbe();
        }
        if (bodyTaken) {
            answerBody(piece);
            return;
        }
        ByteString chunk = piece.getBody();
        if ((long) body.size() + chunk.size() > picker.maxBodyBytes) {
            refuse(StatusCode.PayloadTooLarge, "request body over " + picker.maxBodyBytes + " bytes");
            return;
        }
        body = body.concat(chunk);
        bodyPieces++;
        switch (requestMode) {
            case FULL_DUPLEX -> {
                if (piece.getEndOfStream()) {
                    routeFullDuplex(false);
                }
            }
            case BUFFERED -> {
                if (bodyPieces == 1 && provisional && !piece.getEndOfStream()
                    && !JsonEnd.complete(chunk.toByteArray(), chunk.size())) { // the first piece is the body
                    requestMode = Mode.STREAMED; // a first piece of more: the provisional destination stands
                    out.onNext(Replies.continueRequestBody());
                } else {
                    routeBuffered();
                }
            }
            default -> out.onNext(Replies.continueRequestBody()); // STREAMED, NONE: routed at the headers
        }
    }

    /** A body piece after the decision: answered in the mode's form, so Envoy sees one answer for each. */
    private void answerBody(HttpBody piece) {
        if (requestMode == Mode.FULL_DUPLEX) {
            Replies.streamed(piece.getBody(), piece.getEndOfStream(), true).forEach(out::onNext);
        } else {
            out.onNext(Replies.continueRequestBody());
        }
    }

    private void requestTrailers() {
        if (requestMode == Mode.UNKNOWN) {
            requestMode = Mode.FULL_DUPLEX; // trailers before the headers' answer
            cancelProbe();
        }
        if (requestMode == Mode.FULL_DUPLEX && !decided) {
            routeFullDuplex(true); // the body ended without end_of_stream: the trailers say so
            if (finished) {
                return;
            }
        }
        out.onNext(Replies.requestTrailers());
    }

    private void routeAtHeaders() {
        Outcome o = picker.scheduler.scheduleWithoutPrompt(subset, priority);
        if (decide(o)) {
            String destinations = Replies.destinations(o.decision());
            answerHeaders(Replies.requestHeaders(Replies.routing(o.decision(), destinations, 0),
                Replies.lbMetadata(destinations)));
        }
    }

    private void routeBuffered() {
        bodyTaken = true;
        Outcome o = picker.scheduler.schedule(path, body.toByteArray(), subset, priority); // the one copy
        if (decide(o)) {
            String destinations = Replies.destinations(o.decision());
            out.onNext(Replies.requestBody(Replies.routing(o.decision(), destinations, 0),
                Replies.lbMetadata(destinations)));
        }
    }

    private void routeFullDuplex(boolean trailersFollow) {
        bodyTaken = true;
        byte[] bytes = body.toByteArray(); // the one copy: the pieces sent back are slices of the rope
        Outcome o = bodyPieces == 0 ? picker.scheduler.scheduleWithoutPrompt(subset, priority)
            : picker.scheduler.schedule(path, bytes, subset, priority);
        if (!decide(o)) {
            return;
        }
        String destinations = Replies.destinations(o.decision());
        answerHeaders(Replies.requestHeaders(Replies.routing(o.decision(), destinations, bytes.length),
            Replies.lbMetadata(destinations)));
        if (bodyPieces > 0) {
            Replies.streamed(body, !trailersFollow, true).forEach(out::onNext);
        }
    }

    /** Takes the outcome: true when routed, else the refusal has been sent. */
    private boolean decide(Outcome o) {
        switch (o.kind()) {
            case ROUTED -> {
                if (outcome == null) {
                    picker.routed.increment(); // once per request, a provisional destination replaced or not
                }
                outcome = o;
                ticket = o.speculative();
                decided = true;
                return true;
            }
            case NO_POD -> refuse(StatusCode.ServiceUnavailable, o.reason());
            case SHED -> refuse(StatusCode.TooManyRequests, o.reason());
            case BAD_REQUEST -> refuse(StatusCode.BadRequest, o.reason());
            default -> throw new IllegalStateException("outcome " + o.kind());
        }
        return false;
    }

    private void answerHeaders(ProcessingResponse r) {
        headersAnswered = true;
        out.onNext(r);
    }

    private void refuse(StatusCode code, String why) {
        cancelProbe();
        decided = true;
        finished = true;
        picker.refused.increment();
        out.onNext(Replies.immediate(code, why));
    }

    private void responseHeaders() {
        if (ticket != null) {
            ticket.answered(System.nanoTime()); // the pod has prefilled: its own KV events follow
        }
        if (responseMode == Mode.UNKNOWN && requestMode != Mode.FULL_DUPLEX) {
            responseHeadersHeld = true;
            responseProbe = picker.timer.schedule(this::responseProbeExpired, picker.modeProbeNanos,
                TimeUnit.NANOSECONDS);
            return;
        }
        out.onNext(Replies.responseHeaders());
    }

    private synchronized void responseProbeExpired() {
        if (!finished) {
            releaseResponseHeaders(Mode.BUFFERED); // Envoy waits for the answer: not full duplex
        }
    }

    /** Answers held response headers, the response side now known to be in {@code mode}. */
    private void releaseResponseHeaders(Mode mode) {
        if (!responseHeadersHeld) {
            return;
        }
        responseHeadersHeld = false;
        responseMode = mode;
        if (responseProbe != null) {
            responseProbe.cancel(false);
            responseProbe = null;
        }
        out.onNext(Replies.responseHeaders());
    }

    private void responseBody(HttpBody piece) {
        releaseResponseHeaders(Mode.FULL_DUPLEX); // a piece before the headers' answer
        boolean fullDuplex = responseMode == Mode.FULL_DUPLEX
            || responseMode == Mode.UNKNOWN && requestMode == Mode.FULL_DUPLEX;
        if (fullDuplex) {
            Replies.streamed(piece.getBody(), piece.getEndOfStream(), false).forEach(out::onNext);
        } else {
            out.onNext(Replies.continueResponseBody());
        }
    }

    /** The gateway's report of the endpoint that served, in any message's {@code envoy.lb} metadata. */
    private void readServed(ProcessingRequest request) {
        if (servedSeen || outcome == null || !request.hasMetadataContext()) {
            return;
        }
        Struct lb = request.getMetadataContext().getFilterMetadataMap().get(EndpointPicker.LB_NAMESPACE);
        Value served = lb == null ? null : lb.getFieldsMap().get(EndpointPicker.SERVED);
        if (served == null || !served.hasStringValue() || served.getStringValue().isBlank()) {
            return;
        }
        servedSeen = true;
        String entry = served.getStringValue().split(",")[0].trim();
        String host = HostPort.host(entry);
        int port = HostPort.port(entry);
        ticket = picker.scheduler.served(outcome, ticket, p -> HostPort.podHost(p.address()).equals(host)
            && (port < 0 || HostPort.port(HostPort.bracketed(p.address())) == port));
    }

    private void cancelProbe() {
        if (probe != null) {
            probe.cancel(false);
            probe = null;
        }
        if (responseProbe != null) {
            responseProbe.cancel(false);
            responseProbe = null;
        }
    }

    private static Mode mode(BodySendMode m) {
        return switch (m) {
            case NONE -> Mode.NONE;
            case STREAMED -> Mode.STREAMED;
            case BUFFERED, BUFFERED_PARTIAL -> Mode.BUFFERED;
            case FULL_DUPLEX_STREAMED -> Mode.FULL_DUPLEX;
            default -> Mode.UNKNOWN;
        };
    }

    private static String value(HeaderValue h) {
        return h.getRawValue().isEmpty() ? h.getValue() : h.getRawValue().toStringUtf8();
    }

    @Override
    public synchronized void onError(Throwable t) {
        cancelProbe(); // Envoy went away: nothing to answer
    }

    @Override
    public synchronized void onCompleted() {
        cancelProbe();
        out.onCompleted();
    }
}
