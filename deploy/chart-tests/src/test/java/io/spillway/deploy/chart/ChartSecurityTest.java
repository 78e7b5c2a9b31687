package io.spillway.deploy.chart;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.marcnuri.helm.DryRun;
import com.marcnuri.helm.Helm;
import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.KeyToPath;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodSpec;
import io.fabric8.kubernetes.api.model.Volume;
import io.fabric8.kubernetes.api.model.VolumeMount;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import io.fabric8.kubernetes.api.model.apps.StatefulSet;
import io.spillway.bridge.agent.AgentContext;
import io.spillway.config.PropertySources;
import io.spillway.identity.CertificateAuthority;
import io.spillway.identity.TlsFiles;
import io.spillway.identity.TlsMaterial;
import io.spillway.router.service.RouterContext;
import java.net.InetAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import javax.net.ssl.KeyManager;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLHandshakeException;
import javax.net.ssl.SSLParameters;
import javax.net.ssl.SSLServerSocket;
import javax.net.ssl.SSLSocket;
import javax.net.ssl.TrustManager;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The chart's security (issue 20): mutual TLS is on by default for the nodes, the router and the example vLLM's
 * agents, and every file their settings name is the right key of the right Secret where the pod mounts it; the join
 * secret is generated, mounted and set; cert-manager's Certificates (and the generate source's Job) carry exactly the Spillway identities, and the
 * nodes' certificate names every address a peer dials (the advertised host, the feeds, the seeds), checked by the
 * JDK's own host-name verification in a handshake; {@code security.mode: none} renders no TLS and the install notes
 * warn; existingSecrets mounts the user's Secrets.
 */
class ChartSecurityTest {
    private static final String TLS_DIR = "/var/run/secrets/spillway/tls";
    private static final Map<String, Object> CERT_MANAGER = Map.of("security.certificates.source", "certManager");

    @TempDir
    Path dir;

    private static PodSpec nodePodSpec(Chart.Rendered r) {
        return ((StatefulSet) Models.parse(r.get("StatefulSet", "spillway-node"))).getSpec().getTemplate().getSpec();
    }

    private static PodSpec podSpec(Chart.Rendered r, String deployment) {
        return ((Deployment) Models.parse(r.get("Deployment", deployment))).getSpec().getTemplate().getSpec();
    }

    private static Container container(PodSpec spec, String name) {
        return spec.getContainers().stream().filter(c -> c.getName().equals(name)).findFirst()
            .orElseThrow(() -> new AssertionError("no container " + name));
    }

    /** "secret/key" of the file at {@code path} in {@code c}, as kubelet would project it; empty if none. */
    static Optional<String> secretFileAt(PodSpec spec, Container c, String path) {
        for (VolumeMount m : c.getVolumeMounts()) {
            String prefix = m.getMountPath().endsWith("/") ? m.getMountPath() : m.getMountPath() + "/";
            if (!path.startsWith(prefix)) {
                continue;
            }
            String rel = path.substring(prefix.length());
            Volume v = spec.getVolumes().stream().filter(x -> x.getName().equals(m.getName())).findFirst()
                .orElseThrow(() -> new AssertionError("mount " + m.getName() + " has no volume"));
            if (v.getSecret() == null) {
                return Optional.empty();
            }
            List<KeyToPath> items = v.getSecret().getItems();
            String key = rel;
            if (items != null && !items.isEmpty()) {
                key = items.stream().filter(i -> i.getPath().equals(rel)).map(KeyToPath::getKey).findFirst()
                    .orElse(null);
                if (key == null) {
                    return Optional.empty();
                }
            }
            return Optional.of(v.getSecret().getSecretName() + "/" + key);
        }
        return Optional.empty();
    }

    private static String property(String file, String key) {
        return file.lines().filter(l -> l.startsWith(key + "=")).map(l -> l.substring(key.length() + 1)).findFirst()
            .orElse(null);
    }

    /**
     * The Secret the chart's certificate source writes for {@code name} (so a Secret the pods mount is one that gets
     * filled): cert-manager's Certificate, or the generate source's hook Job's --issue.
     */
    private static String certificateSecret(Chart.Rendered r, String name) {
        if (r.find("Certificate", name).isPresent()) {
            return r.get("Certificate", name).path("spec").path("secretName").asText();
        }
        return ChartCertsGenerateTest.leaf(r, name).secret();
    }

    @Test
    void mutualTlsIsOnByDefaultForNodesRouterAndAgents() {
        Chart.Rendered r = Chart.render(Chart.Variant.OPERATIONS, Map.of("vllm.tenant", "acme"));
        String node = r.configData("spillway-node", "node.properties");
        assertEquals("mtls", property(node, "spillway.security.mode"));
        assertEquals("spillway", property(node, "spillway.security.trustDomain"));
        PodSpec nodeSpec = nodePodSpec(r);
        Container nodeC = container(nodeSpec, "node");
        String nodeSecret = certificateSecret(r, "spillway-node-tls");
        assertEquals(Optional.of(nodeSecret + "/tls.crt"),
            secretFileAt(nodeSpec, nodeC, property(node, "spillway.security.certFile")));
        assertEquals(Optional.of(nodeSecret + "/tls.key"),
            secretFileAt(nodeSpec, nodeC, property(node, "spillway.security.keyFile")));
        assertEquals(Optional.of(nodeSecret + "/ca.crt"),
            secretFileAt(nodeSpec, nodeC, property(node, "spillway.security.trustFile")));

        String router = r.configData("spillway-router", "router.properties");
        PodSpec routerSpec = podSpec(r, "spillway-router");
        Container routerC = container(routerSpec, "router");
        String routerSecret = certificateSecret(r, "spillway-router-tls");
        assertEquals(Optional.of(routerSecret + "/tls.crt"),
            secretFileAt(routerSpec, routerC, property(router, RouterContext.FEED_CERT_FILE_PROP)));
        assertEquals(Optional.of(routerSecret + "/tls.key"),
            secretFileAt(routerSpec, routerC, property(router, RouterContext.FEED_KEY_FILE_PROP)));
        assertEquals(Optional.of(routerSecret + "/ca.crt"),
            secretFileAt(routerSpec, routerC, property(router, RouterContext.FEED_TRUST_FILE_PROP)));

        Deployment vllm = (Deployment) Models.parse(r.get("Deployment", "spillway-vllm"));
        Pod pod = Kubelet.pod(vllm.getSpec().getTemplate(), "spillway-vllm-0", "127.0.3.7", Map.of());
        String clientSecret = certificateSecret(r, "spillway-client-tls");
        assertEquals(List.of("spiffe://spillway/tenant/acme/role/client"), uris(r, "spillway-client-tls"));
        for (String agent : List.of("agent-0", "agent-1")) {
            Container c = Kubelet.container(pod, agent);
            AgentContext ctx = AgentContext.builder().load(new PropertySources().environment(Kubelet.env(c, pod)))
                .build();
            assertEquals("acme", ctx.tenant(), "the agents key blocks under their certificate's tenant");
            TlsFiles tls = ctx.clientContext().tls().orElseThrow(() -> new AssertionError(agent + ": no TLS"));
            assertEquals(Optional.of(clientSecret + "/tls.crt"),
                secretFileAt(pod.getSpec(), c, tls.certificate().toString()));
            assertEquals(Optional.of(clientSecret + "/tls.key"),
                secretFileAt(pod.getSpec(), c, tls.privateKey().toString()));
            assertEquals(Optional.of(clientSecret + "/ca.crt"),
                secretFileAt(pod.getSpec(), c, tls.trustedCertificates().toString()));
        }
        assertFalse(container(pod.getSpec(), "vllm").getVolumeMounts().stream()
            .anyMatch(m -> m.getMountPath().equals(TLS_DIR)), "the client key is the agents', not vLLM's");
    }

    @Test
    void theJoinSecretIsGeneratedMountedAndSet() {
        Chart.Rendered r = Chart.render(Chart.Variant.DEFAULT);
        String file = property(r.configData("spillway-node", "node.properties"), "spillway.cluster.joinSecretFile");
        assertEquals(Optional.of("spillway-join/joinSecret"),
            secretFileAt(nodePodSpec(r), container(nodePodSpec(r), "node"), file));
        JsonNode secret = r.get("Secret", "spillway-join");
        String value = new String(Base64.getDecoder().decode(secret.path("data").path("joinSecret").asText()),
            StandardCharsets.UTF_8);
        assertEquals(32, value.length(), "32 letters and digits (a join secret needs at least 16)");
        assertTrue(value.chars().allMatch(Character::isLetterOrDigit), value);
        assertEquals("keep", secret.path("metadata").path("annotations").path("helm.sh/resource-policy").asText(),
            "rendered at install only: an upgrade that no longer renders it must not delete it");

        Chart.Rendered own = Chart.render(Chart.Variant.DEFAULT, Map.of("security.joinSecret.existingSecret", "mine"));
        assertTrue(own.find("Secret", "spillway-join").isEmpty(), "the user's Secret instead");
        assertEquals(Optional.of("mine/joinSecret"),
            secretFileAt(nodePodSpec(own), container(nodePodSpec(own), "node"), file));
    }

    private static List<String> uris(Chart.Rendered r, String certificate) {
        if (r.find("Certificate", certificate).isEmpty()) {
            return ChartCertsGenerateTest.leaf(r, certificate).uris();
        }
        List<String> out = new ArrayList<>();
        r.get("Certificate", certificate).path("spec").path("uris").forEach(u -> out.add(u.asText()));
        return out;
    }

    /** The nodes' DNS names, from whichever source issues their certificate. */
    private static List<String> nodeDnsNames(Chart.Rendered r) {
        if (r.find("Certificate", "spillway-node-tls").isEmpty()) {
            return ChartCertsGenerateTest.leaf(r, "spillway-node-tls").hosts();
        }
        List<String> out = new ArrayList<>();
        r.get("Certificate", "spillway-node-tls").path("spec").path("dnsNames").forEach(n -> out.add(n.asText()));
        return out;
    }

    @Test
    void certManagerIssuesExactlyTheSpillwayIdentitiesFromTheChartsChain() {
        Chart.Rendered r = Chart.render(Chart.Variant.OPERATIONS, CERT_MANAGER);
        Map<String, List<String>> identities = new TreeMap<>();
        for (JsonNode c : r.ofKind("Certificate")) {
            String name = c.path("metadata").path("name").asText();
            if (!c.path("spec").path("isCA").asBoolean()) {
                identities.put(name, uris(r, name));
                assertEquals("PKCS8", c.path("spec").path("privateKey").path("encoding").asText(),
                    name + ": the key format the components read");
                assertEquals("spillway-ca", c.path("spec").path("issuerRef").path("name").asText(), name);
            }
        }
        assertEquals(Map.of(
            "spillway-node-tls", List.of("spiffe://spillway/role/node"),
            "spillway-router-tls", List.of("spiffe://spillway/role/router"),
            "spillway-admin-tls", List.of("spiffe://spillway/role/admin"),
            "spillway-client-tls", List.of("spiffe://spillway/tenant/default/role/client")), identities);
        // the chain: self-signed -> the CA Certificate -> the CA Issuer on its Secret
        JsonNode ca = r.get("Certificate", "spillway-ca").path("spec");
        assertTrue(ca.path("isCA").asBoolean());
        assertTrue(r.get("Issuer", ca.path("issuerRef").path("name").asText()).path("spec").has("selfSigned"));
        assertEquals(ca.path("secretName").asText(),
            r.get("Issuer", "spillway-ca").path("spec").path("ca").path("secretName").asText());

        Chart.Rendered theirs = Chart.render(Chart.Variant.DEFAULT, Map.of("security.certificates.source",
            "certManager", "security.certificates.certManager.issuerRef.name", "corp-ca",
            "security.certificates.certManager.issuerRef.kind", "ClusterIssuer"));
        assertTrue(theirs.ofKind("Issuer").isEmpty(), "no chain of the chart's own");
        assertTrue(theirs.find("Certificate", "spillway-ca").isEmpty());
        JsonNode ref = theirs.get("Certificate", "spillway-node-tls").path("spec").path("issuerRef");
        assertEquals("corp-ca", ref.path("name").asText());
        assertEquals("ClusterIssuer", ref.path("kind").asText());
        assertEquals("cert-manager.io", ref.path("group").asText());
    }

    /**
     * Every host a peer dials a node at (the advertised host in the partition map, the router's feeds and seeds, the
     * agents' seeds) passes the JDK's HTTPS host-name check against a certificate carrying the nodes' dnsNames; a
     * node name in another namespace does not (the check is real).
     */
    @ParameterizedTest
    @ValueSource(strings = {"generate", "certManager"})
    void theNodesCertificateNamesEveryAddressPeersDial(String source) throws Exception {
        Chart.Rendered r = Chart.render(Chart.Variant.OPERATIONS, Map.of("security.certificates.source", source));
        List<String> dnsNames = nodeDnsNames(r);
        assertFalse(dnsNames.isEmpty(), source);
        List<String> dialled = new ArrayList<>();
        StatefulSet sts = (StatefulSet) Models.parse(r.get("StatefulSet", "spillway-node"));
        for (int i = 0; i < sts.getSpec().getReplicas(); i++) {
            Pod pod = Kubelet.pod(sts.getSpec().getTemplate(), "spillway-node-" + i, "127.0.1." + (i + 1), Map.of());
            dialled.add(Kubelet.env(Kubelet.container(pod, "node"), pod).get("SPILLWAY_CLUSTER_ADVERTISE_HOST"));
        }
        assertEquals("spillway-node-2.spillway-node.spillway.svc.cluster.local", dialled.get(2));
        String router = r.configData("spillway-router", "router.properties");
        for (String key : List.of("spillway.router.feedNodes", "spillway.router.clusterSeeds")) {
            for (String hostPort : property(router, key).split(",")) {
                dialled.add(hostPort.substring(0, hostPort.lastIndexOf(':')));
            }
        }
        Deployment vllm = (Deployment) Models.parse(r.get("Deployment", "spillway-vllm"));
        Pod pod = Kubelet.pod(vllm.getSpec().getTemplate(), "spillway-vllm-0", "127.0.3.7", Map.of());
        AgentContext agent = AgentContext.builder().load(new PropertySources()
            .environment(Kubelet.env(Kubelet.container(pod, "agent-0"), pod))).build();
        agent.seeds().forEach(s -> dialled.add(s.substring(0, s.lastIndexOf(':'))));

        CertificateAuthority ca = CertificateAuthority.create("chart test CA", Duration.ofDays(1));
        CertificateAuthority.Leaf leaf = ca.issue(new CertificateAuthority.Subject("spillway-node", dnsNames,
            List.of("spiffe://spillway/role/node")), Duration.ofDays(1));
        Path cert = dir.resolve("node.crt");
        Path key = dir.resolve("node.key");
        Path trust = dir.resolve("ca.crt");
        leaf.write(cert, key);
        Files.writeString(trust, ca.certificatePem(), StandardCharsets.UTF_8);
        Map<String, String> failures = new LinkedHashMap<>();
        try (TlsMaterial server = TlsMaterial.open("node", TlsFiles.mutual(cert, key, trust, Duration.ofHours(1)));
             TlsMaterial client = TlsMaterial.open("peer", new TlsFiles(null, null, trust, Duration.ofHours(1)))) {
            for (String host : dialled) {
                handshake(server, client, host).ifPresent(e -> failures.put(host, e));
            }
            assertEquals(Map.of(), failures, "names the nodes' certificate " + dnsNames + " does not cover");
            String elsewhere = "spillway-node-0.spillway-node.other.svc.cluster.local";
            assertTrue(handshake(server, client, elsewhere).isPresent(), "the host-name check refuses " + elsewhere);
        }
    }

    /** A TLS handshake with the JDK's HTTPS host-name check for {@code host}: empty, or why it failed. */
    private static Optional<String> handshake(TlsMaterial server, TlsMaterial client, String host) throws Exception {
        SSLContext serverCtx = SSLContext.getInstance("TLS");
        serverCtx.init(new KeyManager[] {server.keyManager()}, null, null);
        SSLContext clientCtx = SSLContext.getInstance("TLS");
        clientCtx.init(null, new TrustManager[] {client.trustManager()}, null);
        try (SSLServerSocket listener = (SSLServerSocket) serverCtx.getServerSocketFactory()
            .createServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            CompletableFuture<Void> accepted = CompletableFuture.runAsync(() -> {
                try (SSLSocket s = (SSLSocket) listener.accept()) {
                    s.startHandshake();
                    s.getInputStream().read();
                } catch (Exception e) {
                    // the client's refusal ends the server's side
                }
            });
            try (Socket plain = new Socket(InetAddress.getLoopbackAddress(), listener.getLocalPort());
                 SSLSocket s = (SSLSocket) clientCtx.getSocketFactory().createSocket(plain, host,
                     listener.getLocalPort(), true)) {
                SSLParameters p = s.getSSLParameters();
                p.setEndpointIdentificationAlgorithm("HTTPS");
                s.setSSLParameters(p);
                s.startHandshake();
                return Optional.empty();
            } catch (SSLHandshakeException e) {
                return Optional.of(e.getMessage());
            } finally {
                accepted.get(10, TimeUnit.SECONDS);
            }
        }
    }

    @Test
    void modeNoneRendersNoTlsAndTheNotesWarn() throws Exception {
        Map<String, Object> none = Map.of("security.mode", "none");
        Chart.Rendered r = Chart.render(Chart.Variant.OPERATIONS, none);
        assertTrue(r.ofKind("Certificate").isEmpty() && r.ofKind("Issuer").isEmpty(), r.kinds().toString());
        assertEquals("none", property(r.configData("spillway-node", "node.properties"), "spillway.security.mode"),
            "explicit: the node's own default is not relied on");
        assertEquals(null, property(r.configData("spillway-router", "router.properties"),
            RouterContext.FEED_CERT_FILE_PROP));
        List<PodSpec> pods = List.of(nodePodSpec(r), podSpec(r, "spillway-router"), podSpec(r, "spillway-vllm"));
        for (PodSpec spec : pods) {
            assertFalse(spec.getVolumes().stream().anyMatch(v -> v.getName().equals("tls")), spec.toString());
        }
        Deployment vllm = (Deployment) Models.parse(r.get("Deployment", "spillway-vllm"));
        Pod pod = Kubelet.pod(vllm.getSpec().getTemplate(), "spillway-vllm-0", "127.0.3.7", Map.of());
        assertTrue(AgentContext.builder().load(new PropertySources().environment(Kubelet.env(
            Kubelet.container(pod, "agent-0"), pod))).build().clientContext().tls().isEmpty());
        // the join secret stays: members still refuse a stranger
        assertTrue(property(r.configData("spillway-node", "node.properties"), "spillway.cluster.joinSecretFile")
            != null);

        String warned = notes(none);
        assertTrue(warned.contains("WARNING: security.mode is none"), warned);
        String quiet = notes(Map.of());
        assertFalse(quiet.contains("WARNING"), quiet);
        assertTrue(quiet.contains("mutual TLS (generate); the admin identity is in Secret spillway-admin-tls"),
            quiet);
        assertTrue(quiet.contains("renewed only by a helm upgrade within\n720h of their expiry (2160h after issue)"),
            quiet);
        String managed = notes(CERT_MANAGER);
        assertFalse(managed.contains("helm upgrade within"), managed);
        assertTrue(managed.contains("mutual TLS (certManager); the admin identity is in Secret spillway-admin-tls"),
            managed);
    }

    /** The install notes, from a client-only dry-run install (helm template does not render NOTES.txt). */
    private static String notes(Map<String, Object> set) {
        var install = new Helm(Chart.directory()).install().withName(Chart.RELEASE).withNamespace(Chart.NAMESPACE)
            .clientOnly().withDryRunOption(DryRun.CLIENT);
        set.forEach(install::set);
        String out = install.call().getOutput();
        int at = out.indexOf("NOTES:");
        assertTrue(at >= 0, out);
        return out.substring(at);
    }

    @Test
    void existingSecretsAreMountedByTheirNames() {
        Map<String, Object> set = Map.of("security.certificates.source", "existingSecrets",
            "security.certificates.existingSecrets.node", "corp-node", "security.certificates.existingSecrets.router",
            "corp-router", "security.certificates.existingSecrets.client", "corp-client",
            "security.certificates.existingSecrets.admin", "corp-admin");
        Chart.Rendered r = Chart.render(Chart.Variant.OPERATIONS, set);
        assertTrue(r.ofKind("Certificate").isEmpty());
        String node = r.configData("spillway-node", "node.properties");
        assertEquals(Optional.of("corp-node/tls.crt"), secretFileAt(nodePodSpec(r), container(nodePodSpec(r), "node"),
            property(node, "spillway.security.certFile")));
        String router = r.configData("spillway-router", "router.properties");
        PodSpec routerSpec = podSpec(r, "spillway-router");
        assertEquals(Optional.of("corp-router/tls.key"), secretFileAt(routerSpec, container(routerSpec, "router"),
            property(router, RouterContext.FEED_KEY_FILE_PROP)));
        PodSpec vllm = podSpec(r, "spillway-vllm");
        assertEquals(Optional.of("corp-client/ca.crt"), secretFileAt(vllm, container(vllm, "agent-1"),
            TLS_DIR + "/ca.crt"));

        Map<String, Object> noAdmin = new LinkedHashMap<>(set);
        noAdmin.remove("security.certificates.existingSecrets.admin");
        assertTrue(notes(noAdmin).contains("Security: mutual TLS (existingSecrets)."),
            "no component mounts the admin identity: not required");
        Map<String, Object> missing = new LinkedHashMap<>(set);
        missing.remove("security.certificates.existingSecrets.router");
        Exception e = assertThrows(Exception.class, () -> Chart.render(Chart.Variant.DEFAULT, missing));
        assertTrue(e.getMessage().contains("security.certificates.existingSecrets.router must name a Secret"),
            e.getMessage());
    }
}
