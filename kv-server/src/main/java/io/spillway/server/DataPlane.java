package io.spillway.server;

import io.netty.bootstrap.ServerBootstrap;
import io.netty.buffer.PooledByteBufAllocator;
import io.netty.channel.Channel;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.WriteBufferWaterMark;
import io.netty.channel.epoll.Epoll;
import io.netty.channel.epoll.EpollIoHandler;
import io.netty.channel.epoll.EpollServerSocketChannel;
import io.netty.channel.group.ChannelGroup;
import io.netty.channel.group.DefaultChannelGroup;
import io.netty.channel.nio.NioIoHandler;
import io.netty.channel.socket.ServerSocketChannel;
import io.netty.channel.socket.SocketChannel;
import io.netty.channel.socket.nio.NioServerSocketChannel;
import io.netty.util.concurrent.GlobalEventExecutor;
import io.spillway.listener.ConnectionLimiter;
import io.spillway.listener.ConnectionQuota;
import io.spillway.listener.ListenerCounters;
import io.spillway.listener.ReadDeadline;
import io.spillway.protocol.BulkReads;
import io.spillway.server.security.NodeSecurity;
import java.net.InetSocketAddress;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The binary data plane on Netty: epoll where available (or NIO), pooled direct buffers, and per connection the
 * pipeline: TLS and the peer's identity when security is on ({@link NodeSecurity#install}), then
 * {@link ConnectionLimiter} (the connection caps), {@link ConnectionHandler} (counting, writability back
 * pressure), {@link ReadDeadline} (idle and request-read timeouts) then {@link RequestHandler} (kv-client's
 * streaming decoder and the ops). {@link #stopAccepting()} and {@link #close()} are the two steps of a drain.
 */
final class DataPlane implements AutoCloseable {
    private final EventLoopGroup boss;
    private final EventLoopGroup workers;
    private final Channel server;
    private final ChannelGroup connections;
    private final boolean epoll;
    private final ListenerCounters counters;

    private DataPlane(EventLoopGroup boss, EventLoopGroup workers, Channel server, ChannelGroup connections,
                      boolean epoll, ListenerCounters counters) {
        this.boss = boss;
        this.workers = workers;
        this.server = server;
        this.connections = connections;
        this.epoll = epoll;
        this.counters = counters;
    }

    /** {@code security} puts TLS and the peer's identity first in every connection's pipeline. */
    static DataPlane start(NodeServices node, NodeSecurity security) throws InterruptedException {
        ServerContext ctx = node.context();
        boolean epoll = switch (ctx.transport()) {
            case AUTO -> Epoll.isAvailable();
            case EPOLL -> {
                Epoll.ensureAvailability();
                yield true;
            }
            case NIO -> false;
        };
        EventLoopGroup boss = new MultiThreadIoEventLoopGroup(1, new NamedThreads("spillway-accept"),
            epoll ? EpollIoHandler.newFactory() : NioIoHandler.newFactory());
        EventLoopGroup workers = new MultiThreadIoEventLoopGroup(ctx.ioThreads(), new NamedThreads("spillway-io"),
            epoll ? EpollIoHandler.newFactory() : NioIoHandler.newFactory());
        Class<? extends ServerSocketChannel> type = epoll ? EpollServerSocketChannel.class
            : NioServerSocketChannel.class;
        ChannelGroup connections = new DefaultChannelGroup("spillway-data", GlobalEventExecutor.INSTANCE);
        ListenerCounters counters = new ListenerCounters(ctx.dataLimits().listener());
        node.metrics().bindListener(counters);
        ConnectionQuota quota = new ConnectionQuota(ctx.dataLimits(), counters);
        AtomicLong lastRefusalLog = new AtomicLong(System.nanoTime() - TimeUnit.DAYS.toNanos(1));
        try {
            Channel server = new ServerBootstrap().group(boss, workers).channel(type)
                .option(ChannelOption.SO_BACKLOG, 1024)
                .option(ChannelOption.SO_REUSEADDR, true)
                .childOption(ChannelOption.ALLOCATOR, PooledByteBufAllocator.DEFAULT)
                .childOption(ChannelOption.TCP_NODELAY, true)
                .childOption(ChannelOption.RECVBUF_ALLOCATOR, BulkReads.allocator())
                .childOption(ChannelOption.WRITE_BUFFER_WATER_MARK,
                    new WriteBufferWaterMark(ctx.writeLowWaterMark(), ctx.writeHighWaterMark()))
                .childHandler(new ChannelInitializer<SocketChannel>() {
                    @Override
                    protected void initChannel(SocketChannel ch) {
                        security.install(ch);
                        ReadGate gate = new ReadGate(ch, node.metrics());
                        RequestHandler requests = new RequestHandler(node, security, gate);
                        ch.pipeline().addLast("limits", new ConnectionLimiter(quota, lastRefusalLog));
                        ch.pipeline().addLast("connection", new ConnectionHandler(node.metrics(), connections, gate));
                        ch.pipeline().addLast("deadline", new ReadDeadline(ctx.dataLimits(), requests, counters));
                        ch.pipeline().addLast("requests", requests);
                    }
                })
                .bind(new InetSocketAddress(ctx.bind(), ctx.dataPort())).sync().channel();
            return new DataPlane(boss, workers, server, connections, epoll, counters);
        } catch (InterruptedException | RuntimeException e) {
            boss.shutdownGracefully(0, 0, TimeUnit.SECONDS);
            workers.shutdownGracefully(0, 0, TimeUnit.SECONDS);
            throw e;
        }
    }

    int port() {
        return ((InetSocketAddress) server.localAddress()).getPort();
    }

    boolean epoll() {
        return epoll;
    }

    /** Connections open, refused and timed out. */
    ListenerCounters counters() {
        return counters;
    }

    /** Closes the listening socket; open connections keep being served. */
    void stopAccepting() {
        server.close().syncUninterruptibly();
    }

    /** Closes every connection and stops the event loops. */
    @Override
    public void close() {
        server.close().syncUninterruptibly();
        connections.close().awaitUninterruptibly(5, TimeUnit.SECONDS);
        boss.shutdownGracefully(0, 1, TimeUnit.SECONDS);
        workers.shutdownGracefully(0, 2, TimeUnit.SECONDS).awaitUninterruptibly(5, TimeUnit.SECONDS);
        boss.terminationFuture().awaitUninterruptibly(2, TimeUnit.SECONDS);
    }
}
