package io.spillway.client;

import io.netty.buffer.ByteBuf;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFuture;
import io.netty.util.concurrent.ScheduledFuture;
import io.spillway.protocol.ErrorCode;
import io.spillway.protocol.OpCode;
import io.spillway.tier.TierKind;
import java.util.concurrent.CompletableFuture;

/**
 * One request in flight on a {@link Connection}: writes its frame and collects its response from the decoder's
 * callbacks. Touched only on the connection's event loop until {@link #future} completes.
 */
abstract class PendingRequest<T> {
    final OpCode op;
    final CompletableFuture<T> future = new CompletableFuture<>();
    int requestId;
    /** The response's topology trailer, or -1 when it had none. */
    long topologyVersion = -1;
    ScheduledFuture<?> timeout;
    /** This request's reply timeout; 0: the connection's {@code requestTimeoutMs}. Set before sending. */
    long timeoutNanos;
    /** Request header flags (0, or {@code FrameHeader.FLAG_STAND_IN} on a put or get). Set before sending. */
    int flags;

    PendingRequest(OpCode op) {
        this.op = op;
    }

    /** Writes the request frame (not flushed); returns the future of its last write. */
    abstract ChannelFuture write(Channel channel);

    /** The result once the response has ended. */
    abstract T result();

    /** Whether a response of {@code count} entries answers this request; {@code false} fails it. */
    boolean expects(int count) {
        return false;
    }

    void onPutStatus(int index, ErrorCode status) {
        throw new IllegalStateException(op + " got a PUT_BATCH status");
    }

    void onGetEntry(int index, ErrorCode status, TierKind tier, int length) {
        throw new IllegalStateException(op + " got a GET_BATCH entry");
    }

    void onGetBytes(ByteBuf buffer, int index, int length) {
        throw new IllegalStateException(op + " got GET_BATCH bytes");
    }

    void onGetEntryEnd(int index, ErrorCode verdict) {
        throw new IllegalStateException(op + " got a GET_BATCH entry end");
    }

    void onLookup(int prefixLength) {
        throw new IllegalStateException(op + " got a LOOKUP_PREFIX response");
    }

    void onLookupTier(TierKind tier, int longestRun, int blocksInPrefix) {
        throw new IllegalStateException(op + " got a LOOKUP_PREFIX tier");
    }
}
