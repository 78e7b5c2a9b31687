package io.spillway.identity;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.security.cert.X509Certificate;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The key manager follows the files' content, and never takes a certificate with another certificate's key. */
class CertificateFilesTest {
    @TempDir
    Path dir;

    private static X509Certificate served(CertificateFiles files) {
        String alias = files.keyManager().chooseServerAlias("EC", null, null);
        return files.keyManager().getCertificateChain(alias)[0];
    }

    @Test
    void aRewrittenPairIsTakenAndAHalfWrittenOneIsNot() throws Exception {
        TestCertificates ca = new TestCertificates(dir, "t");
        Path cert = dir.resolve("node.crt");
        Path key = dir.resolve("node.key");
        TestCertificates.Issued first = ca.issue("first", cert, key);
        CertificateFiles files = new CertificateFiles("test TLS", cert, key);
        assertEquals(first.certificate(), served(files));

        TestCertificates.Issued second = ca.issue("second", dir.resolve("n2.crt"), dir.resolve("n2.key"));
        Files.move(second.cert(), cert, StandardCopyOption.REPLACE_EXISTING); // the key is still the first's
        files.refresh();
        assertEquals(first.certificate(), served(files), "a certificate without its key is not taken");
        Files.move(second.key(), key, StandardCopyOption.REPLACE_EXISTING);
        files.refresh();
        assertEquals(second.certificate(), served(files), "the rotated pair is served");
    }

    @Test
    void aMissingFileIsAnErrorNamingIt() {
        Path cert = dir.resolve("absent.crt");
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
            () -> new CertificateFiles("test TLS", cert, dir.resolve("absent.key")));
        assertTrue(e.getMessage().startsWith("test TLS: cannot use certificate " + cert), e.getMessage());
    }
}
