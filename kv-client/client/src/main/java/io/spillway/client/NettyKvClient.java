package io.spillway.client;

import io.netty.bootstrap.Bootstrap;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.IoHandlerFactory;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.epoll.Epoll;
import io.netty.channel.epoll.EpollIoHandler;
import io.netty.channel.epoll.EpollSocketChannel;
import io.netty.channel.nio.NioIoHandler;
import io.netty.channel.socket.nio.NioSocketChannel;
import io.spillway.key.BlockKey;
import io.spillway.key.Namespace;
import io.spillway.protocol.BodyLayout;
import io.spillway.protocol.BulkReads;
import io.spillway.protocol.ErrorCode;
import java.nio.ByteBuffer;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

/**
 * The Netty implementation of {@link KvClient}: a {@link ConnectionPool} on the data plane (epoll when available)
 * and a {@link ControlPlane} for namespaces. Futures complete on a Netty event loop: do not block in their
 * callbacks. Outcome choices: a block whose CRC32C fails is {@code CHECKSUM_MISMATCH} in the {@link GetResult}
 * (the request succeeds); a block that does not fit its destination is {@code BUFFER_TOO_SMALL} with its length.
 */
final class NettyKvClient implements KvClient {
    private final ClientContext context;
    private final EventLoopGroup group;
    private final ConnectionPool pool;
    private final ControlPlane control;
    private final ClientTls ownTls;

    private final boolean ownsGroup;

    private NettyKvClient(ClientContext context, ClientTls tls) {
        this(context, newGroup(context), true, new ControlPlane(context, tls), tls, tls);
    }

    /**
     * A client on a shared event-loop group (not closed with the client) and an optional control plane; the
     * connections open lazily, on the first request ({@link ClusterKvClient} keeps one per member).
     */
    NettyKvClient(ClientContext context, EventLoopGroup group, boolean ownsGroup, ControlPlane control,
                  ClientTls tls) {
        this(context, group, ownsGroup, control, tls, null);
    }

    /** {@code ownTls}: the TLS this client closes with itself (null when it shares its owner's). */
    private NettyKvClient(ClientContext context, EventLoopGroup group, boolean ownsGroup, ControlPlane control,
                          ClientTls tls, ClientTls ownTls) {
        this.context = context;
        this.ownTls = ownTls;
        this.group = group;
        this.ownsGroup = ownsGroup;
        boolean epoll = epoll(context);
        Bootstrap bootstrap = new Bootstrap().group(group)
            .channel(epoll ? EpollSocketChannel.class : NioSocketChannel.class)
            .option(ChannelOption.TCP_NODELAY, true)
            .option(ChannelOption.RECVBUF_ALLOCATOR, BulkReads.allocator())
            .option(ChannelOption.CONNECT_TIMEOUT_MILLIS, (int) context.connectTimeout().toMillis());
        this.pool = new ConnectionPool(bootstrap, context, tls);
        this.control = control;
        if (!ownsGroup) {
            pool.startLazily();
        }
    }

    private static boolean epoll(ClientContext context) {
        return context.useEpoll() && Epoll.isAvailable();
    }

    /** The event-loop group a client with these settings runs on (epoll when available). */
    static EventLoopGroup newGroup(ClientContext context) {
        IoHandlerFactory io = epoll(context) ? EpollIoHandler.newFactory() : NioIoHandler.newFactory();
        return new MultiThreadIoEventLoopGroup(context.eventLoopThreads(), io);
    }

    static KvClient connect(ClientContext context) {
        ClientTls tls = ClientTls.open(context);
        NettyKvClient client;
        try {
            client = new NettyKvClient(context, tls);
        } catch (RuntimeException e) {
            if (tls != null) {
                tls.close();
            }
            throw e;
        }
        try {
            client.pool.open();
        } catch (RuntimeException e) {
            client.close();
            throw e;
        }
        return client;
    }

    @Override
    public CompletableFuture<BlockKey> registerNamespace(Namespace namespace) {
        if (control == null) {
            throw new UnsupportedOperationException("this client has no control plane");
        }
        return control.registerNamespace(namespace);
    }

    @Override
    public CompletableFuture<BlockKey> registerNamespace(Namespace namespace, int replication) {
        if (control == null) {
            throw new UnsupportedOperationException("this client has no control plane");
        }
        return control.registerNamespace(namespace, replication);
    }

    @Override
    public CompletableFuture<PutResult> put(BlockKey namespace, BlockKey[] keys, ByteBuffer[] blocks) {
        KvClientException bad = checkPut(context, keys, blocks);
        if (bad != null) {
            return CompletableFuture.failedFuture(bad);
        }
        return submit(new PutRequest(namespace, keys, blocks));
    }

    /**
     * Checks a put batch against the limits: throws {@link IllegalArgumentException} for a malformed call, returns
     * the failure for a batch the server would refuse, null when it is fine.
     */
    static KvClientException checkPut(ClientContext context, BlockKey[] keys, ByteBuffer[] blocks) {
        checkBatch(context, keys, blocks, "blocks");
        long total = 0;
        for (int i = 0; i < blocks.length; i++) {
            if (blocks[i].remaining() > context.limits().maxBlockBytes()) {
                return new KvClientException(ErrorCode.BLOCK_TOO_LARGE, "block " + i + " has "
                    + blocks[i].remaining() + " bytes, over maxBlockBytes=" + context.limits().maxBlockBytes());
            }
            total += blocks[i].remaining();
        }
        long body = BodyLayout.putBatchRequestBodyLength(keys.length, total);
        if (body > context.limits().maxFrameBytes()) {
            return new KvClientException(ErrorCode.FRAME_TOO_LARGE, "batch body of " + body
                + " bytes over maxFrameBytes=" + context.limits().maxFrameBytes() + ": split it");
        }
        return null;
    }

    /** Checks a get batch; throws {@link IllegalArgumentException} for a malformed call. */
    static void checkGet(ClientContext context, BlockKey[] keys, ByteBuffer[] destinations) {
        checkBatch(context, keys, destinations, "destinations");
        for (int i = 0; i < destinations.length; i++) {
            if (destinations[i].isReadOnly()) {
                throw new IllegalArgumentException("destinations[" + i + "] is read-only");
            }
        }
    }

    /** A put of blocks whose CRC32Cs are already known (a subset of a checked batch). */
    CompletableFuture<PutResult> put(BlockKey namespace, BlockKey[] keys, ByteBuffer[] blocks, int[] crcs) {
        return submit(new PutRequest(namespace, keys, blocks, crcs));
    }

    /**
     * A put of checked blocks with its own reply timeout ({@code timeoutNanos}, 0: {@code requestTimeoutMs}) and
     * header {@code flags} (cluster mode: a quick timeout for a possibly slow owner, the stand-in flag).
     */
    CompletableFuture<PutResult> put(BlockKey namespace, BlockKey[] keys, ByteBuffer[] blocks, int[] crcs,
                                     int flags, long timeoutNanos) {
        PutRequest request = new PutRequest(namespace, keys, blocks, crcs);
        request.flags = flags;
        request.timeoutNanos = timeoutNanos;
        return submit(request);
    }

    /** A get of a subset of a checked batch with its own reply timeout and header flags (see the put above). */
    CompletableFuture<GetResult> getChecked(BlockKey namespace, BlockKey[] keys, ByteBuffer[] destinations,
                                            int flags, long timeoutNanos) {
        GetRequest request = new GetRequest(namespace, keys, destinations);
        request.flags = flags;
        request.timeoutNanos = timeoutNanos;
        return submit(request);
    }

    /** A ping that fails with {@code TIMEOUT} unless answered within {@code timeoutNanos}. */
    CompletableFuture<Void> ping(long timeoutNanos) {
        PingRequest request = new PingRequest();
        request.timeoutNanos = timeoutNanos;
        return submit(request);
    }

    /** A get of a subset of a checked batch. */
    CompletableFuture<GetResult> getChecked(BlockKey namespace, BlockKey[] keys, ByteBuffer[] destinations) {
        return submit(new GetRequest(namespace, keys, destinations));
    }

    @Override
    public CompletableFuture<GetResult> get(BlockKey namespace, BlockKey[] keys, ByteBuffer[] destinations) {
        checkGet(context, keys, destinations);
        return submit(new GetRequest(namespace, keys, destinations));
    }

    @Override
    public boolean movesRegions() {
        return true;
    }

    @Override
    public CompletableFuture<PutResult> putGathered(BlockKey namespace, BlockKey[] keys, ByteBuffer[][] regions) {
        checkBatch(context, keys, regions, "blocks");
        int[] lengths = GatheredPutRequest.lengthsOf(regions, context.limits().maxBlockBytes());
        long total = 0;
        for (int i = 0; i < lengths.length; i++) {
            if (lengths[i] < 0) {
                return CompletableFuture.failedFuture(new KvClientException(ErrorCode.BLOCK_TOO_LARGE, "block " + i
                    + "'s regions are over maxBlockBytes=" + context.limits().maxBlockBytes()));
            }
            total += lengths[i];
        }
        long body = BodyLayout.putBatchRequestBodyLength(keys.length, total);
        if (body > context.limits().maxFrameBytes()) {
            return CompletableFuture.failedFuture(new KvClientException(ErrorCode.FRAME_TOO_LARGE, "batch body of "
                + body + " bytes over maxFrameBytes=" + context.limits().maxFrameBytes() + ": split it"));
        }
        return submit(new GatheredPutRequest(namespace, keys, regions, lengths));
    }

    @Override
    public CompletableFuture<GetResult> getScattered(BlockKey namespace, BlockKey[] keys, ByteBuffer[][] regions) {
        checkBatch(context, keys, regions, "blocks");
        ScatteredGetRequest.check(regions);
        return submit(new ScatteredGetRequest(namespace, keys, regions));
    }

    @Override
    public CompletableFuture<PrefixLookup> lookupPrefix(BlockKey namespace, BlockKey[] keys) {
        checkBatch(context, keys, null, null);
        return submit(new LookupRequest(namespace, keys));
    }

    @Override
    public CompletableFuture<Void> ping() {
        return submit(new PingRequest());
    }

    private <T> CompletableFuture<T> submit(PendingRequest<T> request) {
        return pool.acquire().thenCompose(connection -> {
            connection.send(request);
            return request.future;
        });
    }

    static void checkBatch(ClientContext context, BlockKey[] keys, Object[] buffers, String what) {
        int max = context.limits().maxBlocksPerRequest();
        if (keys.length == 0 || keys.length > max) {
            throw new IllegalArgumentException("a batch holds 1 to " + max + " keys, got " + keys.length);
        }
        if (buffers != null && buffers.length != keys.length) {
            throw new IllegalArgumentException(keys.length + " keys but " + buffers.length + " " + what);
        }
    }

    @Override
    public void close() {
        pool.close();
        if (control != null) {
            control.close();
        }
        if (ownsGroup) {
            group.shutdownGracefully(0, 1, TimeUnit.SECONDS).awaitUninterruptibly(5, TimeUnit.SECONDS);
        }
        if (ownTls != null) {
            ownTls.close();
        }
    }

    @Override
    public String toString() {
        return "NettyKvClient{" + context + "}";
    }
}
