package io.spillway.identity;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** What identity a certificate's URIs name, and which certificates name nobody. */
class CertificateIdentityTest {
    @TempDir
    Path dir;

    private final CertificateIdentity names = new CertificateIdentity("spillway");

    @Test
    void aTenantClientAndATenantlessAdmin() {
        TestCertificates ca = new TestCertificates(dir, "t");
        PeerIdentity a = names.of(ca.issue("a", "spiffe://spillway/tenant/acme/role/client").certificate());
        assertEquals("acme", a.tenant());
        assertEquals(Set.of(Role.CLIENT), a.roles());
        assertTrue(a.mayUseTenant("acme"));
        assertFalse(a.mayUseTenant("globex"), "a client is held to its tenant");

        PeerIdentity admin = names.of(ca.issue("adm", "spiffe://spillway/role/admin").certificate());
        assertNull(admin.tenant());
        assertTrue(admin.has(Role.ADMIN));
        assertFalse(admin.mayUseTenant("acme"), "an admin reads no tenant's blocks");

        PeerIdentity node = names.of(ca.issue("n", "spiffe://spillway/role/node").certificate());
        assertTrue(node.mayUseTenant("acme"), "a node hands off every tenant's blocks");
    }

    @Test
    void severalUrisAddRolesAndMustAgreeOnTheTenant() {
        TestCertificates ca = new TestCertificates(dir, "t");
        PeerIdentity both = names.of(ca.issue("b", "spiffe://spillway/tenant/acme/role/client",
            "spiffe://spillway/role/router", "https://example.com/ignored").certificate());
        assertEquals(Set.of(Role.CLIENT, Role.ROUTER), both.roles());
        IllegalArgumentException two = assertThrows(IllegalArgumentException.class, () -> names.of(ca.issue("c",
            "spiffe://spillway/tenant/acme/role/client", "spiffe://spillway/tenant/globex/role/client").certificate()));
        assertTrue(two.getMessage().contains("two tenants"), two.getMessage());
    }

    @Test
    void certificatesThatNameNobodyAreRefused() {
        TestCertificates ca = new TestCertificates(dir, "t");
        assertThrows(IllegalArgumentException.class, () -> names.of(ca.issue("none").certificate()),
            "no URI at all");
        assertThrows(IllegalArgumentException.class, () -> names.of(
            ca.issue("other", "spiffe://elsewhere/tenant/acme/role/client").certificate()), "another trust domain");
        IllegalArgumentException shape = assertThrows(IllegalArgumentException.class, () -> names.of(
            ca.issue("shape", "spiffe://spillway/tenant/acme").certificate()));
        assertTrue(shape.getMessage().contains("not of the form"), shape.getMessage());
        IllegalArgumentException role = assertThrows(IllegalArgumentException.class, () -> names.of(
            ca.issue("role", "spiffe://spillway/tenant/acme/role/root").certificate()));
        assertTrue(role.getMessage().contains("unknown role 'root'"), role.getMessage());
        assertThrows(IllegalArgumentException.class, () -> names.of(
            ca.issue("tenantless", "spiffe://spillway/role/client").certificate()), "a client must name its tenant");
        assertThrows(IllegalArgumentException.class, () -> names.of(
            ca.issue("bad", "spiffe://spillway/tenant/a%2Fb/role/client").certificate()), "tenant must be a plain name");
    }
}
