package io.spillway.identity;

import java.nio.file.Path;
import java.time.Duration;
import org.jspecify.annotations.Nullable;

/**
 * Where one side's TLS material lives, as PEM files: its own certificate chain and key (null for a client that
 * proves itself with a token instead), the certificate authorities it trusts for the other side (null: it checks no
 * peer certificate, a node in token mode), and how often the files are checked for new content.
 */
public record TlsFiles(@Nullable Path certificate, @Nullable Path privateKey, @Nullable Path trustedCertificates,
                       Duration refresh) {
    public TlsFiles {
        if ((certificate == null) != (privateKey == null)) {
            throw new IllegalArgumentException("TLS needs both a certificate file and its key file, got certificate="
                + certificate + ", key=" + privateKey);
        }
        if (certificate == null && trustedCertificates == null) {
            throw new IllegalArgumentException("TLS needs a certificate and key, trusted certificates, or both");
        }
        if (refresh.isNegative() || refresh.isZero()) {
            throw new IllegalArgumentException("TLS file refresh must be > 0, got " + refresh);
        }
    }

    /** A certificate, its key and the trusted authorities: what both ends of mutual TLS hold. */
    public static TlsFiles mutual(Path certificate, Path privateKey, Path trusted, Duration refresh) {
        return new TlsFiles(certificate, privateKey, trusted, refresh);
    }
}
