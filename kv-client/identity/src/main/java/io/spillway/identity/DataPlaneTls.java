package io.spillway.identity;

import io.netty.handler.ssl.ClientAuth;
import io.netty.handler.ssl.OpenSsl;
import io.netty.handler.ssl.SslContext;
import io.netty.handler.ssl.SslContextBuilder;
import io.netty.handler.ssl.SslProvider;
import javax.net.ssl.SSLException;

/**
 * The data plane's Netty {@link SslContext}s, built over a {@link TlsMaterial}'s live managers: OpenSSL (BoringSSL
 * from netty-tcnative) where its native library loads, the JDK's provider otherwise ({@link #provider()} says which,
 * {@link #openSslUnavailabilityCause()} why not). TLS 1.3 and 1.2 only.
 */
public final class DataPlaneTls {
    private static final String[] PROTOCOLS = {"TLSv1.3", "TLSv1.2"};

    private DataPlaneTls() {
    }

    /** The provider the contexts use: OpenSSL when netty-tcnative loads here, else the JDK's. */
    public static SslProvider provider() {
        return OpenSsl.isAvailable() ? SslProvider.OPENSSL : SslProvider.JDK;
    }

    /** Why OpenSSL is not used, or null when it is. */
    public static Throwable openSslUnavailabilityCause() {
        return OpenSsl.unavailabilityCause();
    }

    /**
     * A node's context.
     *
     * @param requireClientCertificate mutual TLS: a client without a certificate the trusted authorities signed
     *                                 fails the handshake; false: the client is not asked for one (token mode)
     */
    public static SslContext server(TlsMaterial material, boolean requireClientCertificate) throws SSLException {
        if (material.keyManager() == null) {
            throw new IllegalArgumentException("a TLS server needs its certificate and key; "
                + material.files() + " has none");
        }
        SslContextBuilder b = SslContextBuilder.forServer(material.keyManager()).sslProvider(provider())
            .protocols(PROTOCOLS);
        if (requireClientCertificate) {
            if (material.trustManager() == null) {
                throw new IllegalArgumentException("mutual TLS needs the trusted certificates that sign clients; "
                    + material.files() + " has none");
            }
            b.trustManager(material.trustManager()).clientAuth(ClientAuth.REQUIRE);
        } else {
            b.clientAuth(ClientAuth.NONE);
        }
        return b.build();
    }

    /** A client's context: checks the node's certificate (and its host name), presents its own if it has one. */
    public static SslContext client(TlsMaterial material) throws SSLException {
        if (material.trustManager() == null) {
            throw new IllegalArgumentException("a TLS client needs the trusted certificates that sign nodes; "
                + material.files() + " has none");
        }
        SslContextBuilder b = SslContextBuilder.forClient().sslProvider(provider()).protocols(PROTOCOLS)
            .trustManager(material.trustManager());
        if (material.keyManager() != null) {
            b.keyManager(material.keyManager());
        }
        return b.build();
    }
}
