package io.spillway.identity;

import java.io.IOException;
import java.io.StringWriter;
import java.io.UncheckedIOException;
import java.math.BigInteger;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.security.GeneralSecurityException;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Date;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;
import org.bouncycastle.asn1.x500.X500Name;
import org.bouncycastle.asn1.x509.BasicConstraints;
import org.bouncycastle.asn1.x509.Extension;
import org.bouncycastle.asn1.x509.GeneralName;
import org.bouncycastle.asn1.x509.GeneralNames;
import org.bouncycastle.asn1.x509.KeyUsage;
import org.bouncycastle.cert.X509v3CertificateBuilder;
import org.bouncycastle.cert.jcajce.JcaX509CertificateConverter;
import org.bouncycastle.cert.jcajce.JcaX509v3CertificateBuilder;
import org.bouncycastle.openssl.jcajce.JcaPEMWriter;
import org.bouncycastle.openssl.jcajce.JcaPKCS8Generator;
import org.bouncycastle.operator.OperatorCreationException;
import org.bouncycastle.operator.jcajce.JcaContentSignerBuilder;

/**
 * A certificate authority made for one test (EC P-256, in memory) and the certificates it issues, written as PEM
 * files under the test's directory: no private key is ever committed. Leaves carry {@code 127.0.0.1} and
 * {@code localhost} as names (so a client's host check passes) plus the identity URIs asked for.
 */
public final class TestCertificates {
    private static final AtomicLong SERIAL = new AtomicLong(System.currentTimeMillis());

    private final Path dir;
    private final KeyPair caKeys;
    private final X500Name caName;
    private final Path caFile;

    /** A fresh authority named {@code name}; its certificate is written to {@code dir/<name>-ca.pem}. */
    public TestCertificates(Path dir, String name) {
        this.dir = dir;
        try {
            Files.createDirectories(dir);
            caKeys = keys();
            caName = new X500Name("CN=" + name + " test CA");
            Instant now = Instant.now();
            X509v3CertificateBuilder b = new JcaX509v3CertificateBuilder(caName, serial(),
                Date.from(now.minusSeconds(60)), Date.from(now.plus(Duration.ofDays(2))), caName, caKeys.getPublic());
            b.addExtension(Extension.basicConstraints, true, new BasicConstraints(true));
            b.addExtension(Extension.keyUsage, true, new KeyUsage(KeyUsage.keyCertSign | KeyUsage.cRLSign));
            caFile = dir.resolve(name + "-ca.pem");
            writeAtomically(caFile, pem(sign(b)));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (GeneralSecurityException | OperatorCreationException e) {
            throw new IllegalStateException(e);
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
        try {
            KeyPair pair = keys();
            Instant now = Instant.now();
            X509v3CertificateBuilder b = new JcaX509v3CertificateBuilder(caName, serial(),
                Date.from(now.minusSeconds(60)), Date.from(now.plus(Duration.ofDays(1))), new X500Name("CN=" + name),
                pair.getPublic());
            List<GeneralName> names = new ArrayList<>();
            names.add(new GeneralName(GeneralName.iPAddress, "127.0.0.1"));
            names.add(new GeneralName(GeneralName.dNSName, "localhost"));
            for (String uri : uris) {
                names.add(new GeneralName(GeneralName.uniformResourceIdentifier, uri));
            }
            b.addExtension(Extension.subjectAlternativeName, false, new GeneralNames(names.toArray(new GeneralName[0])));
            b.addExtension(Extension.basicConstraints, true, new BasicConstraints(false));
            X509Certificate cert = sign(b);
            writeAtomically(keyFile, pem(new JcaPKCS8Generator(pair.getPrivate(), null).generate()));
            writeAtomically(certFile, pem(cert));
            return new Issued(certFile, keyFile, cert);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (GeneralSecurityException | OperatorCreationException e) {
            throw new IllegalStateException(e);
        }
    }

    /** A client of {@code tenant} (null: none) with {@code role}, in trust domain {@code spillway}. */
    public Issued identity(String name, String tenant, Role role) {
        return issue(name, new CertificateIdentity("spillway").uri(tenant, role));
    }

    /** Mutual-TLS files for {@code who}, trusting {@code trusted}'s authority. */
    public static TlsFiles tls(Issued who, Path trusted, Duration refresh) {
        return TlsFiles.mutual(who.cert(), who.key(), trusted, refresh);
    }

    private X509Certificate sign(X509v3CertificateBuilder b) throws GeneralSecurityException, OperatorCreationException {
        return new JcaX509CertificateConverter().getCertificate(b.build(
            new JcaContentSignerBuilder("SHA256withECDSA").build(caKeys.getPrivate())));
    }

    private static KeyPair keys() throws GeneralSecurityException {
        KeyPairGenerator g = KeyPairGenerator.getInstance("EC");
        g.initialize(256);
        return g.generateKeyPair();
    }

    private static BigInteger serial() {
        return BigInteger.valueOf(SERIAL.incrementAndGet());
    }

    private static String pem(Object o) throws IOException {
        StringWriter s = new StringWriter();
        try (JcaPEMWriter w = new JcaPEMWriter(s)) {
            w.writeObject(o);
        }
        return s.toString();
    }

    /** Writes {@code text} to a sibling temporary file and moves it over {@code file} in one step. */
    public static void writeAtomically(Path file, String text) throws IOException {
        Path tmp = file.resolveSibling(file.getFileName() + ".tmp");
        Files.writeString(tmp, text);
        Files.move(tmp, file, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
    }
}
