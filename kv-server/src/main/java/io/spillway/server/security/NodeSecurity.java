package io.spillway.server.security;

import io.grpc.ChannelCredentials;
import io.grpc.InsecureChannelCredentials;
import io.grpc.InsecureServerCredentials;
import io.grpc.ServerCredentials;
import io.grpc.ServerInterceptor;
import io.grpc.TlsChannelCredentials;
import io.grpc.TlsServerCredentials;
import io.netty.channel.socket.SocketChannel;
import io.netty.handler.ssl.SslContext;
import io.netty.handler.ssl.SslProvider;
import io.spillway.identity.CertificateIdentity;
import io.spillway.identity.DataPlaneTls;
import io.spillway.identity.PeerIdentity;
import io.spillway.identity.TlsFiles;
import io.spillway.identity.TlsMaterial;
import java.lang.System.Logger;
import java.lang.System.Logger.Level;
import java.security.cert.Certificate;
import java.security.cert.X509Certificate;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import javax.net.ssl.SSLException;
import javax.net.ssl.SSLPeerUnverifiedException;

/**
 * A node's security at run time, built from its {@link SecurityContext}: the TLS material (re-read when the files
 * change), the data plane's {@link SslContext} and the handlers each connection gets ({@link #install}), the control
 * plane's credentials and gate ({@link #grpcCredentials()}, {@link #grpcInterceptor()}), and the token key in token
 * mode. With {@code mode=none} it installs nothing but the {@link PeerIdentity#UNAUTHENTICATED} identity, and
 * {@link #open} logs the one warning that the node runs without authentication.
 */
public final class NodeSecurity implements AutoCloseable {
    private static final Logger LOG = System.getLogger(NodeSecurity.class.getName());

    private final SecurityContext context;
    private final AccessDenials denials;
    private final CertificateIdentity names;
    private final TlsMaterial tls;
    private final SslContext dataPlaneTls;
    private final TokenVerifier tokens;
    private final ScheduledExecutorService tokenRefresh;
    private final MemberSslContexts memberTls;

    private NodeSecurity(SecurityContext context, AccessDenials denials, TlsMaterial tls, SslContext dataPlaneTls,
                         TokenVerifier tokens, ScheduledExecutorService tokenRefresh) {
        this.context = context;
        this.denials = denials;
        this.names = new CertificateIdentity(context.trustDomain());
        this.tls = tls;
        this.dataPlaneTls = dataPlaneTls;
        this.tokens = tokens;
        this.tokenRefresh = tokenRefresh;
        this.memberTls = context.mode() == SecurityMode.MTLS ? new MemberSslContexts(tls, names) : null;
    }

    /** Reads the node's certificate, key, trust and token key files (an error names the bad one). */
    public static NodeSecurity open(SecurityContext context, AccessDenials denials, String nodeId) {
        if (context.mode() == SecurityMode.NONE) {
            LOG.log(Level.WARNING, "node " + nodeId + " runs WITHOUT AUTHENTICATION (" + SecurityContext.MODE_PROP
                + "=none): its data plane and control plane serve anyone who reaches them, in plaintext, every tenant's"
                + " blocks included; set " + SecurityContext.MODE_PROP + "=mtls or token (docs/security.md)");
            return new NodeSecurity(context, denials, null, null, null, null);
        }
        TlsMaterial tls = TlsMaterial.open("node " + nodeId + " TLS", context.tlsFiles());
        TokenVerifier tokens = null;
        ScheduledExecutorService refresh = null;
        try {
            SslContext data = DataPlaneTls.server(tls, context.mode() == SecurityMode.MTLS);
            if (context.mode() == SecurityMode.TOKEN) {
                tokens = new TokenVerifier(context.tokenKeyFile().orElseThrow());
                refresh = Executors.newSingleThreadScheduledExecutor(r -> {
                    Thread t = new Thread(r, "spillway-token-key");
                    t.setDaemon(true);
                    return t;
                });
                refresh.scheduleWithFixedDelay(tokens::refresh, context.refreshMs(), context.refreshMs(),
                    TimeUnit.MILLISECONDS);
            }
            LOG.log(Level.INFO, "node " + nodeId + " security: " + context.mode().label() + ", data-plane TLS by "
                + DataPlaneTls.provider() + (DataPlaneTls.provider() == SslProvider.JDK
                ? " (OpenSSL unavailable: " + DataPlaneTls.openSslUnavailabilityCause() + ")" : ""));
            return new NodeSecurity(context, denials, tls, data, tokens, refresh);
        } catch (SSLException | RuntimeException e) {
            tls.close();
            if (refresh != null) {
                refresh.shutdownNow();
            }
            throw new IllegalArgumentException("node " + nodeId + ": cannot set up " + SecurityContext.MODE_PROP + "="
                + context.mode().label() + ": " + e.getMessage(), e);
        }
    }

    public SecurityMode mode() {
        return context.mode();
    }

    public AccessDenials denials() {
        return denials;
    }

    /** Adds TLS and the identity handler to a new data-plane connection, ahead of everything else. */
    public void install(SocketChannel ch) {
        if (dataPlaneTls == null) {
            ch.attr(PeerIdentityHandler.IDENTITY).set(PeerIdentity.UNAUTHENTICATED);
            return;
        }
        ch.pipeline().addLast("tls", dataPlaneTls.newHandler(ch.alloc()));
        ch.pipeline().addLast("identity", new PeerIdentityHandler(names, denials, mode() == SecurityMode.MTLS));
    }

    /** Plaintext with {@code mode=none}; else TLS, with client certificates required in mtls mode. */
    public ServerCredentials grpcCredentials() {
        if (tls == null) {
            return InsecureServerCredentials.create();
        }
        TlsServerCredentials.Builder b = TlsServerCredentials.newBuilder().keyManager(tls.keyManager());
        if (mode() == SecurityMode.MTLS) {
            b.trustManager(tls.trustManager()).clientAuth(TlsServerCredentials.ClientAuth.REQUIRE);
        }
        return b.build();
    }

    /**
     * The files this node presents when it calls its peers (block hand-off, peer status): its own certificate and
     * the trusted authorities in {@code mtls} mode, whose URI must then carry the {@code node} role; null otherwise
     * (plaintext with {@code none}; token mode has no node-to-node identity yet).
     */
    public TlsFiles peerTls() {
        return mode() == SecurityMode.MTLS ? context.tlsFiles() : null;
    }

    /** Credentials for this node's gRPC calls to its peers, as {@link #peerTls()}. */
    public ChannelCredentials peerChannelCredentials() {
        if (mode() != SecurityMode.MTLS) {
            return InsecureChannelCredentials.create();
        }
        return TlsChannelCredentials.newBuilder().keyManager(tls.keyManager()).trustManager(tls.trustManager())
            .build();
    }

    /**
     * Ignite's TLS from this node's own files and authorities, with the {@code node} role required of every member
     * ({@link MemberSslContexts}); null unless the mode is {@code mtls}.
     */
    public MemberSslContexts memberTls() {
        return memberTls;
    }

    public ServerInterceptor grpcInterceptor() {
        return new ControlAuthInterceptor(this, denials);
    }

    /** The identity a verified certificate chain's leaf names. */
    PeerIdentity certificateIdentity(Certificate[] chain) throws SSLPeerUnverifiedException {
        if (chain.length == 0 || !(chain[0] instanceof X509Certificate x)) {
            throw new SSLPeerUnverifiedException("the peer presented no X.509 certificate");
        }
        return names.of(x);
    }

    /** The identity a token names; an {@link IllegalArgumentException} says why it names none. */
    public PeerIdentity tokenIdentity(String token) {
        if (tokens == null) {
            throw new IllegalArgumentException("this node takes no tokens (" + SecurityContext.MODE_PROP + "="
                + mode().label() + ")");
        }
        return tokens.verify(token);
    }

    @Override
    public void close() {
        if (tls != null) {
            tls.close();
        }
        if (tokenRefresh != null) {
            tokenRefresh.shutdownNow();
        }
    }
}
