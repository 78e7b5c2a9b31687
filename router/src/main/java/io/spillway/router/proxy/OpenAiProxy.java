package io.spillway.router.proxy;

import io.netty.bootstrap.ServerBootstrap;
import io.netty.channel.Channel;
import io.netty.channel.ChannelInitializer;
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
import io.spillway.listener.ReadDeadline;
import io.spillway.router.limits.RouterLimits;
import io.spillway.router.load.InFlight;
import io.spillway.router.schedule.RequestScheduler;

import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

/**
 * An OpenAI-compatible reverse proxy for {@code /v1/completions}, {@code /v1/chat/completions}, {@code
 * /v1/embeddings} and {@code /v1/responses}: each request is
 * scheduled ({@link RequestScheduler}: 503, 429, 400 answered here as OpenAI-style JSON errors) and forwarded to
 * the pod picked, its response (server-sent events included) relayed chunk by chunk as it arrives. A pod that fails
 * before the first byte of its response (refused, reset, closed) is replaced by the next in the decision's fallback
 * order; when none answers, a 502 names each pod and why. A split request carries {@code x-prefiller-host-port};
 * routing headers a client sent are never passed on ({@link io.spillway.router.extproc.RoutingHeaders}).
 * Scheduling runs on a worker pool (a tokenizer may call the engine) behind a bounded queue (full: 503, counted),
 * forwarding on the connection's event loop. Limits ({@link RouterLimits}): connections in all and per peer
 * address, idle and request-read timeouts, and a pod silent for the upstream read timeout is given up.
 */
public final class OpenAiProxy implements AutoCloseable {
    private final EventLoopGroup boss;
    private final EventLoopGroup workers;
    private final ExecutorService scheduling;
    private final Channel server;
    private final ListenerCounters counters;
    private final ProxyCounters proxyCounters;

    /**
     * With counters of its own ({@link #counters()}, {@link #proxyCounters()}).
     *
     * @param maxBodyBytes the largest request body taken (413 above it)
     */
    public OpenAiProxy(RequestScheduler scheduler, InFlight inFlight, String host, int port, int maxBodyBytes,
                       Duration connectTimeout, RouterLimits limits) throws InterruptedException {
        this(scheduler, inFlight, host, port, maxBodyBytes, connectTimeout, limits, new ListenerCounters("proxy"),
            new ProxyCounters());
    }

    /**
     * @param maxBodyBytes  the largest request body taken (413 above it)
     * @param limits        the listener's caps and timeouts ({@code limits.proxy()}), the scheduling queue's bound
     *                      and the upstream read timeout
     * @param counters      the listener's connection figures
     * @param proxyCounters the queue's refusals and the upstream timeouts
     */
    public OpenAiProxy(RequestScheduler scheduler, InFlight inFlight, String host, int port, int maxBodyBytes,
                       Duration connectTimeout, RouterLimits limits, ListenerCounters counters,
                       ProxyCounters proxyCounters) throws InterruptedException {
        this.counters = counters;
        this.proxyCounters = proxyCounters;
        ConnectionQuota quota = new ConnectionQuota(limits.proxy(), counters);
        AtomicLong lastRefusalLog = new AtomicLong(System.nanoTime() - TimeUnit.DAYS.toNanos(1));
        Duration upstreamReadTimeout = Duration.ofMillis(limits.upstreamReadTimeoutMs());
        this.boss = new MultiThreadIoEventLoopGroup(1, new DefaultThreadFactory("spillway-proxy-accept", true),
            NioIoHandler.newFactory());
        this.workers = new MultiThreadIoEventLoopGroup(0, new DefaultThreadFactory("spillway-proxy-io", true),
            NioIoHandler.newFactory());
        int threads = Math.max(2, Runtime.getRuntime().availableProcessors());
        this.scheduling = new ThreadPoolExecutor(threads, threads, 0, TimeUnit.MILLISECONDS,
            new ArrayBlockingQueue<>(limits.proxyMaxQueued()), r -> {
                Thread t = new Thread(r, "spillway-proxy-schedule");
                t.setDaemon(true);
                return t;
            });
        this.server = new ServerBootstrap().group(boss, workers).channel(NioServerSocketChannel.class)
            .childHandler(new ChannelInitializer<SocketChannel>() {
                @Override
                protected void initChannel(SocketChannel ch) {
                    ProxyHandler handler = new ProxyHandler(scheduler, inFlight, scheduling, connectTimeout,
                        upstreamReadTimeout, limits.proxyMaxQueued(), proxyCounters);
                    ch.pipeline().addLast("limits", new ConnectionLimiter(quota, lastRefusalLog));
                    ch.pipeline().addLast("deadline", new ReadDeadline(limits.proxy(), handler, counters));
                    ch.pipeline().addLast(new HttpServerCodec(), new HttpObjectAggregator(maxBodyBytes), handler);
                }
            }).bind(new InetSocketAddress(host, port)).sync().channel();
    }

    public int port() {
        return ((InetSocketAddress) server.localAddress()).getPort();
    }

    /** Connections open, refused at a cap, closed by a timeout. */
    public ListenerCounters counters() {
        return counters;
    }

    /** Requests refused for a full queue, pods given up for silence. */
    public ProxyCounters proxyCounters() {
        return proxyCounters;
    }

    @Override
    public void close() {
        server.close().syncUninterruptibly();
        scheduling.shutdownNow();
        workers.shutdownGracefully(0, 2, TimeUnit.SECONDS);
        boss.shutdownGracefully(0, 2, TimeUnit.SECONDS);
    }
}
