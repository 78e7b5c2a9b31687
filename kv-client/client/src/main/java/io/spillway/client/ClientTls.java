package io.spillway.client;

import io.grpc.ChannelCredentials;
import io.grpc.CompositeChannelCredentials;
import io.grpc.InsecureChannelCredentials;
import io.grpc.TlsChannelCredentials;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelPromise;
import io.netty.handler.ssl.SslContext;
import io.netty.handler.ssl.SslHandler;
import io.spillway.identity.DataPlaneTls;
import io.spillway.identity.TlsFiles;
import io.spillway.identity.TlsMaterial;
import io.spillway.protocol.ErrorCode;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import javax.net.ssl.SSLEngine;
import javax.net.ssl.SSLException;
import javax.net.ssl.SSLParameters;

/**
 * A client's TLS to the nodes, shared by every connection of one {@link KvClient} (a cluster client's members
 * included): the live material from {@link ClientContext#tls()} (re-read when the files change, so a rotated client
 * certificate is presented by the next connection), the data plane's Netty context, and the control plane's gRPC
 * credentials. The node's certificate is checked against the trusted authorities and its host name (or IP address)
 * against the address dialled.
 */
final class ClientTls implements AutoCloseable {
    private final TlsMaterial material;
    private final SslContext dataPlane;
    private final Path tokenFile;

    private ClientTls(TlsMaterial material, SslContext dataPlane, Path tokenFile) {
        this.material = material;
        this.dataPlane = dataPlane;
        this.tokenFile = tokenFile;
    }

    /** The TLS of {@code context}, or null for plaintext. */
    static ClientTls open(ClientContext context) {
        if (context.tls().isEmpty()) {
            return null;
        }
        TlsFiles files = context.tls().get();
        TlsMaterial material = TlsMaterial.open("client TLS", files);
        try {
            return new ClientTls(material, DataPlaneTls.client(material), context.tokenFile().orElse(null));
        } catch (SSLException | RuntimeException e) {
            material.close();
            throw new IllegalArgumentException("client TLS: cannot use " + files + ": " + e.getMessage(), e);
        }
    }

    /** Puts TLS first in a new data-plane connection to {@code host:port}. */
    void install(Channel ch, String host, int port) {
        SslHandler tls = dataPlane.newHandler(ch.alloc(), host, port);
        SSLEngine engine = tls.engine();
        SSLParameters params = engine.getSSLParameters();
        params.setEndpointIdentificationAlgorithm("HTTPS");
        engine.setSSLParameters(params);
        ch.pipeline().addFirst("tls", tls);
    }

    /**
     * A future that completes when {@code connect} has connected and the TLS handshake is done, or fails with the
     * handshake's error (an untrusted node, a node that refused this client's certificate).
     */
    static ChannelFuture handshakeDone(ChannelFuture connect) {
        ChannelPromise done = connect.channel().newPromise();
        connect.addListener(c -> {
            if (!c.isSuccess()) {
                done.tryFailure(c.cause());
                return;
            }
            SslHandler tls = connect.channel().pipeline().get(SslHandler.class);
            if (tls == null) {
                done.trySuccess();
                return;
            }
            tls.handshakeFuture().addListener(h -> {
                if (h.isSuccess()) {
                    done.trySuccess();
                } else {
                    done.tryFailure(h.cause());
                }
            });
        });
        return done;
    }

    /** Whether connections prove their identity with a token (an AUTH frame, a bearer header). */
    boolean usesToken() {
        return tokenFile != null;
    }

    /** The token, read from its file now (a renewed token is used by the next connection or call). */
    byte[] token() {
        try {
            String t = Files.readString(tokenFile, StandardCharsets.UTF_8).strip();
            if (t.isEmpty()) {
                throw new KvClientException(ErrorCode.UNAUTHENTICATED, "token file " + tokenFile + " is empty");
            }
            return t.getBytes(StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new KvClientException(ErrorCode.UNAUTHENTICATED, "cannot read the token file " + tokenFile + ": "
                + e.getMessage(), e);
        }
    }

    /**
     * A future that completes once {@code ready} (connected, handshake done) is followed by an accepted AUTH on
     * {@code c}; until then the connection takes no request. A refused token fails it with the node's message.
     */
    ChannelFuture authenticated(ChannelFuture ready, Connection c) {
        c.awaitAuthentication();
        ChannelPromise done = ready.channel().newPromise();
        ready.addListener(r -> {
            if (!r.isSuccess()) {
                done.tryFailure(r.cause());
                return;
            }
            AuthRequest auth;
            try {
                auth = new AuthRequest(token());
            } catch (KvClientException e) {
                done.tryFailure(e);
                ready.channel().close();
                return;
            }
            c.sendAuth(auth);
            auth.future.whenComplete((ok, e) -> {
                if (e == null) {
                    c.authenticated();
                    done.trySuccess();
                } else {
                    done.tryFailure(e);
                    ready.channel().close();
                }
            });
        });
        return done;
    }

    /** The control plane's credentials: TLS with this client's certificate (if it has one), and its token. */
    ChannelCredentials grpcCredentials() {
        TlsChannelCredentials.Builder b = TlsChannelCredentials.newBuilder().trustManager(material.trustManager());
        if (material.keyManager() != null) {
            b.keyManager(material.keyManager());
        }
        ChannelCredentials tls = b.build();
        return tokenFile == null ? tls : CompositeChannelCredentials.create(tls, new BearerToken(this::token));
    }

    /** Plaintext credentials for a client without TLS. */
    static ChannelCredentials grpcCredentials(ClientTls tls) {
        return tls == null ? InsecureChannelCredentials.create() : tls.grpcCredentials();
    }

    @Override
    public void close() {
        material.close();
    }
}
