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
import io.spillway.router.load.InFlight;
import io.spillway.router.schedule.RequestScheduler;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;

/**
 * An OpenAI-compatible reverse proxy for {@code /v1/completions}, {@code /v1/chat/completions}, {@code
 * /v1/embeddings} and {@code /v1/responses}: each request is
 * scheduled ({@link RequestScheduler}: 503, 429, 400 answered here as OpenAI-style JSON errors) and forwarded to
 * the pod picked, its response (server-sent events included) relayed chunk by chunk as it arrives. A pod that fails
 * before the first byte of its response (refused, reset, closed) is replaced by the next in the decision's fallback
 * order; when none answers, a 502 names each pod and why. A split request carries {@code x-prefiller-host-port}.
 * Scheduling runs on a worker pool (a tokenizer may call the engine), forwarding on the connection's event loop.
 */
public final class OpenAiProxy implements AutoCloseable {
    private final EventLoopGroup boss;
    private final EventLoopGroup workers;
    private final ExecutorService scheduling;
    private final Channel server;

    /**
     * @param maxBodyBytes the largest request body taken (413 above it)
     */
    public OpenAiProxy(RequestScheduler scheduler, InFlight inFlight, String host, int port, int maxBodyBytes,
                       Duration connectTimeout) throws InterruptedException {
        this.boss = new MultiThreadIoEventLoopGroup(1, new DefaultThreadFactory("spillway-proxy-accept", true),
            NioIoHandler.newFactory());
        this.workers = new MultiThreadIoEventLoopGroup(0, new DefaultThreadFactory("spillway-proxy-io", true),
            NioIoHandler.newFactory());
        this.scheduling = Executors.newFixedThreadPool(Math.max(2, Runtime.getRuntime().availableProcessors()), r -> {
            Thread t = new Thread(r, "spillway-proxy-schedule");
            t.setDaemon(true);
            return t;
        });
        this.server = new ServerBootstrap().group(boss, workers).channel(NioServerSocketChannel.class)
            .childHandler(new ChannelInitializer<SocketChannel>() {
                @Override
                protected void initChannel(SocketChannel ch) {
                    ch.pipeline().addLast(new HttpServerCodec(), new HttpObjectAggregator(maxBodyBytes),
                        new ProxyHandler(scheduler, inFlight, scheduling, connectTimeout));
                }
            }).bind(new InetSocketAddress(host, port)).sync().channel();
    }

    public int port() {
        return ((InetSocketAddress) server.localAddress()).getPort();
    }

    @Override
    public void close() {
        server.close().syncUninterruptibly();
        scheduling.shutdownNow();
        workers.shutdownGracefully(0, 2, TimeUnit.SECONDS);
        boss.shutdownGracefully(0, 2, TimeUnit.SECONDS);
    }
}
