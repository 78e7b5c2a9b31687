package io.spillway.identity;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermission;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class CertificateAuthorityTest {
    @TempDir
    Path dir;

    @Test
    void issuesLeavesWithHostsAndIdentityUrisThatChainToTheAuthority() throws Exception {
        CertificateAuthority ca = CertificateAuthority.create("spillway test", Duration.ofDays(30));
        String uri = new CertificateIdentity("spillway").uri("acme", Role.CLIENT);
        CertificateAuthority.Leaf leaf = ca.issue(new CertificateAuthority.Subject("pool-a",
            List.of("10.0.0.7", "node-0.spillway.default.svc", "::1"), List.of(uri)), Duration.ofDays(1));
        X509Certificate cert = leaf.certificate();
        cert.verify(ca.certificate().getPublicKey());
        Set<String> names = new TreeSet<>();
        cert.getSubjectAlternativeNames().forEach(n -> names.add(n.get(0) + "=" + n.get(1)));
        assertTrue(names.contains("7=10.0.0.7"), names.toString());
        assertTrue(names.contains("2=node-0.spillway.default.svc"), names.toString());
        assertTrue(names.contains("6=" + uri), names.toString());
        assertTrue(names.stream().anyMatch(n -> n.startsWith("7=0:0:0:0:0:0:0:1")), names.toString());
        assertEquals(List.of("1.3.6.1.5.5.7.3.1", "1.3.6.1.5.5.7.3.2"), cert.getExtendedKeyUsage());
        assertEquals(-1, cert.getBasicConstraints(), "a leaf is no authority");

        // the identity the node reads from it
        PeerIdentity id = new CertificateIdentity("spillway").of(cert);
        assertEquals("acme", id.tenant());

        Path crt = dir.resolve("tls.crt");
        Path key = dir.resolve("tls.key");
        leaf.write(crt, key);
        assertEquals(Set.of(PosixFilePermission.OWNER_READ, PosixFilePermission.OWNER_WRITE),
            Files.getPosixFilePermissions(key));
    }

    @Test
    void aLoadedAuthorityIssuesLeavesThatChainToIt() throws Exception {
        CertificateAuthority ca = CertificateAuthority.create("spillway test", Duration.ofDays(30));
        CertificateAuthority again = CertificateAuthority.load(ca.certificatePem(), ca.keyPem());
        X509Certificate cert = again.issue(new CertificateAuthority.Subject("n", List.of(), List.of()),
            Duration.ofDays(400)).certificate();
        cert.verify(ca.certificate().getPublicKey());
        assertTrue(!cert.getNotAfter().after(ca.certificate().getNotAfter()), "a leaf never outlives its authority");
    }

    @Test
    void anAuthorityWhoseKeyIsAnothersIsRefused() {
        CertificateAuthority a = CertificateAuthority.create("a", Duration.ofDays(1));
        CertificateAuthority b = CertificateAuthority.create("b", Duration.ofDays(1));
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
            () -> CertificateAuthority.load(a.certificatePem(), b.keyPem()));
        assertTrue(e.getMessage().contains("does not match"), e.getMessage());
        assertThrows(IllegalArgumentException.class, () -> CertificateAuthority.load("junk", a.keyPem()));
    }
}
