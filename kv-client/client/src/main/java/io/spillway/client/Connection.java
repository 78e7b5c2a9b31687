package io.spillway.client;

import io.netty.buffer.ByteBuf;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.EventLoop;
import io.netty.util.collection.IntObjectHashMap;
import io.spillway.protocol.ErrorCode;
import io.spillway.protocol.OpCode;
import io.spillway.protocol.ProtocolLimits;
import io.spillway.protocol.ResponseDecoder;
import io.spillway.protocol.ResponseListener;
import io.spillway.tier.TierKind;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * One pooled channel: pipelines requests, matches responses by request id, times requests out and fails them all
 * when the channel closes. In-flight requests are bounded ({@link #tryReserve()}); everything else runs on the
 * channel's event loop.
 */
final class Connection extends ChannelInboundHandlerAdapter implements ResponseListener {
    private final ResponseDecoder decoder;
    private final IntObjectHashMap<PendingRequest<?>> pending = new IntObjectHashMap<>();
    private final AtomicInteger inFlight = new AtomicInteger();
    private final int maxInFlight;
    private final long timeoutNanos;
    private volatile Channel channel;
    private volatile boolean closed;
    private volatile boolean ready = true;
    private PendingRequest<?> current;
    private int nextRequestId;

    Connection(ClientContext context) {
        this(context.limits(), context.maxInFlightPerConnection(), context.requestTimeout().toNanos());
    }

    Connection(ProtocolLimits limits, int maxInFlight, long timeoutNanos) {
        this.decoder = new ResponseDecoder(limits, this);
        this.maxInFlight = maxInFlight;
        this.timeoutNanos = timeoutNanos;
    }

    void bind(Channel ch) {
        this.channel = ch;
    }

    ChannelFuture close() {
        return channel.close();
    }

    boolean isUsable() {
        Channel ch = channel;
        return ready && !closed && ch != null && ch.isActive();
    }

    /** Token mode: no request is sent on this connection until its AUTH is answered ({@link #authenticated()}). */
    void awaitAuthentication() {
        ready = false;
    }

    void authenticated() {
        ready = true;
    }

    /** Sends the connection's AUTH frame, ahead of any request (it is not {@link #isUsable() usable} before). */
    void sendAuth(AuthRequest auth) {
        inFlight.incrementAndGet();
        EventLoop loop = channel.eventLoop();
        if (loop.inEventLoop()) {
            dispatch(auth);
        } else {
            loop.execute(() -> dispatch(auth));
        }
    }

    boolean isClosed() {
        return closed;
    }

    boolean isWritable() {
        Channel ch = channel;
        return ch != null && ch.isWritable();
    }

    int inFlight() {
        return inFlight.get();
    }

    /** Claims a slot for one request; {@code false} when {@code maxInFlight} are already in flight. */
    boolean tryReserve() {
        for (int n = inFlight.get(); n < maxInFlight; n = inFlight.get()) {
            if (inFlight.compareAndSet(n, n + 1)) {
                return true;
            }
        }
        return false;
    }

    /** Sends a request on a slot claimed by {@link #tryReserve()}. */
    <T> void send(PendingRequest<T> request) {
        EventLoop loop = channel.eventLoop();
        if (loop.inEventLoop()) {
            dispatch(request);
        } else {
            loop.execute(() -> dispatch(request));
        }
    }

    private void dispatch(PendingRequest<?> request) {
        Channel ch = channel;
        if (closed || ch == null || !ch.isActive()) {
            inFlight.decrementAndGet();
            request.future.completeExceptionally(new KvClientException(ErrorCode.CONNECTION_LOST,
                "connection to " + channel.remoteAddress() + " closed before the request was sent"));
            return;
        }
        int id = nextRequestId++;
        request.requestId = id;
        pending.put(id, request);
        long wait = request.timeoutNanos > 0 ? request.timeoutNanos : timeoutNanos;
        request.timeout = channel.eventLoop().schedule(() -> fail(id, new KvClientException(ErrorCode.TIMEOUT,
            request.op + " request " + Integer.toUnsignedString(id) + " got no reply in "
                + TimeUnit.NANOSECONDS.toMillis(wait) + " ms")), wait, TimeUnit.NANOSECONDS);
        ChannelFuture last = request.write(channel);
        channel.flush();
        last.addListener(f -> {
            if (!f.isSuccess()) {
                fail(id, new KvClientException(ErrorCode.CONNECTION_LOST, "write failed", f.cause()));
                channel.close();
            }
        });
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
        ByteBuf in = (ByteBuf) msg;
        try {
            decoder.decode(in);
        } finally {
            in.release();
        }
    }

    @Override
    public void channelInactive(ChannelHandlerContext ctx) {
        closed = true;
        failAll(ErrorCode.CONNECTION_LOST, "connection to " + ctx.channel().remoteAddress() + " closed");
        ctx.fireChannelInactive();
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
        ctx.close();
    }

    private boolean start(int requestId, OpCode op, int count) {
        PendingRequest<?> request = pending.get(requestId);
        if (request == null) {
            return false; // timed out: skip the body, the caller's buffers are no longer ours
        }
        if (request.op != op || !request.expects(count)) {
            fail(requestId, new KvClientException(ErrorCode.MALFORMED_FRAME, op + " response of " + count
                + " entries does not answer " + request.op + " request " + Integer.toUnsignedString(requestId)));
            return false;
        }
        current = request;
        return true;
    }

    @Override
    public boolean onPutResponse(int requestId, int count) {
        return start(requestId, OpCode.PUT_BATCH, count);
    }

    @Override
    public void onPutStatus(int index, ErrorCode status) {
        if (current != null) { // null once the request timed out mid-response
            current.onPutStatus(index, status);
        }
    }

    @Override
    public boolean onGetResponse(int requestId, int count) {
        return start(requestId, OpCode.GET_BATCH, count);
    }

    @Override
    public void onGetEntry(int index, ErrorCode status, TierKind tier, int length) {
        if (current != null) { // null once the request timed out mid-response
            current.onGetEntry(index, status, tier, length);
        }
    }

    @Override
    public void onGetBytes(ByteBuf buffer, int index, int length) {
        if (current != null) { // null once the request timed out mid-response
            current.onGetBytes(buffer, index, length);
        }
    }

    @Override
    public void onGetEntryEnd(int index, ErrorCode verdict) {
        if (current != null) { // null once the request timed out mid-response
            current.onGetEntryEnd(index, verdict);
        }
    }

    @Override
    public boolean onLookupResponse(int requestId, int prefixLength, int tierCount) {
        boolean wanted = start(requestId, OpCode.LOOKUP_PREFIX, prefixLength);
        if (wanted) {
            current.onLookup(prefixLength);
        }
        return wanted;
    }

    @Override
    public void onLookupTier(TierKind tier, int longestRun, int blocksInPrefix) {
        if (current != null) { // null once the request timed out mid-response
            current.onLookupTier(tier, longestRun, blocksInPrefix);
        }
    }

    @Override
    public void onTopologyVersion(int requestId, long version) {
        if (current != null) { // null once the request timed out mid-response
            current.topologyVersion = version;
        }
    }

    @Override
    public void onResponseEnd(OpCode op, int requestId) {
        if ((op == OpCode.PING || op == OpCode.AUTH) && !start(requestId, op, 0)) {
            return;
        }
        PendingRequest<?> request = current;
        current = null;
        if (request != null && remove(requestId) == request) {
            complete(request);
        }
    }

    @Override
    public void onError(int opCode, int requestId, ErrorCode status, String message) {
        fail(requestId, new KvClientException(status, message));
    }

    @Override
    public void onProtocolError(ErrorCode code, String message) {
        failAll(code, "bad response from " + channel.remoteAddress() + ": " + message);
        channel.close();
    }

    private static <T> void complete(PendingRequest<T> request) {
        request.future.complete(request.result());
    }

    private PendingRequest<?> remove(int requestId) {
        PendingRequest<?> request = pending.remove(requestId);
        if (request != null) {
            request.timeout.cancel(false);
            inFlight.decrementAndGet();
        }
        return request;
    }

    private void fail(int requestId, KvClientException e) {
        PendingRequest<?> request = remove(requestId);
        if (request != null) {
            if (request == current) {
                current = null;
            }
            if (request instanceof GetRequest get) {
                get.abandon();
            }
            request.future.completeExceptionally(e);
        }
    }

    private void failAll(ErrorCode code, String message) {
        List<Integer> ids = new ArrayList<>(pending.keySet());
        for (int id : ids) {
            fail(id, new KvClientException(code, message));
        }
    }
}
