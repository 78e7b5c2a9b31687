package io.spillway.router.proxy;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.netty.buffer.ByteBufUtil;
import io.netty.buffer.Unpooled;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.SimpleChannelInboundHandler;
import io.netty.handler.codec.http.DefaultFullHttpResponse;
import io.netty.handler.codec.http.FullHttpRequest;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaderValues;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpUtil;
import io.netty.handler.codec.http.HttpVersion;
import io.spillway.listener.RequestProgress;
import io.spillway.router.load.InFlight;
import io.spillway.router.schedule.CompletionPrompt;
import io.spillway.router.schedule.Outcome;
import io.spillway.router.schedule.RequestScheduler;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.RejectedExecutionException;

/**
 * One client connection: schedules each request off the event loop (a full scheduling queue is a 503, counted),
 * then forwards it ({@link Forward}). Counts requests read and in flight for the connection's read deadline: a
 * connection waiting for a pod's answer is not idle. Event-loop confined but for the scheduling task.
 */
final class ProxyHandler extends SimpleChannelInboundHandler<FullHttpRequest> implements RequestProgress {
    private static final ObjectMapper JSON =
        new ObjectMapper();
    static final Set<String> PATHS = Set.of(CompletionPrompt.COMPLETIONS, CompletionPrompt.CHAT,
        CompletionPrompt.EMBEDDINGS, CompletionPrompt.RESPONSES);

    private final RequestScheduler scheduler;
    private final InFlight inFlight;
    private final ExecutorService scheduling;
    private final Duration connectTimeout;
    private final Duration upstreamReadTimeout;
    private final int maxQueued;
    private final ProxyCounters counters;
    private long requests;
    private int inProgress;

    ProxyHandler(RequestScheduler scheduler, InFlight inFlight, ExecutorService scheduling, Duration connectTimeout,
                 Duration upstreamReadTimeout, int maxQueued, ProxyCounters counters) {
        this.scheduler = scheduler;
        this.inFlight = inFlight;
        this.scheduling = scheduling;
        this.connectTimeout = connectTimeout;
        this.upstreamReadTimeout = upstreamReadTimeout;
        this.maxQueued = maxQueued;
        this.counters = counters;
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
        return inProgress > 0;
    }

    /** A request's answer is complete (or abandoned); on the event loop. */
    private void ended() {
        inProgress--;
    }

    @Override
    protected void channelRead0(ChannelHandlerContext ctx, FullHttpRequest request) {
        requests++;
        String path = request.uri().split("\\?", 2)[0];
        if (!PATHS.contains(path)) {
            error(ctx, request, HttpResponseStatus.NOT_FOUND, "no route for " + path + ": this proxy serves "
                + PATHS);
            return;
        }
        if (!HttpMethod.POST.equals(request.method())) {
            error(ctx, request, HttpResponseStatus.METHOD_NOT_ALLOWED, path + " takes POST, got " + request.method());
            return;
        }
        byte[] body = ByteBufUtil.getBytes(request.content());
        FullHttpRequest held = request.retainedDuplicate();
        inProgress++;
        try {
            scheduling.execute(() -> {
                Outcome outcome = scheduler.schedule(path, body, null);
                ctx.executor().execute(() -> dispatch(ctx, held, body, outcome));
            });
        } catch (RejectedExecutionException e) {
            held.release();
            inProgress--;
            if (scheduling.isShutdown()) {
                error(ctx, request, HttpResponseStatus.SERVICE_UNAVAILABLE, "the router is shutting down");
            } else {
                counters.countQueueFull();
                error(ctx, request, HttpResponseStatus.SERVICE_UNAVAILABLE, "the router is overloaded: " + maxQueued
                    + " requests already wait for scheduling (spillway.router.proxyMaxQueued); retry later");
            }
        }
    }

    private void dispatch(ChannelHandlerContext ctx, FullHttpRequest request, byte[] body, Outcome outcome) {
        try {
            switch (outcome.kind()) {
                case ROUTED -> new Forward(ctx, request, body, outcome.decision(), outcome.speculative(), inFlight,
                    connectTimeout, upstreamReadTimeout, counters, this::ended).start();
                case NO_POD -> {
                    ended();
                    error(ctx, request, HttpResponseStatus.SERVICE_UNAVAILABLE, outcome.reason());
                }
                case SHED -> {
                    ended();
                    error(ctx, request, HttpResponseStatus.TOO_MANY_REQUESTS, outcome.reason());
                }
                case BAD_REQUEST -> {
                    ended();
                    error(ctx, request, HttpResponseStatus.BAD_REQUEST, outcome.reason());
                }
                default -> throw new IllegalStateException("outcome " + outcome.kind());
            }
        } finally {
            request.release();
        }
    }

    /** An OpenAI-style error body: {@code {"error": {"message", "type", "code"}}}. */
    static void error(ChannelHandlerContext ctx, FullHttpRequest request, HttpResponseStatus status, String message) {
        String json;
        try {
            json = JSON.writeValueAsString(Map.of("error", new LinkedHashMap<>(Map.of(
                "message", message, "type", type(status), "code", status.code()))));
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("an error body that cannot be written: " + e.getMessage(), e);
        }
        FullHttpResponse response = new DefaultFullHttpResponse(HttpVersion.HTTP_1_1, status,
            Unpooled.copiedBuffer(json, StandardCharsets.UTF_8));
        response.headers().set(HttpHeaderNames.CONTENT_TYPE, HttpHeaderValues.APPLICATION_JSON)
            .setInt(HttpHeaderNames.CONTENT_LENGTH, response.content().readableBytes());
        boolean keepAlive = HttpUtil.isKeepAlive(request);
        if (!keepAlive) {
            response.headers().set(HttpHeaderNames.CONNECTION, HttpHeaderValues.CLOSE);
        }
        var future = ctx.writeAndFlush(response);
        if (!keepAlive) {
            future.addListener(ChannelFutureListener.CLOSE);
        }
    }

    private static String type(HttpResponseStatus status) {
        return switch (status.code()) {
            case 400, 404, 405, 413 -> "invalid_request_error";
            case 429 -> "rate_limit_error";
            default -> "server_error";
        };
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
        ctx.close();
    }
}
