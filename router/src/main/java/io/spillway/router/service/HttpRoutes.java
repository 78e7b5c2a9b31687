package io.spillway.router.service;

import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.SimpleChannelInboundHandler;
import io.netty.handler.codec.http.FullHttpRequest;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.spillway.listener.HttpReplies;
import io.spillway.listener.RequestProgress;
import java.util.Map;
import java.util.function.Supplier;

/**
 * Answers one connection of the router's HTTP endpoint from a table of paths (GET or HEAD); 404 for other paths,
 * 405 for other methods, 400 and a close for a request the codec could not read. Counts requests for the
 * connection's read deadline. Event-loop confined.
 */
final class HttpRoutes extends SimpleChannelInboundHandler<FullHttpRequest> implements RequestProgress {
    /** One answer: status, content type, body. */
    record Answer(int status, String type, String body) {
    }

    private final Map<String, Supplier<Answer>> routes;
    private long requests;

    HttpRoutes(Map<String, Supplier<Answer>> routes) {
        this.routes = routes;
    }

    @Override
    public long requestsRead() {
        return requests;
    }

    @Override
    public boolean betweenRequests() {
        return false;
    }

    @Override
    public boolean waiting() {
        return false;
    }

    @Override
    protected void channelRead0(ChannelHandlerContext ctx, FullHttpRequest request) {
        requests++;
        if (request.decoderResult().isFailure()) {
            reply(ctx, request, new Answer(400, "text/plain", "bad request: " + request.decoderResult().cause()
                + "\n"), true);
            return;
        }
        if (!HttpMethod.GET.equals(request.method()) && !HttpMethod.HEAD.equals(request.method())) {
            reply(ctx, request, new Answer(405, "text/plain", "GET or HEAD only\n"), false);
            return;
        }
        String path = request.uri().split("\\?", 2)[0];
        Supplier<Answer> route = routes.get(path);
        reply(ctx, request, route != null ? route.get() : new Answer(404, "text/plain", "no such path: " + path
            + " (this endpoint serves " + routes.keySet() + ")\n"), false);
    }

    private static void reply(ChannelHandlerContext ctx, FullHttpRequest request, Answer answer, boolean close) {
        HttpReplies.text(ctx, request, HttpResponseStatus.valueOf(answer.status()), answer.type(), answer.body(),
            close);
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
        ctx.close();
    }
}
