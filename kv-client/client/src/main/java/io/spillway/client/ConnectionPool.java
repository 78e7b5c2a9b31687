package io.spillway.client;

import io.netty.bootstrap.Bootstrap;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelInitializer;
import io.spillway.protocol.ErrorCode;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;

/**
 * A fixed number of connections to one node. {@link #acquire()} picks the usable connection with the fewest
 * requests in flight (writable ones first) and claims a slot on it; closed connections are reopened lazily by the
 * next acquire. When every connection is at its in-flight bound the request fails with {@code BACK_PRESSURE}
 * instead of queueing without bound.
 */
final class ConnectionPool {
    private final Bootstrap bootstrap;
    private final ClientContext context;
    private final ClientTls tls;
    private final Connection[] slots;
    private final ChannelFuture[] connects;
    private boolean closed;

    /** {@code tls}: null for plaintext; with TLS a connection counts as open once its handshake is done. */
    ConnectionPool(Bootstrap bootstrap, ClientContext context, ClientTls tls) {
        this.bootstrap = bootstrap;
        this.context = context;
        this.tls = tls;
        this.slots = new Connection[context.connections()];
        this.connects = new ChannelFuture[context.connections()];
    }

    /** Opens every connection and waits for them (up to the connect timeout). */
    void open() {
        List<ChannelFuture> all = new ArrayList<>();
        synchronized (this) {
            for (int i = 0; i < slots.length; i++) {
                all.add(connect(i));
            }
        }
        for (ChannelFuture f : all) {
            if (!f.awaitUninterruptibly(context.connectTimeout().toMillis() + 1000) || !f.isSuccess()) {
                if (f.cause() instanceof KvClientException refused) { // the node refused the AUTH token
                    throw new KvClientException(refused.code(), "cannot connect to " + address() + ": "
                        + refused.getMessage(), refused);
                }
                throw new KvClientException(ErrorCode.CONNECTION_LOST, "cannot connect to " + address()
                    + (f.cause() == null ? "" : ": " + f.cause()), f.cause());
            }
        }
    }

    /** Starts connecting every slot without waiting; failures show up in later acquires, which reconnect. */
    synchronized void startLazily() {
        for (int i = 0; i < slots.length; i++) {
            connect(i);
        }
    }

    CompletableFuture<Connection> acquire() {
        return acquire(true);
    }

    private CompletableFuture<Connection> acquire(boolean reconnect) {
        ChannelFuture waitFor = null;
        Throwable lastFailure = null;
        synchronized (this) {
            if (closed) {
                return CompletableFuture.failedFuture(new KvClientException(ErrorCode.CONNECTION_LOST,
                    "client to " + address() + " is closed"));
            }
            Connection best = null;
            for (int i = 0; i < slots.length; i++) {
                Connection c = slots[i];
                if (c.isUsable()) {
                    if (best == null || better(c, best)) {
                        best = c;
                    }
                    continue;
                }
                ChannelFuture f = connects[i];
                if (!f.isDone()) {
                    waitFor = f; // still connecting
                    continue;
                }
                if (!f.isSuccess()) {
                    lastFailure = f.cause();
                }
                if (reconnect) {
                    waitFor = connect(i); // closed or failed: reopen lazily
                }
            }
            if (best != null && best.tryReserve()) {
                return CompletableFuture.completedFuture(best);
            }
            for (Connection c : slots) { // the best one filled up between the scan and the claim
                if (c.isUsable() && c.tryReserve()) {
                    return CompletableFuture.completedFuture(c);
                }
            }
            if (best != null && waitFor == null) {
                return CompletableFuture.failedFuture(new KvClientException(ErrorCode.BACK_PRESSURE, "all "
                    + slots.length + " connections to " + address() + " have "
                    + context.maxInFlightPerConnection() + " requests in flight"));
            }
        }
        if (waitFor == null) {
            return CompletableFuture.failedFuture(new KvClientException(ErrorCode.CONNECTION_LOST,
                "no connection to " + address(), lastFailure));
        }
        CompletableFuture<Connection> next = new CompletableFuture<>();
        waitFor.addListener(f -> acquire(false).whenComplete((c, e) -> {
            if (e != null) {
                next.completeExceptionally(e);
            } else {
                next.complete(c);
            }
        }));
        return next;
    }

    private static boolean better(Connection c, Connection best) {
        if (c.isWritable() != best.isWritable()) {
            return c.isWritable();
        }
        return c.inFlight() < best.inFlight();
    }

    private ChannelFuture connect(int i) {
        Connection c = new Connection(context);
        ChannelFuture f;
        if (tls == null) {
            f = bootstrap.clone().handler(c).connect(context.host(), context.dataPort());
        } else {
            f = ClientTls.handshakeDone(bootstrap.clone().handler(new ChannelInitializer<Channel>() {
                @Override
                protected void initChannel(Channel ch) {
                    tls.install(ch, context.host(), context.dataPort());
                    ch.pipeline().addLast(c);
                }
            }).connect(context.host(), context.dataPort()));
            if (tls.usesToken()) {
                f = tls.authenticated(f, c);
            }
        }
        c.bind(f.channel());
        slots[i] = c;
        connects[i] = f;
        return f;
    }

    void close() {
        List<ChannelFuture> closing = new ArrayList<>();
        synchronized (this) {
            closed = true;
            for (Connection c : slots) {
                if (c != null) {
                    closing.add(c.close());
                }
            }
        }
        for (ChannelFuture f : closing) {
            f.awaitUninterruptibly(context.connectTimeout().toMillis());
        }
    }

    private String address() {
        return context.host() + ":" + context.dataPort();
    }
}
