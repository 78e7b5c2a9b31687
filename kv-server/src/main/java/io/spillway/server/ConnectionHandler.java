package io.spillway.server;

import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.group.ChannelGroup;
import java.io.IOException;
import java.lang.System.Logger;
import java.lang.System.Logger.Level;

/**
 * First handler of every connection: counts it, registers it for shutdown, and turns writability changes into
 * {@link ReadGate} pauses so a slow reader stops the server reading its requests instead of growing its queue.
 */
final class ConnectionHandler extends ChannelInboundHandlerAdapter {
    private static final Logger LOG = System.getLogger(ConnectionHandler.class.getName());

    private final ServerMetrics metrics;
    private final ChannelGroup channels;
    private final ReadGate gate;

    ConnectionHandler(ServerMetrics metrics, ChannelGroup channels, ReadGate gate) {
        this.metrics = metrics;
        this.channels = channels;
        this.gate = gate;
    }

    @Override
    public void channelActive(ChannelHandlerContext ctx) throws Exception {
        metrics.connectionOpened();
        channels.add(ctx.channel());
        super.channelActive(ctx);
    }

    @Override
    public void channelInactive(ChannelHandlerContext ctx) throws Exception {
        metrics.connectionClosed();
        super.channelInactive(ctx);
    }

    @Override
    public void channelWritabilityChanged(ChannelHandlerContext ctx) throws Exception {
        if (ctx.channel().isWritable()) {
            gate.resume(ReadGate.UNWRITABLE);
        } else {
            gate.pause(ReadGate.UNWRITABLE);
        }
        super.channelWritabilityChanged(ctx);
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
        if (!(cause instanceof IOException)) {
            LOG.log(Level.WARNING, "closing " + ctx.channel() + " after an unexpected error", cause);
        }
        ctx.close();
    }
}
