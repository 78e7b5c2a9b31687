package io.spillway.listener;

import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.util.ReferenceCountUtil;
import java.lang.System.Logger;
import java.lang.System.Logger.Level;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

/**
 * First handler of every connection of a listener: takes a slot of the listener's {@link ConnectionQuota} when the
 * connection becomes active, or closes it at once when a cap is reached (counted by name, logged at most every
 * {@value #LOG_EVERY_SECONDS} s). A refused connection goes no further down the pipeline: the handlers after this one
 * never see it open, read or close, so what they count and hold stays exact. One instance per connection.
 */
public final class ConnectionLimiter extends ChannelInboundHandlerAdapter {
    private static final Logger LOG = System.getLogger(ConnectionLimiter.class.getName());
    static final int LOG_EVERY_SECONDS = 10;

    private final ConnectionQuota quota;
    private final AtomicLong lastLog;
    private InetAddress peer;
    private boolean admitted;

    /** @param lastLog when a refusal was last logged (nanos), shared by the listener's connections */
    public ConnectionLimiter(ConnectionQuota quota, AtomicLong lastLog) {
        this.quota = quota;
        this.lastLog = lastLog;
    }

    @Override
    public void channelActive(ChannelHandlerContext ctx) throws Exception {
        peer = ctx.channel().remoteAddress() instanceof InetSocketAddress a ? a.getAddress()
            : InetAddress.getLoopbackAddress();
        ListenerCounters.Refusal refused = quota.admit(peer);
        if (refused != null) {
            log(refused);
            ctx.close();
            return;
        }
        admitted = true;
        super.channelActive(ctx);
    }

    private void log(ListenerCounters.Refusal why) {
        long now = System.nanoTime();
        long last = lastLog.get();
        if (now - last >= TimeUnit.SECONDS.toNanos(LOG_EVERY_SECONDS) && lastLog.compareAndSet(last, now)) {
            ListenerLimits l = quota.limits();
            ListenerCounters c = quota.counters();
            LOG.log(Level.WARNING, () -> l.listener() + " listener refused a connection from " + peer + ": "
                + (why == ListenerCounters.Refusal.NODE_LIMIT ? "maxConnections " + l.maxConnections() + " open"
                    : "maxConnectionsPerPeer " + l.maxConnectionsPerPeer() + " open from that address")
                + " (refused so far: " + c.refused(ListenerCounters.Refusal.NODE_LIMIT) + " at the node limit, "
                + c.refused(ListenerCounters.Refusal.PEER_LIMIT) + " at the peer limit)");
        }
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
        if (admitted) {
            ctx.fireChannelRead(msg);
        } else {
            ReferenceCountUtil.release(msg);
        }
    }

    @Override
    public void channelInactive(ChannelHandlerContext ctx) throws Exception {
        if (admitted) {
            admitted = false;
            quota.release(peer);
            super.channelInactive(ctx);
        }
    }
}
