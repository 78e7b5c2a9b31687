package io.spillway.server;

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
import io.spillway.listener.ConnectionLimiter;
import io.spillway.listener.ConnectionQuota;
import io.spillway.listener.ListenerCounters;
import io.spillway.listener.ListenerLimits;
import io.spillway.listener.ReadDeadline;
import java.net.InetSocketAddress;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.BooleanSupplier;
import java.util.function.Supplier;

/**
 * Metrics and probes over plain HTTP: {@code /metrics} Prometheus text, {@code /health} 200 while the process is
 * live, {@code /ready} 200 while the node serves and 503 while it is starting or draining ({@link ProbeHandler}).
 *
 * <p>On Netty, one event loop of its own, so nothing a client does can block another: a client that sends part of
 * a request and stops holds only its connection, which its request-read timeout closes, while probes keep being
 * answered. The listener's caps and timeouts are {@link ServerContext#httpLimits()}, enforced by the same handlers
 * as the data plane's ({@link ConnectionLimiter}, {@link ReadDeadline}); requests are small (request line 4 KiB,
 * headers 8 KiB, body 8 KiB), larger ones are answered 4xx and closed.
 */
final class HttpEndpoint implements AutoCloseable {
    static final String PROMETHEUS_TYPE = "text/plain; version=0.0.4; charset=utf-8";
    static final int MAX_LINE_BYTES = 4096;
    static final int MAX_HEADER_BYTES = 8192;
    static final int MAX_BODY_BYTES = 8192;

    private final EventLoopGroup group;
    private final Channel server;
    private final ListenerCounters counters;

    private HttpEndpoint(EventLoopGroup group, Channel server, ListenerCounters counters) {
        this.group = group;
        this.server = server;
        this.counters = counters;
    }

    static HttpEndpoint start(String bind, int port, ListenerLimits limits, ServerMetrics metrics,
                              BooleanSupplier ready, Supplier<String> notReadyReason,
                              Supplier<String> readyDetail) throws InterruptedException {
        EventLoopGroup group = new MultiThreadIoEventLoopGroup(1, new NamedThreads("spillway-http"),
            NioIoHandler.newFactory());
        ListenerCounters counters = new ListenerCounters(limits.listener());
        metrics.bindListener(counters);
        ConnectionQuota quota = new ConnectionQuota(limits, counters);
        AtomicLong lastRefusalLog = new AtomicLong(System.nanoTime() - TimeUnit.DAYS.toNanos(1));
        try {
            Channel server = new ServerBootstrap().group(group).channel(NioServerSocketChannel.class)
                .option(ChannelOption.SO_BACKLOG, 128)
                .option(ChannelOption.SO_REUSEADDR, true)
                .childHandler(new ChannelInitializer<SocketChannel>() {
                    @Override
                    protected void initChannel(SocketChannel ch) {
                        ProbeHandler probes = new ProbeHandler(metrics, ready, notReadyReason, readyDetail);
                        ch.pipeline().addLast("limits", new ConnectionLimiter(quota, lastRefusalLog));
                        ch.pipeline().addLast("deadline", new ReadDeadline(limits, probes, counters));
                        ch.pipeline().addLast("codec", new HttpServerCodec(MAX_LINE_BYTES, MAX_HEADER_BYTES,
                            MAX_LINE_BYTES));
                        ch.pipeline().addLast("body", new HttpObjectAggregator(MAX_BODY_BYTES));
                        ch.pipeline().addLast("probes", probes);
                    }
                })
                .bind(new InetSocketAddress(bind, port)).sync().channel();
            return new HttpEndpoint(group, server, counters);
        } catch (InterruptedException | RuntimeException e) {
            group.shutdownGracefully(0, 0, TimeUnit.SECONDS);
            throw e;
        }
    }

    int port() {
        return ((InetSocketAddress) server.localAddress()).getPort();
    }

    /** Connections open, refused and timed out. */
    ListenerCounters counters() {
        return counters;
    }

    @Override
    public void close() {
        server.close().syncUninterruptibly();
        group.shutdownGracefully(0, 1, TimeUnit.SECONDS).awaitUninterruptibly(3, TimeUnit.SECONDS);
    }
}
