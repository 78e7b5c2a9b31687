package io.spillway.certs;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.fabric8.kubernetes.api.model.Secret;
import io.fabric8.kubernetes.api.model.SecretBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientBuilder;
import io.fabric8.kubernetes.client.server.mock.EnableKubernetesMockClient;
import io.fabric8.kubernetes.client.server.mock.KubernetesMockServer;
import java.io.ByteArrayInputStream;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.charset.StandardCharsets;
import java.security.cert.CertificateFactory;
import java.security.cert.X509Certificate;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import org.junit.jupiter.api.Test;
import picocli.CommandLine;

/**
 * {@code spillway certs} against fabric8's mock API server (CRUD): the first run makes the CA and four leaves that
 * chain to it and name exactly what was asked; a second run writes nothing; a deleted leaf comes back from the kept
 * CA; a leaf near expiry or naming other identities is re-issued; a Secret it did not write is never overwritten.
 */
@EnableKubernetesMockClient(crud = true)
class CertsCommandTest {
    static final String NS = "spillway";
    static final String NODE_DNS = "*.spillway-node.spillway.svc.cluster.local,*.spillway-node.spillway.svc";

    KubernetesMockServer server;
    KubernetesClient client;

    static List<String> args(String... extra) {
        List<String> a = new ArrayList<>(List.of("--namespace=" + NS, "--ca-secret=spillway-ca",
            "--issue=spillway-node-tls;cn=spillway-node;uri=spiffe://spillway/role/node;dns=" + NODE_DNS,
            "--issue=spillway-router-tls;cn=spillway-router;uri=spiffe://spillway/role/router",
            "--issue=spillway-admin-tls;cn=spillway-admin;uri=spiffe://spillway/role/admin",
            "--issue=spillway-client-tls;cn=spillway-client;uri=spiffe://spillway/tenant/acme/role/client"));
        a.addAll(List.of(extra));
        return a;
    }

    record Run(int exit, String out, String err) {
    }

    Run run(Clock clock, List<String> args) {
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        // a client of its own each run, as in a pod: the command closes what it is handed
        CommandLine line = new CommandLine(new CertsCommand(
            () -> new KubernetesClientBuilder().withConfig(client.getConfiguration()).build(), clock));
        line.setOut(new PrintWriter(out)).setErr(new PrintWriter(err));
        int exit = line.execute(args.toArray(new String[0]));
        return new Run(exit, out.toString(), err.toString());
    }

    Run run(List<String> args) {
        return run(Clock.systemUTC(), args);
    }

    Map<String, String> resourceVersions() {
        Map<String, String> v = new TreeMap<>();
        client.secrets().inNamespace(NS).list().getItems()
            .forEach(s -> v.put(s.getMetadata().getName(), s.getMetadata().getResourceVersion()));
        return v;
    }

    static String text(Secret s, String key) {
        return new String(Base64.getDecoder().decode(s.getData().get(key)), StandardCharsets.UTF_8);
    }

    static X509Certificate cert(String pem) throws Exception {
        return (X509Certificate) CertificateFactory.getInstance("X.509")
            .generateCertificate(new ByteArrayInputStream(pem.getBytes(StandardCharsets.UTF_8)));
    }

    Secret secret(String name) {
        return client.secrets().inNamespace(NS).withName(name).get();
    }

    @Test
    void firstRunMakesTheCaAndLeavesThatChainToItAndNameExactlyWhatWasAsked() throws Exception {
        Run r = run(args());
        assertEquals(0, r.exit(), r.err());
        assertTrue(r.out().contains("5 created, 0 renewed, 0 unchanged"), r.out());
        assertEquals(Set.of("spillway-ca", "spillway-node-tls", "spillway-router-tls", "spillway-admin-tls",
            "spillway-client-tls"), resourceVersions().keySet());
        X509Certificate ca = cert(text(secret("spillway-ca"), "tls.crt"));
        assertEquals("CN=spillway-ca", ca.getSubjectX500Principal().getName());
        assertTrue(ca.getBasicConstraints() >= 0, "the CA Secret holds a CA");
        Map<String, CertificateSecrets.Names> expected = Map.of(
            "spillway-node-tls", new CertificateSecrets.Names(Set.of("spiffe://spillway/role/node"),
                Set.of("*.spillway-node.spillway.svc.cluster.local", "*.spillway-node.spillway.svc")),
            "spillway-router-tls", new CertificateSecrets.Names(Set.of("spiffe://spillway/role/router"), Set.of()),
            "spillway-admin-tls", new CertificateSecrets.Names(Set.of("spiffe://spillway/role/admin"), Set.of()),
            "spillway-client-tls", new CertificateSecrets.Names(
                Set.of("spiffe://spillway/tenant/acme/role/client"), Set.of()));
        for (Map.Entry<String, CertificateSecrets.Names> e : expected.entrySet()) {
            Secret s = secret(e.getKey());
            assertEquals("kubernetes.io/tls", s.getType());
            assertEquals(CertificateSecrets.MANAGED_BY, s.getMetadata().getLabels().get(
                CertificateSecrets.MANAGED_BY_LABEL));
            X509Certificate leaf = cert(text(s, "tls.crt"));
            leaf.verify(ca.getPublicKey());
            assertEquals(ca, cert(text(s, "ca.crt")), e.getKey() + ": ca.crt is the CA");
            assertEquals(e.getValue(), CertificateSecrets.Names.of(leaf), e.getKey());
            assertEquals("CN=" + e.getKey().replace("-tls", ""), leaf.getSubjectX500Principal().getName());
            Duration life = Duration.between(leaf.getNotBefore().toInstant(), leaf.getNotAfter().toInstant());
            assertEquals(Duration.ofDays(90).plusMinutes(1), life, "--validity's default, from a minute ago");
            assertTrue(text(s, "tls.key").startsWith("-----BEGIN PRIVATE KEY-----"), "PKCS#8");
        }
    }

    @Test
    void aSecondRunWritesNothing() {
        assertEquals(0, run(args()).exit());
        Map<String, String> before = resourceVersions();
        Run second = run(args());
        assertEquals(0, second.exit(), second.err());
        assertTrue(second.out().contains("0 created, 0 renewed, 5 unchanged"), second.out());
        assertEquals(before, resourceVersions());
    }

    @Test
    void aDeletedLeafIsReissuedFromTheKeptCa() throws Exception {
        assertEquals(0, run(args()).exit());
        Map<String, String> before = resourceVersions();
        String caPem = text(secret("spillway-ca"), "tls.crt");
        client.secrets().inNamespace(NS).withName("spillway-router-tls").delete();
        Run r = run(args());
        assertEquals(0, r.exit(), r.err());
        assertTrue(r.out().contains("spillway/spillway-router-tls created"), r.out());
        Map<String, String> after = resourceVersions();
        for (String name : List.of("spillway-ca", "spillway-node-tls", "spillway-admin-tls", "spillway-client-tls")) {
            assertEquals(before.get(name), after.get(name), name + " untouched");
        }
        assertEquals(caPem, text(secret("spillway-ca"), "tls.crt"));
        cert(text(secret("spillway-router-tls"), "tls.crt")).verify(cert(caPem).getPublicKey());
    }

    @Test
    void aLeafThatExpiresWithinRenewBeforeIsReissuedAndTheOthersAreNot() throws Exception {
        assertEquals(0, run(args("--validity=40d", "--renew-before=30d")).exit());
        Map<String, String> before = resourceVersions();
        String old = text(secret("spillway-node-tls"), "tls.crt");
        Clock elevenDaysOn = Clock.fixed(Instant.now().plus(Duration.ofDays(11)), ZoneOffset.UTC);
        Run r = run(elevenDaysOn, args("--validity=40d", "--renew-before=30d"));
        assertEquals(0, r.exit(), r.err());
        assertTrue(r.out().contains("0 created, 4 renewed, 1 unchanged"), r.out());
        assertNotEquals(old, text(secret("spillway-node-tls"), "tls.crt"));
        assertEquals(before.get("spillway-ca"), resourceVersions().get("spillway-ca"));
        Clock nineDaysOn = Clock.fixed(Instant.now().plus(Duration.ofDays(9)), ZoneOffset.UTC);
        assertTrue(run(nineDaysOn, args("--validity=40d", "--renew-before=30d")).out().contains("5 unchanged"));
    }

    @Test
    void aLeafNamingOtherIdentitiesIsReissued() throws Exception {
        assertEquals(0, run(args()).exit());
        List<String> moved = new ArrayList<>(args());
        moved.replaceAll(a -> a.replace("tenant/acme", "tenant/globex"));
        Run r = run(moved);
        assertEquals(0, r.exit(), r.err());
        assertTrue(r.out().contains("0 created, 1 renewed, 4 unchanged"), r.out());
        assertEquals(Set.of("spiffe://spillway/tenant/globex/role/client"),
            CertificateSecrets.Names.of(cert(text(secret("spillway-client-tls"), "tls.crt"))).uris());
    }

    @Test
    void aSecretItDidNotWriteIsNeverOverwritten() {
        Secret mine = new SecretBuilder().withNewMetadata().withName("spillway-admin-tls").endMetadata()
            .withType("kubernetes.io/tls").withData(Map.of("tls.crt", "bWluZQ==", "tls.key", "bWluZQ==")).build();
        client.secrets().inNamespace(NS).resource(mine).create();
        Run r = run(args());
        assertEquals(CertsCommand.FAILED, r.exit());
        assertTrue(r.err().contains("NOT_OURS") && r.err().contains("spillway/spillway-admin-tls"), r.err());
        assertEquals("bWluZQ==", secret("spillway-admin-tls").getData().get("tls.crt"));
    }

    @Test
    void aCaSecretWithoutAKeyIsRefusedByName() {
        client.secrets().inNamespace(NS).resource(new SecretBuilder().withNewMetadata().withName("spillway-ca")
            .endMetadata().withData(Map.of("tls.crt", "eA==")).build()).create();
        Run r = run(args());
        assertEquals(CertsCommand.FAILED, r.exit());
        assertTrue(r.err().contains("BAD_CA_SECRET") && r.err().contains("tls.key"), r.err());
        assertEquals(Set.of("spillway-ca"), resourceVersions().keySet(), "no leaf from a CA it cannot read");
    }

    @Test
    void badArgumentsAreRefusedBeforeAnyApiCall() {
        assertThrows(CommandLine.ParameterException.class,
            () -> CertsCommand.parse("--ca-secret=ca", "--issue=x;cn=x;uri=u;colour=red"));
        assertThrows(CommandLine.ParameterException.class, () -> CertsCommand.parse("--ca-secret=ca", "--issue=x"));
        assertThrows(CommandLine.ParameterException.class,
            () -> CertsCommand.parse("--ca-secret=ca", "--issue=Bad_Name;uri=u"));
        assertThrows(CommandLine.ParameterException.class,
            () -> CertsCommand.parse("--ca-secret=ca", "--issue=x;uri=u", "--validity=20d", "--renew-before=30d"));
        assertThrows(CommandLine.ParameterException.class,
            () -> CertsCommand.parse("--ca-secret=ca", "--issue=x;uri=u", "--issue=x;uri=v"));
        assertThrows(CommandLine.ParameterException.class,
            () -> CertsCommand.parse("--ca-secret=ca", "--issue=x;uri=u", "--validity=soon"));
        assertEquals(2, new CommandLine(new CertsCommand()).setErr(new PrintWriter(new StringWriter()))
            .execute("--ca-secret=ca", "--issue=x"));
        assertEquals(0, resourceVersions().size());
    }
}
