package io.spillway.identity;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.util.List;

/**
 * A certificate authority made for one test ({@link CertificateAuthority}, in memory) and the certificates it issues,
 * written as PEM files under the test's directory: no private key is ever committed. Leaves carry {@code 127.0.0.1}
 * and {@code localhost} as names (so a client's host check passes) plus the identity URIs asked for.
 */
public final class TestCertificates {
    private final Path dir;
    private final CertificateAuthority authority;
    private final Path caFile;

    /** A fresh authority named {@code name}; its certificate is written to {@code dir/<name>-ca.pem}. */
    public TestCertificates(Path dir, String name) {
        this.dir = dir;
        try {
            Files.createDirectories(dir);
            authority = CertificateAuthority.create(name + " test CA", Duration.ofDays(2));
            caFile = dir.resolve(name + "-ca.pem");
            writeAtomically(caFile, authority.certificatePem());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** The authority's certificate: what a peer trusts. */
    public Path ca() {
        return caFile;
    }

    /** A certificate and key issued by this authority, and the files they are in. */
    public record Issued(Path cert, Path key, X509Certificate certificate) {
    }

    /** A leaf named {@code name} carrying {@code uris}, written to {@code dir/<name>.crt} and {@code .key}. */
    public Issued issue(String name, String... uris) {
        return issue(name, dir.resolve(name + ".crt"), dir.resolve(name + ".key"), uris);
    }

    /**
     * A leaf written to the given files, each replaced in one atomic move (the key first, as a rotation by a
     * Secret's symlink swap or cert-manager would leave it at worst).
     */
    public Issued issue(String name, Path certFile, Path keyFile, String... uris) {
        CertificateAuthority.Leaf leaf = authority.issue(
            new CertificateAuthority.Subject(name, List.of("127.0.0.1", "localhost"), List.of(uris)),
            Duration.ofDays(1));
        try {
            leaf.write(certFile, keyFile);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return new Issued(certFile, keyFile, leaf.certificate());
    }

    /** A client of {@code tenant} (null: none) with {@code role}, in trust domain {@code spillway}. */
    public Issued identity(String name, String tenant, Role role) {
        return issue(name, new CertificateIdentity("spillway").uri(tenant, role));
    }

    /** Mutual-TLS files for {@code who}, trusting {@code trusted}'s authority. */
    public static TlsFiles tls(Issued who, Path trusted, Duration refresh) {
        return TlsFiles.mutual(who.cert(), who.key(), trusted, refresh);
    }

    /** Writes {@code text} to a sibling temporary file and moves it over {@code file} in one step. */
    public static void writeAtomically(Path file, String text) throws IOException {
        CertificateAuthority.writeAtomically(file, text, false);
    }
}
