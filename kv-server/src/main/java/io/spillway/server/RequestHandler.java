package io.spillway.server;

import io.netty.buffer.ByteBuf;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.spillway.identity.PeerIdentity;
import io.spillway.key.BlockKey;
import io.spillway.listener.RequestProgress;
import io.spillway.protocol.ErrorCode;
import io.spillway.protocol.FrameHeader;
import io.spillway.protocol.OpCode;
import io.spillway.protocol.RequestDecoder;
import io.spillway.protocol.RequestListener;
import io.spillway.protocol.ResponseEncoder;
import io.spillway.server.security.NodeSecurity;
import io.spillway.server.security.PeerIdentityHandler;
import java.io.IOException;
import java.lang.System.Logger;
import java.lang.System.Logger.Level;
import java.nio.charset.StandardCharsets;
import java.util.Locale;
import java.util.concurrent.RejectedExecutionException;

/**
 * Last handler of a connection: feeds kv-client's streaming {@link RequestDecoder} and turns its callbacks into
 * work — PUT_BATCH blocks to the {@link PutBatchAssembler}, GET_BATCH to a {@link GetBatchResponder},
 * LOOKUP_PREFIX to a {@link LookupResponder}, PING answered at once. A request in a namespace of a tenant the
 * connection's identity ({@link PeerIdentityHandler#IDENTITY}) may not use is answered PERMISSION_DENIED and
 * counted; its body is skipped like an unknown namespace's. A namespace nobody registered is UNKNOWN_NAMESPACE only
 * to a peer that {@link PeerIdentity#learnsUnregisteredNamespaces learns of them} (no security, a node, an admin);
 * a client gets the same PERMISSION_DENIED as for another tenant's, so it cannot probe who registered what. Broken frames are answered and the
 * connection closed; unknown ops and unknown namespaces are answered and the connection keeps serving.
 * Work that can block on NVMe goes to the tier executor, at most {@code maxInFlightPerConnection} requests per
 * connection (reading pauses beyond that). Event-loop confined.
 */
final class RequestHandler extends ChannelInboundHandlerAdapter implements RequestListener, RequestProgress {
    private static final Logger LOG = System.getLogger(RequestHandler.class.getName());

    private final NodeServices node;
    private final NodeSecurity security;
    private final ReadGate gate;
    private final RequestDecoder decoder;
    private final PutBatchAssembler put;
    private Responder responder;
    private ChannelHandlerContext ctx;
    private boolean open;
    private long startNanos;
    private BlockKey namespace;
    private BlockKey[] keys;
    private int offloaded;
    private long requestsRead;
    /** The request being read carries {@code FLAG_STAND_IN}: keys this node stands in for are taken too. */
    private boolean standIn;
    private boolean getStandIn;

    RequestHandler(NodeServices node, NodeSecurity security, ReadGate gate) {
        this.node = node;
        this.security = security;
        this.gate = gate;
        this.decoder = new RequestDecoder(node.limits(), this);
        this.put = new PutBatchAssembler(node.tiers(), node.metrics());
    }

    @Override
    public void handlerAdded(ChannelHandlerContext ctx) {
        this.ctx = ctx;
        this.responder = new Responder(ctx, node.metrics(), node.inFlight());
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
    public long requestsRead() {
        return requestsRead;
    }

    @Override
    public boolean betweenRequests() {
        return decoder.isIdle();
    }

    @Override
    public boolean waiting() {
        return offloaded > 0;
    }

    @Override
    public void channelInactive(ChannelHandlerContext ctx) throws Exception {
        put.discard();
        if (open) {
            open = false;
            node.inFlight().end();
        }
        super.channelInactive(ctx);
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
        if (!(cause instanceof IOException)) {
            LOG.log(Level.WARNING, "closing " + ctx.channel() + " after an unexpected error", cause);
        }
        ctx.close();
    }

    /** Starts a request; when the node is draining, answers SHUTTING_DOWN and returns false. */
    private boolean begin(int opCode, int requestId) {
        if (!node.inFlight().begin()) {
            responder.reject(opCode, requestId, ErrorCode.SHUTTING_DOWN, "node " + node.context().nodeId()
                + " is shutting down; request " + Integer.toUnsignedString(requestId) + " was not executed");
            return false;
        }
        open = true;
        startNanos = System.nanoTime();
        return true;
    }

    private boolean admit(int opCode, int requestId, BlockKey ns) {
        if (!begin(opCode, requestId)) {
            requestsRead++; // answered at its header; the decoder skips the body
            return false;
        }
        String op = OpCode.fromCode(opCode) == null ? "unknown" : OpCode.fromCode(opCode).name();
        PeerIdentity who = ctx.channel().attr(PeerIdentityHandler.IDENTITY).get();
        if (who == null) { // before the namespace: an unauthenticated peer learns nothing of what is registered
            String why = "the connection has not authenticated; " + op + " refused";
            node.metrics().access().refused("unauthenticated", PeerIdentityHandler.PLANE, why);
            return refuse(opCode, requestId, ErrorCode.UNAUTHENTICATED, why);
        }
        String tenant = node.namespaces().tenantOf(ns);
        if (tenant == null && who.learnsUnregisteredNamespaces()) {
            return refuse(opCode, requestId, ErrorCode.UNKNOWN_NAMESPACE,
                "namespace " + ns + " is not registered on node " + node.context().nodeId());
        }
        if (tenant == null || !who.mayUseTenant(tenant)) {
            // a client is told the same whether nobody registered the namespace or another tenant did
            String why = who.learnsUnregisteredNamespaces() ? who + " may not " + op + " in namespace " + ns
                + ", which belongs to tenant " + tenant : who.refusedNamespace(op, ns);
            node.metrics().access().denied(who, op.toLowerCase(Locale.ROOT), PeerIdentityHandler.PLANE, why);
            return refuse(opCode, requestId, ErrorCode.PERMISSION_DENIED, why);
        }
        return true;
    }

    /** Answers the request at its header with {@code code}; the decoder skips its body. */
    private boolean refuse(int opCode, int requestId, ErrorCode code, String why) {
        requestsRead++;
        open = false;
        responder.fail(opCode, requestId, startNanos, code, why);
        return false;
    }

    @Override
    public void onRequestFlags(int requestId, int flags) {
        standIn = (flags & FrameHeader.FLAG_STAND_IN) != 0;
    }

    @Override
    public boolean onPutStart(int requestId, BlockKey ns, int count) {
        boolean asStandIn = standIn;
        standIn = false;
        if (!admit(OpCode.PUT_BATCH.code(), requestId, ns)) {
            return false;
        }
        put.start(requestId, ns, count, node.ownershipMap(), node.selfId(), asStandIn);
        return true;
    }

    @Override
    public void onPutBlock(int index, BlockKey key, int length, int crc32c) {
        put.block(key, length, crc32c);
    }

    @Override
    public void onPutBytes(ByteBuf buffer, int index, int length) {
        put.bytes(buffer, index, length);
    }

    @Override
    public void onPutBlockEnd(int index, ErrorCode verdict) {
        put.end(index, verdict);
    }

    @Override
    public boolean onKeysStart(OpCode op, int requestId, BlockKey ns, int count) {
        getStandIn = standIn;
        standIn = false;
        if (!admit(op.code(), requestId, ns)) {
            return false;
        }
        namespace = ns;
        keys = new BlockKey[count];
        return true;
    }

    @Override
    public void onKey(int index, BlockKey key) {
        keys[index] = key;
    }

    @Override
    public void onRequestEnd(OpCode op, int requestId) {
        requestsRead++;
        open = false;
        BlockKey[] k = keys;
        keys = null;
        switch (op) {
            case PUT_BATCH -> responder.complete(op.code(), startNanos, put.response(ctx.alloc()), null);
            case GET_BATCH -> get(requestId, k);
            case LOOKUP_PREFIX -> lookup(requestId, k);
            default -> throw new IllegalStateException("no body to end for " + op);
        }
    }

    private void get(int requestId, BlockKey[] k) {
        GetBatchResponder get = new GetBatchResponder(node, requestId, namespace, k, startNanos, getStandIn);
        if (get.readFast()) {
            offload(OpCode.GET_BATCH, requestId, get::readSlow, () -> get.respond(responder), get::closeHandles);
        } else {
            get.respond(responder);
        }
    }

    private void lookup(int requestId, BlockKey[] k) {
        LookupResponder lookup = new LookupResponder(node, requestId, k, startNanos);
        if (node.tiers().hasSlowTier()) {
            offload(OpCode.LOOKUP_PREFIX, requestId, lookup::lookup, () -> lookup.respond(responder), () -> { });
        } else {
            lookup.lookup();
            lookup.respond(responder);
        }
    }

    /** Answers a request that waited past its deadline with DEADLINE_EXCEEDED, on the event loop, without running it. */
    private void lateRefused(OpCode op, int requestId, long started, long waitedMs, long deadline, Runnable abandon) {
        abandon.run();
        String why = op + " request " + Integer.toUnsignedString(requestId) + " waited " + waitedMs
            + " ms in node " + node.context().nodeId() + "'s tier queue, over " + ServerContext.REQUEST_DEADLINE_MS_PROP
            + "=" + deadline + ": not executed";
        try {
            ctx.executor().execute(() -> {
                if (--offloaded < node.context().maxInFlightPerConnection()) {
                    gate.resume(ReadGate.TOO_MANY_IN_FLIGHT);
                }
                responder.fail(op.code(), requestId, started, ErrorCode.DEADLINE_EXCEEDED, why);
            });
        } catch (RejectedExecutionException e) {
            node.inFlight().end();
        }
    }

    /**
     * Runs {@code slow} on the tier executor, then {@code respond} on this connection's event loop. A full executor
     * answers BACK_PRESSURE; a closed event loop runs {@code abandon} and ends the request.
     */
    private void offload(OpCode op, int requestId, Runnable slow, Runnable respond, Runnable abandon) {
        long started = startNanos;
        if (++offloaded >= node.context().maxInFlightPerConnection()) {
            gate.pause(ReadGate.TOO_MANY_IN_FLIGHT);
        }
        Runnable back = () -> {
            if (--offloaded < node.context().maxInFlightPerConnection()) {
                gate.resume(ReadGate.TOO_MANY_IN_FLIGHT);
            }
            respond.run();
        };
        long deadline = node.context().requestDeadlineMs();
        try {
            node.tierExecutor().execute(() -> {
                long waitedMs = (System.nanoTime() - started) / 1_000_000;
                if (deadline > 0 && waitedMs > deadline) { // its client has given up on it: answer, do not execute
                    lateRefused(op, requestId, started, waitedMs, deadline, abandon);
                    return;
                }
                try {
                    slow.run();
                } catch (RuntimeException | Error e) {
                    // answered with what was read (misses are safe) rather than never: a lost answer freezes the
                    // connection's in-flight slot and the client waits for its timeout
                    LOG.log(Level.WARNING, op + " request " + Integer.toUnsignedString(requestId) + " on "
                        + ctx.channel() + " failed on the tier executor", e);
                }
                try {
                    ctx.executor().execute(back);
                } catch (RejectedExecutionException e) {
                    abandon.run();
                    node.inFlight().end();
                }
            });
        } catch (RejectedExecutionException e) {
            offloaded--;
            abandon.run();
            responder.fail(op.code(), requestId, started, ErrorCode.BACK_PRESSURE,
                "tier executor full (" + node.context().tierQueueDepth() + " queued); retry later");
        }
    }

    @Override
    public void onPing(int requestId) {
        requestsRead++;
        if (begin(OpCode.PING.code(), requestId)) {
            open = false;
            ByteBuf out = ctx.alloc().directBuffer(16);
            ResponseEncoder.writePong(out, requestId);
            responder.complete(OpCode.PING.code(), startNanos, out, null);
        }
    }

    /**
     * Token mode: the connection names its peer with a signed token, once. A bad token is counted and the
     * connection closed; without security the token is ignored; a node in mtls mode takes certificates only.
     */
    @Override
    public void onAuth(int requestId, byte[] token) {
        int op = OpCode.AUTH.code();
        switch (security.mode()) {
            case NONE -> {
                ByteBuf out = ctx.alloc().directBuffer(16);
                ResponseEncoder.writeAuthOk(out, requestId);
                ctx.writeAndFlush(out);
            }
            case MTLS -> responder.reject(op, requestId, ErrorCode.UNAUTHENTICATED, "node "
                + node.context().nodeId() + " names its peers by their certificates (mtls), not by tokens");
            case TOKEN -> {
                if (ctx.channel().attr(PeerIdentityHandler.IDENTITY).get() != null) {
                    node.metrics().access().refused("second_auth", PeerIdentityHandler.PLANE,
                        ctx.channel().remoteAddress() + " sent a second AUTH");
                    responder.failAndClose(op, requestId, ErrorCode.UNAUTHENTICATED,
                        "a connection authenticates once; open a new one for another identity");
                    return;
                }
                PeerIdentity who;
                try {
                    who = security.tokenIdentity(new String(token, StandardCharsets.UTF_8));
                } catch (IllegalArgumentException e) {
                    node.metrics().access().refused("bad_token", PeerIdentityHandler.PLANE,
                        ctx.channel().remoteAddress() + ": " + e.getMessage());
                    responder.failAndClose(op, requestId, ErrorCode.UNAUTHENTICATED, "token refused: "
                        + e.getMessage());
                    return;
                }
                ctx.channel().attr(PeerIdentityHandler.IDENTITY).set(who);
                ByteBuf out = ctx.alloc().directBuffer(16);
                ResponseEncoder.writeAuthOk(out, requestId);
                ctx.writeAndFlush(out);
            }
            default -> throw new IllegalStateException("unknown security mode " + security.mode());
        }
    }

    @Override
    public void onUnknownOp(int opCode, int requestId) {
        requestsRead++;
        responder.reject(opCode, requestId, ErrorCode.UNKNOWN_OP,
            String.format("unknown op 0x%02x; its body was skipped", opCode));
    }

    @Override
    public void onProtocolError(int requestId, int opCode, ErrorCode code, String message) {
        put.discard();
        if (open) {
            open = false;
            node.inFlight().end();
        }
        responder.failAndClose(opCode, requestId, code, message);
    }
}
