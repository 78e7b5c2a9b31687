package io.spillway.client;

import io.netty.bootstrap.ServerBootstrap;
import io.netty.buffer.ByteBuf;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.nio.NioIoHandler;
import io.netty.channel.socket.SocketChannel;
import io.netty.channel.socket.nio.NioServerSocketChannel;
import io.spillway.key.BlockKey;
import io.spillway.protocol.Crc32c;
import io.spillway.protocol.ErrorCode;
import io.spillway.protocol.OpCode;
import io.spillway.protocol.ProtocolLimits;
import io.spillway.protocol.RequestDecoder;
import io.spillway.protocol.RequestListener;
import io.spillway.protocol.ResponseEncoder;
import io.spillway.tier.TierKind;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A tiny data-plane server speaking docs/protocol.md with the real codec, blocks kept in a map (all in the CPU
 * tier). Faults can be switched on: stay silent, corrupt the next GET's bytes, close mid-way through the next GET
 * response. Reusable by other modules' tests (test-jar).
 */
public final class FakeKvServer implements AutoCloseable {
    public final Set<BlockKey> namespaces = ConcurrentHashMap.newKeySet();
    public final Map<BlockKey, byte[]> blocks = new ConcurrentHashMap<>();
    public final AtomicInteger connectionsAccepted = new AtomicInteger();
    public volatile boolean silent;
    public volatile boolean corruptNextGet;
    public volatile boolean closeMidNextGet;
    private final EventLoopGroup group = new MultiThreadIoEventLoopGroup(1, NioIoHandler.newFactory());
    private final Channel server;

    public FakeKvServer() {
        server = new ServerBootstrap().group(group).channel(NioServerSocketChannel.class)
            .childHandler(new ChannelInitializer<SocketChannel>() {
                @Override
                protected void initChannel(SocketChannel ch) {
                    connectionsAccepted.incrementAndGet();
                    ch.pipeline().addLast(new Handler());
                }
            }).bind("127.0.0.1", 0).syncUninterruptibly().channel();
    }

    public int port() {
        return ((InetSocketAddress) server.localAddress()).getPort();
    }

    @Override
    public void close() {
        server.close().syncUninterruptibly();
        group.shutdownGracefully(0, 1, TimeUnit.SECONDS).syncUninterruptibly();
    }

    private final class Handler extends ChannelInboundHandlerAdapter implements RequestListener {
        private final RequestDecoder decoder = new RequestDecoder(ProtocolLimits.DEFAULTS, this);
        private ChannelHandlerContext ctx;
        private final List<BlockKey> keys = new ArrayList<>();
        private ErrorCode[] statuses;
        private BlockKey blockKey;
        private byte[] block;
        private int filled;

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
        public void channelWritabilityChanged(ChannelHandlerContext ctx) {
            ctx.channel().config().setAutoRead(ctx.channel().isWritable());
        }

        private boolean known(int requestId, int op, BlockKey namespace) {
            if (namespaces.contains(namespace)) {
                return true;
            }
            ByteBuf out = ctx.alloc().buffer();
            ResponseEncoder.writeError(out, op, requestId, ErrorCode.UNKNOWN_NAMESPACE,
                "namespace " + namespace + " is not registered");
            ctx.write(out);
            return false;
        }

        @Override
        public boolean onPutStart(int requestId, BlockKey namespace, int count) {
            statuses = new ErrorCode[count];
            return known(requestId, OpCode.PUT_BATCH.code(), namespace);
        }

        @Override
        public void onPutBlock(int index, BlockKey key, int length, int crc32c) {
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
            statuses[index] = verdict;
            if (verdict == ErrorCode.OK) {
                blocks.put(blockKey, block);
            }
        }

        @Override
        public boolean onKeysStart(OpCode op, int requestId, BlockKey namespace, int count) {
            keys.clear();
            return known(requestId, op.code(), namespace);
        }

        @Override
        public void onKey(int index, BlockKey key) {
            keys.add(key);
        }

        @Override
        public void onRequestEnd(OpCode op, int requestId) {
            if (silent) {
                return;
            }
            switch (op) {
                case PUT_BATCH -> {
                    ByteBuf out = ctx.alloc().buffer();
                    ResponseEncoder.writePutBatch(out, requestId, statuses, statuses.length);
                    ctx.write(out);
                }
                case GET_BATCH -> answerGet(requestId);
                default -> answerLookup(requestId);
            }
        }

        private void answerGet(int requestId) {
            long total = 0;
            for (BlockKey k : keys) {
                byte[] b = blocks.get(k);
                total += b == null ? 0 : b.length;
            }
            ByteBuf out = ctx.alloc().buffer();
            ResponseEncoder.writeGetBatchStart(out, requestId, keys.size(), total);
            boolean corrupt = corruptNextGet;
            corruptNextGet = false;
            for (BlockKey k : keys) {
                byte[] b = blocks.get(k);
                if (b == null) {
                    ResponseEncoder.writeGetMiss(out, ErrorCode.NOT_FOUND);
                    continue;
                }
                ResponseEncoder.writeGetEntryHeader(out, TierKind.CPU, b.length, Crc32c.of(ByteBuffer.wrap(b)));
                if (corrupt && b.length > 0) {
                    byte[] bad = b.clone();
                    bad[bad.length / 2] ^= 0x5A;
                    out.writeBytes(bad);
                    corrupt = false;
                } else {
                    out.writeBytes(b);
                }
            }
            if (closeMidNextGet) {
                closeMidNextGet = false;
                ByteBuf half = out.readRetainedSlice(out.readableBytes() / 2);
                out.release();
                ctx.writeAndFlush(half).addListener(f -> ctx.close());
                return;
            }
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
            if (!silent) {
                ByteBuf out = ctx.alloc().buffer();
                ResponseEncoder.writePong(out, requestId);
                ctx.write(out);
            }
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
