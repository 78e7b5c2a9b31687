package io.spillway.deploy.chart;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.fabric8.kubernetes.api.model.Secret;
import io.fabric8.kubernetes.api.model.apps.StatefulSet;
import io.fabric8.kubernetes.api.model.batch.v1.Job;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientBuilder;
import io.fabric8.kubernetes.client.server.mock.EnableKubernetesMockClient;
import io.fabric8.kubernetes.client.server.mock.KubernetesMockServer;
import io.fabric8.mockwebserver.http.RecordedRequest;
import io.spillway.certs.CertsCommand;
import java.io.ByteArrayInputStream;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.charset.StandardCharsets;
import java.security.cert.CertificateFactory;
import java.security.cert.X509Certificate;
import java.time.Clock;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * The hook Job's own command line, run against fabric8's mock API server (CRUD): it writes the Secret every node
 * mounts, whose certificate chains to the CA it keeps, and every request it makes (a first install, then an upgrade
 * that re-issues a leaf) is one its Role allows, which grants nothing it does not use.
 */
@EnableKubernetesMockClient(https = true, crud = true)
class CertsHookJobTest {
    KubernetesMockServer server;
    KubernetesClient client;

    private int run(List<String> args) {
        StringWriter err = new StringWriter();
        int exit = new picocli.CommandLine(new CertsCommand(
            () -> new KubernetesClientBuilder().withConfig(client.getConfiguration()).build(), Clock.systemUTC()))
            .setOut(new PrintWriter(new StringWriter())).setErr(new PrintWriter(err))
            .execute(args.subList(1, args.size()).toArray(new String[0]));
        assertEquals(0, exit, err.toString());
        return exit;
    }

    private static String text(Secret s, String key) {
        return new String(Base64.getDecoder().decode(s.getData().get(key)), StandardCharsets.UTF_8);
    }

    private static X509Certificate cert(String pem) throws Exception {
        return (X509Certificate) CertificateFactory.getInstance("X.509")
            .generateCertificate(new ByteArrayInputStream(pem.getBytes(StandardCharsets.UTF_8)));
    }

    @Test
    void theJobsCommandWritesWhatTheNodesMountWithOnlyItsRolesPermissions() throws Exception {
        Chart.Rendered r = Chart.render(Chart.Variant.OPERATIONS);
        Job job = (Job) Models.parse(r.get("Job", ChartCertsGenerateTest.JOB));
        List<String> args = job.getSpec().getTemplate().getSpec().getContainers().get(0).getArgs();
        MockCluster cluster = new MockCluster(client, server);
        cluster.drainRequests();
        run(args);
        List<RecordedRequest> requests = new ArrayList<>(cluster.drainRequests());
        // an upgrade after a leaf went stale (its ca.crt is not the CA's): re-issued in place
        Secret router = client.secrets().inNamespace(Chart.NAMESPACE).withName("spillway-router-tls").get();
        router.getData().put("ca.crt", Base64.getEncoder().encodeToString("stale".getBytes(StandardCharsets.UTF_8)));
        client.secrets().inNamespace(Chart.NAMESPACE).resource(router).update();
        cluster.drainRequests(); // the test's own
        run(args);
        requests.addAll(cluster.drainRequests());
        assertTrue(requests.stream().anyMatch(q -> q.getMethod().equals("PUT")), "the upgrade updated a leaf");
        MockCluster.assertRoleAllowsExactly(r, ChartCertsGenerateTest.JOB,
            job.getSpec().getTemplate().getSpec().getServiceAccountName(), requests);

        StatefulSet sts = (StatefulSet) Models.parse(r.get("StatefulSet", "spillway-node"));
        String mounted = sts.getSpec().getTemplate().getSpec().getVolumes().stream()
            .filter(v -> v.getName().equals("tls")).findFirst().orElseThrow().getSecret().getSecretName();
        Secret node = client.secrets().inNamespace(Chart.NAMESPACE).withName(mounted).get();
        Secret ca = client.secrets().inNamespace(Chart.NAMESPACE).withName("spillway-ca").get();
        X509Certificate caCert = cert(text(ca, "tls.crt"));
        cert(text(node, "tls.crt")).verify(caCert.getPublicKey());
        assertEquals(caCert, cert(text(node, "ca.crt")));
        assertEquals(Map.of("tls.crt", true, "tls.key", true, "ca.crt", true), Map.of(
            "tls.crt", node.getData().containsKey("tls.crt"), "tls.key", node.getData().containsKey("tls.key"),
            "ca.crt", node.getData().containsKey("ca.crt")), "the keys every pod's settings name");
        assertEquals(caCert, cert(text(client.secrets().inNamespace(Chart.NAMESPACE).withName("spillway-router-tls")
            .get(), "ca.crt")), "the stale leaf was re-issued");
    }
}
