package io.spillway.identity;

import java.io.IOException;
import java.io.Reader;
import java.io.StringReader;
import java.io.StringWriter;
import java.io.UncheckedIOException;
import java.math.BigInteger;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.GeneralSecurityException;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.PrivateKey;
import java.security.SecureRandom;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Date;
import java.util.List;
import java.util.Objects;
import org.bouncycastle.asn1.pkcs.PrivateKeyInfo;
import org.bouncycastle.asn1.x500.X500Name;
import org.bouncycastle.asn1.x509.BasicConstraints;
import org.bouncycastle.asn1.x509.ExtendedKeyUsage;
import org.bouncycastle.asn1.x509.Extension;
import org.bouncycastle.asn1.x509.GeneralName;
import org.bouncycastle.asn1.x509.GeneralNames;
import org.bouncycastle.asn1.x509.KeyPurposeId;
import org.bouncycastle.asn1.x509.KeyUsage;
import org.bouncycastle.cert.X509CertificateHolder;
import org.bouncycastle.cert.X509v3CertificateBuilder;
import org.bouncycastle.cert.jcajce.JcaX509CertificateConverter;
import org.bouncycastle.cert.jcajce.JcaX509v3CertificateBuilder;
import org.bouncycastle.openssl.PEMKeyPair;
import org.bouncycastle.openssl.PEMParser;
import org.bouncycastle.openssl.jcajce.JcaPEMKeyConverter;
import org.bouncycastle.openssl.jcajce.JcaPEMWriter;
import org.bouncycastle.openssl.jcajce.JcaPKCS8Generator;
import org.bouncycastle.operator.OperatorCreationException;
import org.bouncycastle.operator.jcajce.JcaContentSignerBuilder;

/**
 * A small certificate authority (EC P-256, SHA-256 with ECDSA) that issues Spillway's identities: leaves whose URI
 * subject alternative names say tenant and role ({@link CertificateIdentity}) and whose IP and DNS names say where a
 * peer dials them. It backs {@code spillway certs} (the Helm chart's install-time Secret when cert-manager is not
 * used), the benchmarks' TLS runs and the tests. Private keys are written {@code 0600} and never leave the files the
 * caller names.
 */
public final class CertificateAuthority {
    private static final SecureRandom RANDOM = new SecureRandom();

    private final KeyPair keys;
    private final X509Certificate certificate;
    private final X500Name name;

    private CertificateAuthority(KeyPair keys, X509Certificate certificate) {
        this.keys = keys;
        this.certificate = certificate;
        this.name = X500Name.getInstance(certificate.getSubjectX500Principal().getEncoded());
    }

    /** A new self-signed authority named {@code CN=<commonName>}, valid from a minute ago for {@code validity}. */
    public static CertificateAuthority create(String commonName, Duration validity) {
        try {
            KeyPair pair = keyPair();
            X500Name subject = new X500Name("CN=" + commonName);
            Instant now = Instant.now();
            X509v3CertificateBuilder b = new JcaX509v3CertificateBuilder(subject, serial(),
                Date.from(now.minusSeconds(60)), Date.from(now.plus(validity)), subject, pair.getPublic());
            b.addExtension(Extension.basicConstraints, true, new BasicConstraints(0));
            b.addExtension(Extension.keyUsage, true, new KeyUsage(KeyUsage.keyCertSign | KeyUsage.cRLSign));
            return new CertificateAuthority(pair, sign(b, pair.getPrivate()));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (GeneralSecurityException | OperatorCreationException e) {
            throw new IllegalStateException("cannot create a certificate authority: " + e.getMessage(), e);
        }
    }

    /** An authority from its certificate and its private key (PKCS#8 or SEC1 PEM), to issue more leaves. */
    public static CertificateAuthority load(String certificatePem, String keyPem) {
        try {
            X509Certificate cert = readCertificate(certificatePem);
            PrivateKey key = readPrivateKey(keyPem);
            KeyPair pair = new KeyPair(cert.getPublicKey(), key);
            CertificateAuthority ca = new CertificateAuthority(pair, cert);
            ca.checkKeyMatches();
            return ca;
        } catch (IOException e) {
            throw new IllegalArgumentException("not a PEM certificate and key: " + e.getMessage(), e);
        }
    }

    /** What a leaf names: a common name, the addresses peers dial it at, and its identity URIs. */
    public record Subject(String commonName, List<String> hosts, List<String> uris) {
        public Subject {
            Objects.requireNonNull(commonName, "commonName");
            hosts = List.copyOf(hosts);
            uris = List.copyOf(uris);
        }
    }

    /** A leaf and its key, PEM. */
    public record Leaf(String certificatePem, String keyPem, X509Certificate certificate) {
        /** Writes the key ({@code 0600}, first) and the certificate, each in one atomic move. */
        public void write(Path certFile, Path keyFile) throws IOException {
            writeAtomically(keyFile, keyPem, true);
            writeAtomically(certFile, certificatePem, false);
        }
    }

    /**
     * Issues a leaf for {@code subject}, valid from a minute ago for {@code validity}: usable as a TLS server and a
     * TLS client (a node is both). A host that parses as an IP address becomes an IP name, any other a DNS name.
     */
    public Leaf issue(Subject subject, Duration validity) {
        try {
            KeyPair pair = keyPair();
            Instant now = Instant.now();
            Instant notAfter = now.plus(validity);
            if (notAfter.isAfter(certificate.getNotAfter().toInstant())) {
                notAfter = certificate.getNotAfter().toInstant();
            }
            X509v3CertificateBuilder b = new JcaX509v3CertificateBuilder(name, serial(),
                Date.from(now.minusSeconds(60)), Date.from(notAfter), new X500Name("CN=" + subject.commonName()),
                pair.getPublic());
            List<GeneralName> names = new ArrayList<>();
            for (String host : subject.hosts()) {
                names.add(isIpLiteral(host) ? new GeneralName(GeneralName.iPAddress, host)
                    : new GeneralName(GeneralName.dNSName, host));
            }
            for (String uri : subject.uris()) {
                names.add(new GeneralName(GeneralName.uniformResourceIdentifier, uri));
            }
            if (!names.isEmpty()) {
                b.addExtension(Extension.subjectAlternativeName, false,
                    new GeneralNames(names.toArray(new GeneralName[0])));
            }
            b.addExtension(Extension.basicConstraints, true, new BasicConstraints(false));
            b.addExtension(Extension.keyUsage, true, new KeyUsage(KeyUsage.digitalSignature | KeyUsage.keyAgreement));
            b.addExtension(Extension.extendedKeyUsage, false, new ExtendedKeyUsage(
                new KeyPurposeId[] {KeyPurposeId.id_kp_serverAuth, KeyPurposeId.id_kp_clientAuth}));
            X509Certificate cert = sign(b, keys.getPrivate());
            return new Leaf(pem(cert), pem(new JcaPKCS8Generator(pair.getPrivate(), null).generate()), cert);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (GeneralSecurityException | OperatorCreationException e) {
            throw new IllegalStateException("cannot issue a certificate for " + subject.commonName() + ": "
                + e.getMessage(), e);
        }
    }

    /** The authority's certificate, PEM: what peers trust. */
    public String certificatePem() {
        try {
            return pem(certificate);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** The authority's private key, PKCS#8 PEM: only for a store the operator keeps to issue more leaves. */
    public String keyPem() {
        try {
            return pem(new JcaPKCS8Generator(keys.getPrivate(), null).generate());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    public X509Certificate certificate() {
        return certificate;
    }

    private void checkKeyMatches() {
        try {
            X509v3CertificateBuilder probe = new JcaX509v3CertificateBuilder(name, serial(), new Date(),
                new Date(System.currentTimeMillis() + 60_000), new X500Name("CN=probe"), certificate.getPublicKey());
            X509Certificate signed = sign(probe, keys.getPrivate());
            signed.verify(certificate.getPublicKey());
        } catch (GeneralSecurityException | OperatorCreationException | RuntimeException e) {
            throw new IllegalArgumentException("the authority's key does not match its certificate", e);
        }
    }

    private static X509Certificate sign(X509v3CertificateBuilder b, PrivateKey key)
        throws GeneralSecurityException, OperatorCreationException {
        String algorithm = "EC".equals(key.getAlgorithm()) ? "SHA256withECDSA" : "SHA256withRSA";
        return new JcaX509CertificateConverter().getCertificate(b.build(new JcaContentSignerBuilder(algorithm)
            .build(key)));
    }

    private static KeyPair keyPair() throws GeneralSecurityException {
        KeyPairGenerator g = KeyPairGenerator.getInstance("EC");
        g.initialize(256, RANDOM);
        return g.generateKeyPair();
    }

    private static BigInteger serial() {
        return new BigInteger(127, RANDOM).add(BigInteger.ONE);
    }

    private static boolean isIpLiteral(String host) {
        if (host.indexOf(':') >= 0) {
            return true;
        }
        if (!host.matches("[0-9.]+")) {
            return false;
        }
        try {
            InetAddress.getByName(host);
            return true;
        } catch (UnknownHostException e) {
            return false;
        }
    }

    private static X509Certificate readCertificate(String text) throws IOException {
        try (PEMParser p = new PEMParser(new StringReader(text))) {
            Object o = p.readObject();
            if (!(o instanceof X509CertificateHolder holder)) {
                throw new IOException("no CERTIFICATE block");
            }
            return new JcaX509CertificateConverter().getCertificate(holder);
        } catch (GeneralSecurityException e) {
            throw new IOException(e.getMessage(), e);
        }
    }

    private static PrivateKey readPrivateKey(String text) throws IOException {
        try (Reader r = new StringReader(text); PEMParser p = new PEMParser(r)) {
            Object o = p.readObject();
            JcaPEMKeyConverter c = new JcaPEMKeyConverter();
            if (o instanceof PrivateKeyInfo info) {
                return c.getPrivateKey(info);
            }
            if (o instanceof PEMKeyPair pair) {
                return c.getKeyPair(pair).getPrivate();
            }
            throw new IOException("no PRIVATE KEY block");
        }
    }

    private static String pem(Object o) throws IOException {
        StringWriter s = new StringWriter();
        try (JcaPEMWriter w = new JcaPEMWriter(s)) {
            w.writeObject(o);
        }
        return s.toString();
    }

    /** Writes {@code text} to a sibling temporary file ({@code 0600} when {@code secret}) and moves it into place. */
    public static void writeAtomically(Path file, String text, boolean secret) throws IOException {
        Path tmp = file.resolveSibling(file.getFileName() + ".tmp");
        Files.deleteIfExists(tmp);
        if (secret) {
            try {
                Files.createFile(tmp, PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------")));
            } catch (UnsupportedOperationException e) {
                Files.createFile(tmp);
            }
        }
        Files.write(tmp, text.getBytes(StandardCharsets.UTF_8));
        Files.move(tmp, file, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
    }
}
