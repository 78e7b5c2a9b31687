package io.spillway.identity;

import io.grpc.util.AdvancedTlsX509KeyManager;
import io.grpc.util.CertificateUtils;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.lang.System.Logger;
import java.lang.System.Logger.Level;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.PrivateKey;
import java.security.Signature;
import java.security.cert.X509Certificate;
import java.util.Arrays;

/**
 * A certificate chain and its key, read from PEM files into a key manager, and read again when either file's
 * content changes ({@link #refresh}, called on a timer). grpc-java's own reloading checks no more often than once a
 * minute and only when both files' modification times moved; this compares contents, so a mounted Secret's symlink
 * swap or a cert-manager rotation is seen at the next check. A pair whose key does not sign for the certificate (one
 * file rewritten, the other not yet) is not taken: the last good pair stays until both agree.
 */
public final class CertificateFiles {
    private static final Logger LOG = System.getLogger(CertificateFiles.class.getName());

    private final String label;
    private final Path cert;
    private final Path key;
    private final AdvancedTlsX509KeyManager keys = new AdvancedTlsX509KeyManager();
    private byte[] certBytes = new byte[0];
    private byte[] keyBytes = new byte[0];

    /**
     * Reads the pair; a missing, unreadable or mismatched pair is an error naming the files.
     *
     * @param label what the pair is for, at the head of every message (e.g. {@code "ext_proc TLS"})
     */
    public CertificateFiles(String label, Path cert, Path key) {
        this.label = label;
        this.cert = cert;
        this.key = key;
        try {
            load();
        } catch (IOException | GeneralSecurityException | RuntimeException e) {
            throw new IllegalArgumentException(label + ": cannot use certificate " + cert + " with key " + key
                + ": " + e, e);
        }
    }

    public AdvancedTlsX509KeyManager keyManager() {
        return keys;
    }

    /** Re-reads the files if either changed; a bad new pair is logged and the old one kept. */
    public synchronized void refresh() {
        try {
            load();
        } catch (IOException | GeneralSecurityException | RuntimeException e) {
            LOG.log(Level.WARNING, label + ": keeping the certificate in use; " + cert + " with " + key
                + " cannot be used yet: " + e);
        }
    }

    private synchronized void load() throws IOException, GeneralSecurityException {
        byte[] c = Files.readAllBytes(cert);
        byte[] k = Files.readAllBytes(key);
        if (Arrays.equals(c, certBytes) && Arrays.equals(k, keyBytes)) {
            return;
        }
        X509Certificate[] chain = CertificateUtils.getX509Certificates(new ByteArrayInputStream(c));
        if (chain.length == 0) {
            throw new GeneralSecurityException("no certificate in " + cert);
        }
        PrivateKey privateKey = CertificateUtils.getPrivateKey(new ByteArrayInputStream(k));
        checkPair(chain[0], privateKey);
        keys.updateIdentityCredentials(chain, privateKey);
        certBytes = c;
        keyBytes = k;
    }

    private static void checkPair(X509Certificate cert, PrivateKey key) throws GeneralSecurityException {
        String algorithm = switch (key.getAlgorithm()) {
            case "RSA" -> "SHA256withRSA";
            case "EC" -> "SHA256withECDSA";
            case "Ed25519", "EdDSA" -> "Ed25519";
            default -> null;
        };
        if (algorithm == null) {
            return; // a key type we cannot check: taken as it is
        }
        byte[] probe = "spillway".getBytes(StandardCharsets.US_ASCII);
        Signature sign = Signature.getInstance(algorithm);
        sign.initSign(key);
        sign.update(probe);
        byte[] signature = sign.sign();
        Signature verify = Signature.getInstance(algorithm);
        verify.initVerify(cert.getPublicKey());
        verify.update(probe);
        if (!verify.verify(signature)) {
            throw new GeneralSecurityException("the key does not belong to the certificate");
        }
    }
}
