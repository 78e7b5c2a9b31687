package io.spillway.client;

import io.netty.bootstrap.Bootstrap;
import io.netty.bootstrap.ServerBootstrap;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.group.ChannelGroup;
import io.netty.channel.group.DefaultChannelGroup;
import io.netty.channel.nio.NioIoHandler;
import io.netty.channel.socket.SocketChannel;
import io.netty.channel.socket.nio.NioServerSocketChannel;
import io.netty.channel.socket.nio.NioSocketChannel;
import io.netty.util.ReferenceCountUtil;
import io.netty.util.concurrent.GlobalEventExecutor;
import java.net.InetSocketAddress;
import java.util.ArrayDeque;
import java.util.concurrent.TimeUnit;

/**
 * A TCP proxy on 127.0.0.1 (port 0) in front of one target port that holds every chunk of bytes for
 * {@link #delayMillis} in each direction before passing it on (test-jar helper): a slow node whose process is
 * healthy, as a congested link or an overloaded host makes it. This kernel has no {@code sch_netem}, so a userspace
 * proxy stands in for {@code tc netem delay}. Bytes keep their order: each direction is one channel whose chunks are
 * scheduled on one event loop with the same delay, and Netty runs equal-deadline tasks in submission order. The
 * delay can change at any time (0: pass through); a chunk is never sent before one read earlier.
 */
public final class DelayingProxy implements AutoCloseable {
    /** Milliseconds each chunk is held, each way. */
    public volatile long delayMillis;
    private final EventLoopGroup group = new MultiThreadIoEventLoopGroup(1, NioIoHandler.newFactory());
    private final ChannelGroup channels = new DefaultChannelGroup(GlobalEventExecutor.INSTANCE);
    private final Channel server;

    public DelayingProxy(int targetPort) {
        server = new ServerBootstrap().group(group).channel(NioServerSocketChannel.class)
            .childOption(ChannelOption.AUTO_READ, false)
            .childHandler(new ChannelInitializer<SocketChannel>() {
                @Override
                protected void initChannel(SocketChannel front) {
                    channels.add(front);
                    connect(front, targetPort);
                }
            }).bind("127.0.0.1", 0).syncUninterruptibly().channel();
    }

    public int port() {
        return ((InetSocketAddress) server.localAddress()).getPort();
    }

    private void connect(Channel front, int targetPort) {
        new Bootstrap().group(front.eventLoop()).channel(NioSocketChannel.class)
            .handler(new ChannelInitializer<SocketChannel>() {
                @Override
                protected void initChannel(SocketChannel back) {
                    channels.add(back);
                    back.pipeline().addLast(new Relay(front));
                }
            }).connect("127.0.0.1", targetPort).addListener(f -> {
                if (!f.isSuccess()) {
                    front.close();
                    return;
                }
                Channel back = ((ChannelFuture) f).channel();
                front.pipeline().addLast(new Relay(back));
                front.config().setAutoRead(true);
            });
    }

    /** Passes what one side reads to the other side after the delay; a close on either side closes both. */
    private final class Relay extends ChannelInboundHandlerAdapter {
        private final Channel to;
        /** When the last chunk held is due: a later chunk is never due before it, even after the delay drops. */
        private long lastDue;
        /** Chunks held, oldest first; released if the relay closes before they are due. */
        private final ArrayDeque<Object> held = new ArrayDeque<>();

        Relay(Channel to) {
            this.to = to;
        }

        @Override
        public void channelRead(ChannelHandlerContext ctx, Object msg) {
            long now = System.nanoTime();
            long due = Math.max(now + TimeUnit.MILLISECONDS.toNanos(delayMillis), lastDue);
            lastDue = due;
            if (due - now <= 0) {
                to.writeAndFlush(msg);
                return;
            }
            held.add(msg);
            ctx.executor().schedule(() -> {
                Object next = held.poll(); // due in order: the oldest held chunk is this one
                if (next == null) {
                    return; // released when the relay closed
                }
                if (to.isActive()) {
                    to.writeAndFlush(next);
                } else {
                    ReferenceCountUtil.release(next);
                }
            }, due - now, TimeUnit.NANOSECONDS);
        }

        @Override
        public void channelInactive(ChannelHandlerContext ctx) {
            for (Object m = held.poll(); m != null; m = held.poll()) {
                ReferenceCountUtil.release(m);
            }
            to.close();
        }

        @Override
        public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
            ctx.close();
        }
    }

    @Override
    public void close() {
        server.close().syncUninterruptibly();
        channels.close().awaitUninterruptibly();
        group.shutdownGracefully(0, 1, TimeUnit.SECONDS).syncUninterruptibly();
    }
}
