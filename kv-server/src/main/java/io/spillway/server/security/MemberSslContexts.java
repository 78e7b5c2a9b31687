package io.spillway.server.security;

import io.spillway.identity.CertificateIdentity;
import io.spillway.identity.PeerIdentity;
import io.spillway.identity.Role;
import io.spillway.identity.TlsMaterial;
import java.io.IOException;
import java.net.Socket;
import java.security.GeneralSecurityException;
import java.security.KeyStore;
import java.security.cert.CertificateException;
import java.security.cert.X509Certificate;
import java.util.Arrays;
import java.util.concurrent.atomic.AtomicLong;
import javax.cache.configuration.Factory;
import javax.net.ssl.KeyManager;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLEngine;
import javax.net.ssl.TrustManager;
import javax.net.ssl.TrustManagerFactory;
import javax.net.ssl.X509ExtendedTrustManager;

/**
 * Ignite's TLS (discovery and communication) from the node's own {@code spillway.security.*} PEM files in {@code mtls}
 * mode, so a cluster needs no second set of stores: the key manager and the trust manager are the node's live ones
 * (a rotated certificate or authority is used by the next connection, as on the data plane), and on top of the
 * authority's signature the peer's certificate must name the {@code node} role. A tenant's client certificate, signed
 * by the same authority, therefore cannot open a discovery or communication connection; such refusals are counted
 * ({@link #refused()}). Ignite asks every peer for a certificate, so both directions are checked.
 */
public final class MemberSslContexts implements Factory<SSLContext> {
    private static final long serialVersionUID = 1L;

    private final transient TlsMaterial tls;
    private final transient CertificateIdentity names;
    private final transient AtomicLong refused = new AtomicLong();

    MemberSslContexts(TlsMaterial tls, CertificateIdentity names) {
        this.tls = tls;
        this.names = names;
    }

    @Override
    public SSLContext create() {
        try {
            SSLContext ctx = SSLContext.getInstance("TLSv1.3");
            ctx.init(new KeyManager[] {tls.keyManager()}, new TrustManager[] {new NodeRoleOnly()}, null);
            return ctx;
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("cluster TLS: " + e.getMessage(), e);
        }
    }

    /** Handshakes refused because the peer's certificate does not name the {@code node} role. */
    public long refused() {
        return refused.get();
    }

    /**
     * The node's trusted authorities (the live set, so a rotated bundle counts from the next handshake), checked by
     * the JDK's PKIX trust manager, then the role. Not gRPC's manager of the data plane: that one also checks the
     * peer's host name, and Ignite's engines know none; a member is named by its role, not its address.
     */
    private final class NodeRoleOnly extends X509ExtendedTrustManager {
        /** The PKIX manager built for one set of authorities; rebuilt when the live set changes. */
        private record Pkix(X509Certificate[] authorities, X509ExtendedTrustManager manager) {
        }

        private volatile Pkix cached;

        private X509ExtendedTrustManager delegate() throws CertificateException {
            X509ExtendedTrustManager live = tls.trustManager();
            if (live == null) {
                throw new CertificateException("cluster TLS: no trusted authorities");
            }
            X509Certificate[] authorities = live.getAcceptedIssuers();
            Pkix pkix = cached;
            if (pkix != null && Arrays.equals(authorities, pkix.authorities())) {
                return pkix.manager();
            }
            try {
                KeyStore store = KeyStore.getInstance(KeyStore.getDefaultType());
                store.load(null, null);
                for (int i = 0; i < authorities.length; i++) {
                    store.setCertificateEntry("authority-" + i, authorities[i]);
                }
                TrustManagerFactory f = TrustManagerFactory.getInstance("PKIX");
                f.init(store);
                for (TrustManager m : f.getTrustManagers()) {
                    if (m instanceof X509ExtendedTrustManager x) {
                        cached = new Pkix(authorities, x);
                        return x;
                    }
                }
                throw new CertificateException("cluster TLS: no PKIX trust manager");
            } catch (IOException | GeneralSecurityException e) {
                throw new CertificateException("cluster TLS: " + e.getMessage(), e);
            }
        }

        private void requireNode(X509Certificate[] chain) throws CertificateException {
            PeerIdentity id;
            try {
                id = names.of(chain[0]);
            } catch (IllegalArgumentException e) {
                refused.incrementAndGet();
                throw new CertificateException("cluster TLS: " + e.getMessage(), e);
            }
            if (!id.has(Role.NODE)) {
                refused.incrementAndGet();
                throw new CertificateException("cluster TLS: " + id.subject() + " is not a node (role node required "
                    + "to join the cluster)");
            }
        }

        @Override
        public void checkClientTrusted(X509Certificate[] chain, String authType, Socket socket)
            throws CertificateException {
            delegate().checkClientTrusted(chain, authType, socket);
            requireNode(chain);
        }

        @Override
        public void checkServerTrusted(X509Certificate[] chain, String authType, Socket socket)
            throws CertificateException {
            delegate().checkServerTrusted(chain, authType, socket);
            requireNode(chain);
        }

        @Override
        public void checkClientTrusted(X509Certificate[] chain, String authType, SSLEngine engine)
            throws CertificateException {
            delegate().checkClientTrusted(chain, authType, engine);
            requireNode(chain);
        }

        @Override
        public void checkServerTrusted(X509Certificate[] chain, String authType, SSLEngine engine)
            throws CertificateException {
            delegate().checkServerTrusted(chain, authType, engine);
            requireNode(chain);
        }

        @Override
        public void checkClientTrusted(X509Certificate[] chain, String authType) throws CertificateException {
            delegate().checkClientTrusted(chain, authType);
            requireNode(chain);
        }

        @Override
        public void checkServerTrusted(X509Certificate[] chain, String authType) throws CertificateException {
            delegate().checkServerTrusted(chain, authType);
            requireNode(chain);
        }

        @Override
        public X509Certificate[] getAcceptedIssuers() {
            X509ExtendedTrustManager live = tls.trustManager();
            return live == null ? new X509Certificate[0] : live.getAcceptedIssuers();
        }
    }
}
