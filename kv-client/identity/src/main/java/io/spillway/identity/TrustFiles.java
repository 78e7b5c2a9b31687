package io.spillway.identity;

import io.grpc.util.AdvancedTlsX509TrustManager;
import io.grpc.util.CertificateUtils;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.lang.System.Logger;
import java.lang.System.Logger.Level;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.cert.X509Certificate;
import java.util.Arrays;

/**
 * The certificate authorities a peer's certificate must chain to, read from a PEM bundle into a trust manager, and
 * read again when the file's content changes ({@link #refresh}, on the same timer as {@link CertificateFiles}). A
 * bundle that cannot be read or holds no certificate is not taken: the last good one stays.
 */
public final class TrustFiles {
    private static final Logger LOG = System.getLogger(TrustFiles.class.getName());

    private final String label;
    private final Path bundle;
    private final AdvancedTlsX509TrustManager trust;
    private byte[] bytes = new byte[0];

    /** Reads the bundle; a missing, unreadable or empty one is an error naming the file. */
    public TrustFiles(String label, Path bundle) {
        this.label = label;
        this.bundle = bundle;
        try {
            this.trust = AdvancedTlsX509TrustManager.newBuilder().build();
            load();
        } catch (IOException | GeneralSecurityException | RuntimeException e) {
            throw new IllegalArgumentException(label + ": cannot use the trusted certificates in " + bundle + ": " + e,
                e);
        }
    }

    public AdvancedTlsX509TrustManager trustManager() {
        return trust;
    }

    /** Re-reads the bundle if it changed; a bad new bundle is logged and the old one kept. */
    public synchronized void refresh() {
        try {
            load();
        } catch (IOException | GeneralSecurityException | RuntimeException e) {
            LOG.log(Level.WARNING, label + ": keeping the trusted certificates in use; " + bundle
                + " cannot be used yet: " + e);
        }
    }

    private synchronized void load() throws IOException, GeneralSecurityException {
        byte[] b = Files.readAllBytes(bundle);
        if (Arrays.equals(b, bytes)) {
            return;
        }
        X509Certificate[] cas = CertificateUtils.getX509Certificates(new ByteArrayInputStream(b));
        if (cas.length == 0) {
            throw new GeneralSecurityException("no certificate in " + bundle);
        }
        trust.updateTrustCredentials(cas);
        bytes = b;
    }
}
