package io.spillway.server;

import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.SimpleChannelInboundHandler;
import io.netty.handler.codec.DecoderResult;
import io.netty.handler.codec.http.FullHttpRequest;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.spillway.listener.HttpReplies;
import io.spillway.listener.ReadDeadline;
import io.spillway.listener.RequestProgress;
import java.io.IOException;
import java.util.function.BooleanSupplier;
import java.util.function.Supplier;

/**
 * Answers one HTTP connection's requests: {@code /metrics}, {@code /health}, {@code /ready} (GET or HEAD), 404 for
 * other paths, 405 for other methods, 400 for a request the codec could not read (then closes). Keep-alive as the
 * client asks. Counts requests for {@link ReadDeadline}. Event-loop confined.
 */
final class ProbeHandler extends SimpleChannelInboundHandler<FullHttpRequest> implements RequestProgress {
    private final ServerMetrics metrics;
    private final BooleanSupplier ready;
    private final Supplier<String> notReadyReason;
    private final Supplier<String> readyDetail;
    private long requests;

    /**
     * @param notReadyReason why the node is not ready, written after "not ready: " in a 503's body
     * @param readyDetail    lines appended to the {@code /ready} body (the tiers' degradations), "" when none; they
     *     never change the status: a degraded node still serves
     */
    ProbeHandler(ServerMetrics metrics, BooleanSupplier ready, Supplier<String> notReadyReason,
                 Supplier<String> readyDetail) {
        this.metrics = metrics;
        this.ready = ready;
        this.notReadyReason = notReadyReason;
        this.readyDetail = readyDetail;
    }

    @Override
    public long requestsRead() {
        return requests;
    }

    @Override
    public boolean betweenRequests() {
        return false; // the codec may hold part of the next request: only a finished request resets the clock
    }

    @Override
    public boolean waiting() {
        return false; // every answer is written before the next read
    }

    @Override
    protected void channelRead0(ChannelHandlerContext ctx, FullHttpRequest request) {
        requests++;
        DecoderResult decoded = request.decoderResult();
        if (decoded.isFailure()) {
            reply(ctx, request, HttpResponseStatus.BAD_REQUEST, "text/plain", "bad request: " + decoded.cause()
                + "\n", true);
            return;
        }
        boolean head = HttpMethod.HEAD.equals(request.method());
        if (!head && !HttpMethod.GET.equals(request.method())) {
            reply(ctx, request, HttpResponseStatus.METHOD_NOT_ALLOWED, "text/plain", "GET or HEAD only\n", false);
            return;
        }
        String path = request.uri().split("\\?", 2)[0];
        switch (path) {
            case "/metrics" -> reply(ctx, request, HttpResponseStatus.OK, HttpEndpoint.PROMETHEUS_TYPE,
                metrics.scrape(), false);
            case "/health" -> reply(ctx, request, HttpResponseStatus.OK, "text/plain", "live\n", false);
            case "/ready" -> {
                boolean r = ready.getAsBoolean();
                String why = r ? "" : notReadyReason.get();
                reply(ctx, request, r ? HttpResponseStatus.OK : HttpResponseStatus.SERVICE_UNAVAILABLE, "text/plain",
                    (r ? "ready\n" : why.isEmpty() ? "not ready\n" : "not ready: " + why + "\n") + readyDetail.get(),
                    false);
            }
            default -> reply(ctx, request, HttpResponseStatus.NOT_FOUND, "text/plain", "no such path: " + path
                + " (this endpoint serves /metrics, /health, /ready)\n", false);
        }
    }

    private static void reply(ChannelHandlerContext ctx, FullHttpRequest request, HttpResponseStatus status,
                              String type, String body, boolean close) {
        HttpReplies.text(ctx, request, status, type, body, close);
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
        if (!(cause instanceof IOException)) {
            System.getLogger(ProbeHandler.class.getName()).log(System.Logger.Level.WARNING,
                "closing HTTP connection " + ctx.channel() + " after an unexpected error", cause);
        }
        ctx.close();
    }
}
