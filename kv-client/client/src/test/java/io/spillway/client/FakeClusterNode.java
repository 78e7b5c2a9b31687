package io.spillway.client;

import com.google.protobuf.ByteString;
import io.grpc.Server;
import io.grpc.ServerBuilder;
import io.grpc.Status;
import io.grpc.stub.StreamObserver;
import io.netty.bootstrap.ServerBootstrap;
import io.netty.buffer.ByteBuf;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.group.ChannelGroup;
import io.netty.channel.group.DefaultChannelGroup;
import io.netty.util.concurrent.GlobalEventExecutor;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.nio.NioIoHandler;
import io.netty.channel.socket.SocketChannel;
import io.netty.channel.socket.nio.NioServerSocketChannel;
import io.spillway.cluster.NodeInfo;
import io.spillway.cluster.PartitionMap;
import io.spillway.cluster.PartitionMaps;
import io.spillway.control.v1.ControlGrpc;
import io.spillway.control.v1.NamespaceSpec;
import io.spillway.control.v1.PartitionMapReply;
import io.spillway.control.v1.PartitionMapRequest;
import io.spillway.control.v1.RegisterNamespaceReply;
import io.spillway.control.v1.RegisterNamespaceRequest;
import io.spillway.key.BlockKey;
import io.spillway.key.Namespace;
import io.spillway.protocol.Crc32c;
import io.spillway.protocol.ErrorCode;
import io.spillway.protocol.FrameHeader;
import io.spillway.protocol.OpCode;
import io.spillway.protocol.ProtocolLimits;
import io.spillway.protocol.RequestDecoder;
import io.spillway.protocol.RequestListener;
import io.spillway.protocol.ResponseEncoder;
import io.spillway.tier.TierKind;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Function;

/**
 * One node of a fake cluster (test-jar helper): a data plane speaking docs/protocol.md with the real codec that
 * stores blocks in a map and enforces ownership from ITS OWN {@link PartitionMap} — a block or key it does not own
 * is answered {@code NOT_OWNER}, and every PUT_BATCH / GET_BATCH response carries the map's version in the
 * topology trailer — plus a gRPC control plane on port 0 serving {@code PartitionMap} and
 * {@code RegisterNamespace}. It records every key it was sent, so tests can check routing.
 */
public final class FakeClusterNode implements AutoCloseable {
    /** Called on RegisterNamespace with the namespace id and the requested replication (0 = default). */
    public interface Registrar {
        void register(BlockKey namespaceId, int replication);
    }

    public final String id;
    public final Set<BlockKey> namespaces = ConcurrentHashMap.newKeySet();
    public final Map<BlockKey, byte[]> blocks = new ConcurrentHashMap<>();
    /** Every key this node was sent in a PUT_BATCH or GET_BATCH. */
    public final Set<BlockKey> received = ConcurrentHashMap.newKeySet();
    public final AtomicInteger notOwnerAnswers = new AtomicInteger();
    public final AtomicInteger putRequests = new AtomicInteger();
    public final AtomicInteger getRequests = new AtomicInteger();
    public final AtomicInteger mapRequests = new AtomicInteger();
    /** When set, answers every owned put block with the status it returns for the block's key (null = store). */
    public volatile Function<BlockKey, ErrorCode> putFault;
    public volatile PartitionMap map;
    /** A hung node: reads requests, never answers PUT_BATCH or GET_BATCH (its connections stay open). */
    public volatile boolean silent;
    public volatile Registrar registrar;
    /** The data port the map advertises for this node (0: its own), e.g. a {@link DelayingProxy} in front of it. */
    public volatile int advertisedDataPort;
    /** Keys this node took as a stand-in (a PUT_BATCH with the stand-in flag for a key it does not own). */
    public final Set<BlockKey> standInKeys = ConcurrentHashMap.newKeySet();
    private final EventLoopGroup group = new MultiThreadIoEventLoopGroup(1, NioIoHandler.newFactory());
    private final Channel server;
    private final ChannelGroup accepted = new DefaultChannelGroup(GlobalEventExecutor.INSTANCE);
    private final Server control;
    private volatile boolean closed;

    public FakeClusterNode(String id) {
        this.id = id;
        server = new ServerBootstrap().group(group).channel(NioServerSocketChannel.class)
            .childHandler(new ChannelInitializer<SocketChannel>() {
                @Override
                protected void initChannel(SocketChannel ch) {
                    accepted.add(ch);
                    ch.pipeline().addLast(new Handler());
                }
            }).bind("127.0.0.1", 0).syncUninterruptibly().channel();
        try {
            control = ServerBuilder.forPort(0).addService(new ControlService()).build().start();
        } catch (IOException e) {
            server.close();
            group.shutdownGracefully();
            throw new UncheckedIOException(e);
        }
    }

    public int dataPort() {
        return ((InetSocketAddress) server.localAddress()).getPort();
    }

    public int controlPort() {
        return control.getPort();
    }

    public NodeInfo info() {
        int advertised = advertisedDataPort;
        return new NodeInfo(id, "zone-" + id, "127.0.0.1", advertised == 0 ? dataPort() : advertised, controlPort(), 1);
    }

    /** {@code host:port} of the control plane, for {@code spillway.client.seeds}. */
    public String seed() {
        return "127.0.0.1:" + controlPort();
    }

    public boolean isClosed() {
        return closed;
    }

    private boolean owns(BlockKey namespace, BlockKey key) {
        PartitionMap m = map;
        return m != null && m.owns(id, namespace, key);
    }

    /** What the real node does: owned keys always; a key it stands in for only on a stand-in request. */
    private boolean accepts(BlockKey namespace, BlockKey key, boolean standIn) {
        PartitionMap m = map;
        return owns(namespace, key) || standIn && m != null && m.standsIn(id, namespace, key);
    }

    private long version() {
        PartitionMap m = map;
        return m == null ? 0 : m.topologyVersion();
    }

    /** Stops both planes: later connections are refused. */
    @Override
    public void close() {
        if (closed) {
            return;
        }
        closed = true;
        control.shutdownNow();
        server.close().syncUninterruptibly();
        accepted.close().awaitUninterruptibly(); // like a killed process: peers see their connections close
        group.shutdownGracefully(0, 1, TimeUnit.SECONDS).syncUninterruptibly();
        try {
            control.awaitTermination(100, TimeUnit.MILLISECONDS); // the listener is closed already
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    @Override
    public String toString() {
        return "FakeClusterNode{" + id + ", data " + dataPort() + ", control " + controlPort() + "}";
    }

    private final class ControlService extends ControlGrpc.ControlImplBase {
        @Override
        public void partitionMap(PartitionMapRequest request, StreamObserver<PartitionMapReply> reply) {
            mapRequests.incrementAndGet();
            PartitionMap m = map;
            if (m == null) {
                reply.onError(Status.UNAVAILABLE.withDescription(id + " has no map yet").asRuntimeException());
                return;
            }
            reply.onNext(PartitionMaps.toProto(m));
            reply.onCompleted();
        }

        @Override
        public void registerNamespace(RegisterNamespaceRequest request, StreamObserver<RegisterNamespaceReply> reply) {
            NamespaceSpec s = request.getNamespace();
            BlockKey nsId = Namespace.builder().tenant(s.getTenant()).modelId(s.getModelId())
                .loraAdapter(s.getLoraAdapter()).dtype(s.getDtype()).blockSizeTokens(s.getBlockSizeTokens())
                .layers(s.getLayers()).kvHeads(s.getKvHeads()).headDim(s.getHeadDim()).tpSize(s.getTpSize())
                .tpRank(s.getTpRank()).layout(s.getLayout()).build().id();
            Registrar r = registrar;
            if (r != null) {
                r.register(nsId, request.getReplication());
            } else {
                namespaces.add(nsId);
            }
            reply.onNext(RegisterNamespaceReply.newBuilder().setNamespaceId(ByteString.copyFrom(nsId.toBytes())).build());
            reply.onCompleted();
        }
    }

    private final class Handler extends ChannelInboundHandlerAdapter implements RequestListener {
        private final RequestDecoder decoder = new RequestDecoder(ProtocolLimits.DEFAULTS, this);
        private final List<BlockKey> keys = new ArrayList<>();
        private ChannelHandlerContext ctx;
        private BlockKey namespace;
        private ErrorCode[] statuses;
        private BlockKey blockKey;
        private byte[] block;
        private int filled;
        private boolean standIn;

        @Override
        public void channelActive(ChannelHandlerContext ctx) {
            this.ctx = ctx;
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
        public void channelReadComplete(ChannelHandlerContext ctx) {
            ctx.flush();
        }

        @Override
        public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
            ctx.close(); // a client that reset its connection
        }

        private boolean known(int requestId, int op, BlockKey ns) {
            if (namespaces.contains(ns)) {
                namespace = ns;
                return true;
            }
            ByteBuf out = ctx.alloc().buffer();
            ResponseEncoder.writeError(out, op, requestId, ErrorCode.UNKNOWN_NAMESPACE,
                "namespace " + ns + " is not registered on " + id);
            ctx.write(out);
            return false;
        }

        @Override
        public void onRequestFlags(int requestId, int flags) {
            standIn = (flags & FrameHeader.FLAG_STAND_IN) != 0;
        }

        @Override
        public boolean onPutStart(int requestId, BlockKey ns, int count) {
            putRequests.incrementAndGet();
            statuses = new ErrorCode[count];
            return known(requestId, OpCode.PUT_BATCH.code(), ns);
        }

        @Override
        public void onPutBlock(int index, BlockKey key, int length, int crc32c) {
            received.add(key);
            blockKey = key;
            block = new byte[length];
            filled = 0;
        }

        @Override
        public void onPutBytes(ByteBuf buffer, int index, int length) {
            buffer.getBytes(index, block, filled, length);
            filled += length;
        }

        @Override
        public void onPutBlockEnd(int index, ErrorCode verdict) {
            if (verdict == ErrorCode.OK && !accepts(namespace, blockKey, standIn)) {
                notOwnerAnswers.incrementAndGet();
                verdict = ErrorCode.NOT_OWNER;
            } else if (verdict == ErrorCode.OK && !owns(namespace, blockKey)) {
                standInKeys.add(blockKey);
            }
            Function<BlockKey, ErrorCode> fault = putFault;
            ErrorCode injected = fault == null || verdict != ErrorCode.OK ? null : fault.apply(blockKey);
            if (injected != null) {
                verdict = injected;
            }
            statuses[index] = verdict;
            if (verdict == ErrorCode.OK) {
                blocks.putIfAbsent(blockKey, block);
            }
        }

        @Override
        public boolean onKeysStart(OpCode op, int requestId, BlockKey ns, int count) {
            keys.clear();
            if (op == OpCode.GET_BATCH) {
                getRequests.incrementAndGet();
            }
            return known(requestId, op.code(), ns);
        }

        @Override
        public void onKey(int index, BlockKey key) {
            keys.add(key);
        }

        @Override
        public void onRequestEnd(OpCode op, int requestId) {
            boolean wasStandIn = standIn;
            standIn = false;
            if (silent && op != OpCode.LOOKUP_PREFIX) {
                return;
            }
            switch (op) {
                case PUT_BATCH -> {
                    ByteBuf out = ctx.alloc().buffer();
                    ResponseEncoder.writePutBatch(out, requestId, statuses, statuses.length, version());
                    ctx.write(out);
                }
                case GET_BATCH -> answerGet(requestId, wasStandIn);
                default -> answerLookup(requestId);
            }
        }

        private void answerGet(int requestId, boolean asStandIn) {
            received.addAll(keys);
            long version = version();
            byte[][] hits = new byte[keys.size()][];
            boolean[] foreign = new boolean[keys.size()];
            long total = 0;
            for (int i = 0; i < hits.length; i++) {
                foreign[i] = !accepts(namespace, keys.get(i), asStandIn);
                hits[i] = foreign[i] ? null : blocks.get(keys.get(i));
                total += hits[i] == null ? 0 : hits[i].length;
            }
            ByteBuf out = ctx.alloc().buffer();
            ResponseEncoder.writeGetBatchStart(out, requestId, hits.length, total, version);
            for (int i = 0; i < hits.length; i++) {
                if (foreign[i]) {
                    notOwnerAnswers.incrementAndGet();
                    ResponseEncoder.writeGetMiss(out, ErrorCode.NOT_OWNER);
                } else if (hits[i] == null) {
                    ResponseEncoder.writeGetMiss(out, ErrorCode.NOT_FOUND);
                } else {
                    ResponseEncoder.writeGetEntryHeader(out, TierKind.CPU, hits[i].length,
                        Crc32c.of(ByteBuffer.wrap(hits[i])));
                    out.writeBytes(hits[i]);
                }
            }
            ResponseEncoder.writeTopologyTrailer(out, version);
            ctx.write(out);
        }

        private void answerLookup(int requestId) {
            int prefix = 0;
            while (prefix < keys.size() && blocks.containsKey(keys.get(prefix))) {
                prefix++;
            }
            ByteBuf out = ctx.alloc().buffer();
            ResponseEncoder.writeLookupPrefix(out, requestId, prefix, new TierKind[] {TierKind.CPU},
                new int[] {prefix}, new int[] {prefix}, 1);
            ctx.write(out);
        }

        @Override
        public void onPing(int requestId) {
            ByteBuf out = ctx.alloc().buffer();
            ResponseEncoder.writePong(out, requestId);
            ctx.write(out);
        }

        @Override
        public void onUnknownOp(int opCode, int requestId) {
            ByteBuf out = ctx.alloc().buffer();
            ResponseEncoder.writeError(out, opCode, requestId, ErrorCode.UNKNOWN_OP, "unknown op " + opCode);
            ctx.write(out);
        }

        @Override
        public void onProtocolError(int requestId, int opCode, ErrorCode code, String message) {
            ByteBuf out = ctx.alloc().buffer();
            ResponseEncoder.writeError(out, opCode, requestId, code, message);
            ctx.writeAndFlush(out).addListener(f -> ctx.close());
        }
    }
}
