package io.spillway.listener;

import io.netty.channel.ChannelDuplexHandler;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelPromise;
import io.netty.util.concurrent.ScheduledFuture;
import java.lang.System.Logger;
import java.lang.System.Logger.Level;
import java.util.concurrent.TimeUnit;
import java.util.function.LongSupplier;

/**
 * The two timeouts of a connection, so that a peer cannot hold a connection (and what it pins) by stalling:
 * <ul>
 * <li><b>request read</b>: once a request's first byte has arrived, the whole request must arrive within
 *     {@code requestReadTimeoutMs}, however slowly its bytes trickle in. Time during which the node itself stopped
 *     reading (back pressure: {@code AUTO_READ} off) does not count. A request counts as started at the first read
 *     after the previous one ended, which can be one read late for pipelined requests, never early.</li>
 * <li><b>idle</b>: a connection with nothing read, no write completed and no request waiting for
 *     {@code idleTimeoutMs} is closed.</li>
 * </ul>
 * A close is counted by name ({@link ListenerCounters.Timeout}). The deadlines are checked by one timer per
 * connection on its event loop, every quarter of the shorter timeout (at least {@value #MIN_TICK_MS} ms), so a
 * connection closes at most that much after its deadline. Sits before the protocol handler (it must see each read
 * before and after that handler decodes it). Event-loop confined; time is injectable for tests.
 */
public final class ReadDeadline extends ChannelDuplexHandler {
    private static final Logger LOG = System.getLogger(ReadDeadline.class.getName());
    static final long MIN_TICK_MS = 10;

    private final long idleNanos;
    private final long readNanos;
    private final RequestProgress progress;
    private final ListenerCounters counters;
    private final LongSupplier clock;
    private ScheduledFuture<?> timer;
    private long lastActivity;
    private long lastTick;
    /** When the request being read started (its time paused by back pressure added back), 0 between requests. */
    private long requestSince;
    private boolean closed;

    public ReadDeadline(ListenerLimits limits, RequestProgress progress, ListenerCounters counters) {
        this(limits, progress, counters, System::nanoTime);
    }

    public ReadDeadline(ListenerLimits limits, RequestProgress progress, ListenerCounters counters, LongSupplier clock) {
        this.idleNanos = TimeUnit.MILLISECONDS.toNanos(limits.idleTimeoutMs());
        this.readNanos = TimeUnit.MILLISECONDS.toNanos(limits.requestReadTimeoutMs());
        this.progress = progress;
        this.counters = counters;
        this.clock = clock;
    }

    /** The timer's period: a quarter of the shorter timeout, at least {@link #MIN_TICK_MS}; 0 when both are off. */
    long tickNanos() {
        long shorter = idleNanos == 0 ? readNanos : readNanos == 0 ? idleNanos : Math.min(idleNanos, readNanos);
        return shorter == 0 ? 0 : Math.max(TimeUnit.MILLISECONDS.toNanos(MIN_TICK_MS), shorter / 4);
    }

    @Override
    public void channelActive(ChannelHandlerContext ctx) throws Exception {
        long now = clock.getAsLong();
        lastActivity = now;
        lastTick = now;
        long tick = tickNanos();
        if (tick > 0) {
            timer = ctx.executor().scheduleAtFixedRate(() -> check(ctx), tick, tick, TimeUnit.NANOSECONDS);
        }
        super.channelActive(ctx);
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
        long now = clock.getAsLong();
        lastActivity = now;
        if (requestSince == 0) {
            requestSince = now;
        }
        long before = progress.requestsRead();
        ctx.fireChannelRead(msg);
        if (progress.requestsRead() != before || progress.betweenRequests()) {
            requestSince = 0; // a request ended in this read: the next one's clock starts with its next read
        }
    }

    @Override
    public void write(ChannelHandlerContext ctx, Object msg, ChannelPromise promise) {
        ctx.write(msg, promise.unvoid()).addListener((ChannelFutureListener) f -> {
            if (f.isSuccess()) {
                lastActivity = clock.getAsLong();
            }
        });
    }

    /** One timer tick: closes the connection when a deadline has passed. Package-private for tests. */
    void check(ChannelHandlerContext ctx) {
        if (closed) {
            return;
        }
        long now = clock.getAsLong();
        if (!ctx.channel().config().isAutoRead() && requestSince != 0) {
            requestSince += now - lastTick; // the node stopped reading: not the peer's time
        }
        lastTick = now;
        if (readNanos > 0 && requestSince != 0 && now - requestSince >= readNanos) {
            close(ctx, ListenerCounters.Timeout.REQUEST_READ, now - requestSince);
        } else if (idleNanos > 0 && requestSince == 0 && now - lastActivity >= idleNanos && !progress.waiting()) {
            close(ctx, ListenerCounters.Timeout.IDLE, now - lastActivity);
        }
    }

    private void close(ChannelHandlerContext ctx, ListenerCounters.Timeout why, long nanos) {
        closed = true;
        counters.countTimeout(why);
        LOG.log(Level.DEBUG, () -> counters.listener() + " connection " + ctx.channel().remoteAddress() + " closed: "
            + (why == ListenerCounters.Timeout.IDLE ? "idle" : "request not read whole") + " for "
            + TimeUnit.NANOSECONDS.toMillis(nanos) + " ms");
        cancel();
        ctx.close();
    }

    @Override
    public void channelInactive(ChannelHandlerContext ctx) throws Exception {
        cancel();
        super.channelInactive(ctx);
    }

    @Override
    public void handlerRemoved(ChannelHandlerContext ctx) {
        cancel();
    }

    private void cancel() {
        if (timer != null) {
            timer.cancel(false);
            timer = null;
        }
    }
}
