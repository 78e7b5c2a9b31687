package io.spillway.server;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.spillway.protocol.ErrorCode;
import io.spillway.protocol.OpCode;
import io.spillway.protocol.ResponseEncoder;
import java.util.Locale;

/**
 * Writes the responses of one connection and closes the books on each request when its write completes (or fails
 * because the peer left): the node's in-flight count, the latency timer of its op, and any cleanup such as
 * unpinning the blocks a GET_BATCH response referenced.
 */
final class Responder {
    private static final String[] OP_NAMES = opNames();

    private final ChannelHandlerContext ctx;
    private final ServerMetrics metrics;
    private final DrainGate inFlight;

    Responder(ChannelHandlerContext ctx, ServerMetrics metrics, DrainGate inFlight) {
        this.ctx = ctx;
        this.metrics = metrics;
        this.inFlight = inFlight;
    }

    ChannelHandlerContext ctx() {
        return ctx;
    }

    /** Writes the response of a request started with {@link DrainGate#begin()}; {@code after} runs once written. */
    void complete(int opCode, long startNanos, ByteBuf response, Runnable after) {
        ctx.writeAndFlush(response).addListener(f -> {
            try {
                if (after != null) {
                    after.run();
                }
            } finally {
                inFlight.end();
                metrics.request(opCode, OP_NAMES[opCode & 0xFF], System.nanoTime() - startNanos);
            }
        });
    }

    /** Answers a started request with a request-level error; the connection keeps serving. */
    void fail(int opCode, int requestId, long startNanos, ErrorCode code, String message) {
        metrics.error(code);
        complete(opCode, startNanos, error(opCode, requestId, code, message), null);
    }

    /** Answers a request that was never started (draining, unknown op) with an error; no in-flight accounting. */
    void reject(int opCode, int requestId, ErrorCode code, String message) {
        metrics.error(code);
        ctx.writeAndFlush(error(opCode, requestId, code, message));
    }

    /** Answers a broken stream with an error, then closes the connection once the answer is written. */
    void failAndClose(int opCode, int requestId, ErrorCode code, String message) {
        metrics.error(code);
        ctx.channel().config().setAutoRead(false);
        ctx.writeAndFlush(error(opCode, requestId, code, message)).addListener(ChannelFutureListener.CLOSE);
    }

    private ByteBuf error(int opCode, int requestId, ErrorCode code, String message) {
        int capacity = 64 + message.length() * 3;
        ByteBuf out;
        try {
            out = ctx.alloc().directBuffer(capacity);
        } catch (OutOfMemoryError e) {
            if (!DirectMemory.exhausted(e)) {
                throw e;
            }
            out = Unpooled.buffer(capacity); // an error must still be answered when direct memory has run out
        }
        ResponseEncoder.writeError(out, opCode, requestId, code, message);
        return out;
    }

    private static String[] opNames() {
        String[] names = new String[256];
        for (int i = 0; i < names.length; i++) {
            OpCode op = OpCode.fromCode(i);
            names[i] = op == null ? "unknown" : op.name().toLowerCase(Locale.ROOT);
        }
        return names;
    }
}
