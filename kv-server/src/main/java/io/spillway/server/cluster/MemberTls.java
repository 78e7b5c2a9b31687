package io.spillway.server.cluster;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyStore;
import org.apache.ignite.ssl.SslContextFactory;

/**
 * The stores Ignite's discovery and communication use for mutual TLS: this member's certificate and key, and the
 * certificates it trusts, as PKCS#12 files (what cert-manager's {@code keystores.pkcs12} writes), with each password
 * in a file. Ignite asks every peer for a certificate (discovery's server socket and communication's SSL filter both
 * need client authentication), so a member without a certificate the trust store accepts cannot join or talk to the
 * others. The stores are read when the node starts: a rotated certificate takes effect at the node's next restart.
 */
public final class MemberTls {
    private static final String TYPE = "PKCS12";

    private final Path keyStore;
    private final char[] keyStorePassword;
    private final Path trustStore;
    private final char[] trustStorePassword;

    private MemberTls(Path keyStore, char[] keyStorePassword, Path trustStore, char[] trustStorePassword) {
        this.keyStore = keyStore;
        this.keyStorePassword = keyStorePassword;
        this.trustStore = trustStore;
        this.trustStorePassword = trustStorePassword;
    }

    /** All four settings, or none (null); each store is opened once here so a bad one fails the start by name. */
    static MemberTls of(Path keyStore, Path keyStorePasswordFile, Path trustStore, Path trustStorePasswordFile) {
        int given = (keyStore != null ? 1 : 0) + (keyStorePasswordFile != null ? 1 : 0) + (trustStore != null ? 1 : 0)
            + (trustStorePasswordFile != null ? 1 : 0);
        if (given == 0) {
            return null;
        }
        if (given != 4) {
            throw new IllegalArgumentException("cluster TLS needs all of " + ClusterContext.TLS_KEY_STORE_PROP + ", "
                + ClusterContext.TLS_KEY_STORE_PASSWORD_FILE_PROP + ", " + ClusterContext.TLS_TRUST_STORE_PROP + " and "
                + ClusterContext.TLS_TRUST_STORE_PASSWORD_FILE_PROP + " (got " + given + " of them)");
        }
        char[] keyPassword = password(ClusterContext.TLS_KEY_STORE_PASSWORD_FILE_PROP, keyStorePasswordFile);
        char[] trustPassword = password(ClusterContext.TLS_TRUST_STORE_PASSWORD_FILE_PROP, trustStorePasswordFile);
        KeyStore keys = open(ClusterContext.TLS_KEY_STORE_PROP, keyStore, keyPassword);
        KeyStore trusted = open(ClusterContext.TLS_TRUST_STORE_PROP, trustStore, trustPassword);
        try {
            if (!keys.aliases().hasMoreElements() || !trusted.aliases().hasMoreElements()) {
                throw new IllegalArgumentException("cluster TLS: " + (keys.aliases().hasMoreElements() ? trustStore
                    : keyStore) + " is empty");
            }
        } catch (GeneralSecurityException e) {
            throw new IllegalArgumentException("cluster TLS: " + e.getMessage(), e);
        }
        return new MemberTls(keyStore, keyPassword, trustStore, trustPassword);
    }

    /** Ignite's factory over these stores. */
    SslContextFactory factory() {
        SslContextFactory f = new SslContextFactory();
        f.setKeyStoreType(TYPE);
        f.setKeyStoreFilePath(keyStore.toAbsolutePath().toString());
        f.setKeyStorePassword(keyStorePassword.clone());
        f.setTrustStoreType(TYPE);
        f.setTrustStoreFilePath(trustStore.toAbsolutePath().toString());
        f.setTrustStorePassword(trustStorePassword.clone());
        f.setProtocol("TLSv1.3");
        return f;
    }

    private static char[] password(String prop, Path file) {
        try {
            String text = Files.readString(file, StandardCharsets.UTF_8).strip();
            return text.toCharArray();
        } catch (IOException e) {
            throw new IllegalArgumentException(prop + ": cannot read '" + file + "': " + e.getMessage(), e);
        }
    }

    private static KeyStore open(String prop, Path file, char[] password) {
        try (InputStream in = Files.newInputStream(file)) {
            KeyStore ks = KeyStore.getInstance(TYPE);
            ks.load(in, password);
            return ks;
        } catch (IOException | GeneralSecurityException e) {
            throw new IllegalArgumentException(prop + ": cannot open '" + file + "' as a " + TYPE + " store: "
                + e.getMessage(), e);
        }
    }

    @Override
    public String toString() {
        return "MemberTls[keyStore=" + keyStore + ", trustStore=" + trustStore + "]";
    }
}
