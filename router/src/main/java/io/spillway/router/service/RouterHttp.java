package io.spillway.router.service;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.netty.bootstrap.ServerBootstrap;
import io.netty.channel.Channel;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.nio.NioIoHandler;
import io.netty.channel.socket.SocketChannel;
import io.netty.channel.socket.nio.NioServerSocketChannel;
import io.netty.handler.codec.http.HttpObjectAggregator;
import io.netty.handler.codec.http.HttpServerCodec;
import io.netty.util.concurrent.DefaultThreadFactory;
import io.spillway.listener.ConnectionLimiter;
import io.spillway.listener.ConnectionQuota;
import io.spillway.listener.ListenerCounters;
import io.spillway.listener.ListenerLimits;
import io.spillway.listener.ReadDeadline;
import java.net.InetSocketAddress;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Supplier;

/**
 * The router's HTTP endpoint: {@code /metrics} (Prometheus text), {@code /health} (200 while running),
 * {@code /debug/decisions} (the last decisions, every candidate's score per scorer, as JSON).
 *
 * <p>On Netty, one event loop of its own: a client that sends part of a request and stops holds only its own
 * connection (closed by its request-read timeout), never the probes. Caps and timeouts are the listener's
 * {@link ListenerLimits}; requests are small (request line 4 KiB, headers 8 KiB, body 8 KiB).
 */
public final class RouterHttp implements AutoCloseable {
    private static final ObjectMapper JSON = new ObjectMapper();
    static final int MAX_LINE_BYTES = 4096;
    static final int MAX_HEADER_BYTES = 8192;
    static final int MAX_BODY_BYTES = 8192;

    private final EventLoopGroup group;
    private final Channel server;
    private final ListenerCounters counters;

    public RouterHttp(String host, int port, RouterMetrics metrics, DecisionLog log,
                      Supplier<Map<String, Object>> status) throws InterruptedException {
        this(host, port, RouterContext.DEFAULT_LIMITS.http(), metrics, log, status);
    }

    public RouterHttp(String host, int port, ListenerLimits limits, RouterMetrics metrics, DecisionLog log,
                      Supplier<Map<String, Object>> status) throws InterruptedException {
        group = new MultiThreadIoEventLoopGroup(1, new DefaultThreadFactory("spillway-router-http", true),
            NioIoHandler.newFactory());
        counters = new ListenerCounters(limits.listener());
        metrics.bindListener(counters);
        ConnectionQuota quota = new ConnectionQuota(limits, counters);
        AtomicLong lastRefusalLog = new AtomicLong(System.nanoTime() - TimeUnit.DAYS.toNanos(1));
        Map<String, Supplier<HttpRoutes.Answer>> routes = Map.of(
            "/metrics", () -> new HttpRoutes.Answer(200, "text/plain; version=0.0.4; charset=utf-8", metrics.scrape()),
            "/health", () -> new HttpRoutes.Answer(200, "text/plain", "ok\n"),
            "/debug/decisions", () -> new HttpRoutes.Answer(200, "application/json", json(Map.of("status",
                status.get(), "decisions", log.recent()))));
        try {
            server = new ServerBootstrap().group(group).channel(NioServerSocketChannel.class)
                .option(ChannelOption.SO_BACKLOG, 128)
                .childHandler(new ChannelInitializer<SocketChannel>() {
                    @Override
                    protected void initChannel(SocketChannel ch) {
                        HttpRoutes answers = new HttpRoutes(routes);
                        ch.pipeline().addLast("limits", new ConnectionLimiter(quota, lastRefusalLog));
                        ch.pipeline().addLast("deadline", new ReadDeadline(limits, answers, counters));
                        ch.pipeline().addLast("codec", new HttpServerCodec(MAX_LINE_BYTES, MAX_HEADER_BYTES,
                            MAX_LINE_BYTES));
                        ch.pipeline().addLast("body", new HttpObjectAggregator(MAX_BODY_BYTES));
                        ch.pipeline().addLast("answers", answers);
                    }
                }).bind(new InetSocketAddress(host, port)).sync().channel();
        } catch (InterruptedException | RuntimeException e) {
            group.shutdownGracefully(0, 0, TimeUnit.SECONDS);
            throw e;
        }
    }

    private static String json(Object value) {
        try {
            return JSON.writerWithDefaultPrettyPrinter().writeValueAsString(value);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("a debug view that cannot be written: " + e.getMessage(), e);
        }
    }

    public int port() {
        return ((InetSocketAddress) server.localAddress()).getPort();
    }

    /** Connections open, refused at a cap, closed by a timeout. */
    public ListenerCounters counters() {
        return counters;
    }

    @Override
    public void close() {
        server.close().syncUninterruptibly();
        group.shutdownGracefully(0, 1, TimeUnit.SECONDS).awaitUninterruptibly(3, TimeUnit.SECONDS);
    }
}
