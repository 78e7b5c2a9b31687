package io.spillway.deploy.chart;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.PodSpec;
import io.fabric8.kubernetes.api.model.Volume;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import io.fabric8.kubernetes.api.model.apps.StatefulSet;
import io.fabric8.kubernetes.api.model.batch.v1.Job;
import io.fabric8.kubernetes.api.model.rbac.PolicyRule;
import io.fabric8.kubernetes.api.model.rbac.Role;
import io.fabric8.kubernetes.api.model.rbac.RoleBinding;
import io.spillway.certs.CertsCommand;
import io.spillway.certs.LeafSpec;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import org.junit.jupiter.api.Test;

/**
 * security.certificates.source generate (the default): a pre-install/pre-upgrade hook Job runs {@code spillway
 * certs}, whose arguments (parsed by the command's own parser) issue exactly the identities, names and Secrets that
 * the certManager source renders as Certificates, the Secrets every pod mounts; its Role reaches only those Secrets;
 * every piece is a hook created before the Job, and the Job runs like every Spillway container. (Hooks render here
 * under {@link Chart#HOOK_KEY}: helm-java's template leaves Helm's hooks out.)
 */
class ChartCertsGenerateTest {
    static final String JOB = "spillway-certs";
    static final Set<String> HOOK_KINDS = Set.of("ServiceAccount", "Role", "RoleBinding", "Job");

    /** The hook Job's {@code spillway certs} command line, parsed as the image would parse it. */
    static CertsCommand command(Chart.Rendered r) {
        Job job = (Job) Models.parse(r.get("Job", JOB));
        List<String> args = job.getSpec().getTemplate().getSpec().getContainers().get(0).getArgs();
        assertEquals("certs", args.get(0), "the image's certs command");
        return CertsCommand.parse(args.subList(1, args.size()).toArray(new String[0]));
    }

    /** The leaf the Job issues into {@code secret}. */
    static LeafSpec leaf(Chart.Rendered r, String secret) {
        return command(r).leaves().stream().filter(l -> l.secret().equals(secret)).findFirst()
            .orElseThrow(() -> new AssertionError("the certs Job issues no " + secret));
    }

    private static List<String> texts(JsonNode array) {
        List<String> out = new ArrayList<>();
        array.forEach(n -> out.add(n.asText()));
        return out;
    }

    @Test
    void theJobIssuesExactlyWhatCertManagerWould() {
        for (Chart.Variant v : Chart.Variant.values()) {
            Chart.Rendered generated = Chart.render(v, Map.of("vllm.tenant", "acme"));
            Chart.Rendered managed = Chart.render(v, Map.of("vllm.tenant", "acme",
                "security.certificates.source", "certManager"));
            assertTrue(generated.ofKind("Certificate").isEmpty() && generated.ofKind("Issuer").isEmpty());
            Map<String, LeafSpec> expected = new TreeMap<>();
            String caSecret = null;
            for (JsonNode c : managed.ofKind("Certificate")) {
                JsonNode spec = c.path("spec");
                if (spec.path("isCA").asBoolean()) {
                    caSecret = spec.path("secretName").asText();
                    continue;
                }
                expected.put(spec.path("secretName").asText(), new LeafSpec(spec.path("secretName").asText(),
                    spec.path("commonName").asText(), texts(spec.path("dnsNames")), texts(spec.path("uris"))));
            }
            CertsCommand command = command(generated);
            Map<String, LeafSpec> issued = new TreeMap<>();
            command.leaves().forEach(l -> issued.put(l.secret(), l));
            assertEquals(expected, issued, v + ": the same Secrets, names and identities as cert-manager's");
            assertEquals(caSecret, command.caSecret(), v.name());
            assertEquals(Chart.NAMESPACE, command.namespace());
            assertEquals(Duration.ofHours(2160), command.validity(), "security.certificates.generate.duration");
            assertEquals(Duration.ofHours(720), command.renewBefore(), "generate.renewBefore");
        }
        Chart.Rendered r = Chart.render(Chart.Variant.OPERATIONS, Map.of("vllm.tenant", "acme"));
        assertEquals(List.of("spiffe://spillway/tenant/acme/role/client"), leaf(r, "spillway-client-tls").uris());
        assertTrue(leaf(r, "spillway-node-tls").hosts().contains("*.spillway-node.spillway.svc.cluster.local"));
    }

    @Test
    void everyPodMountsASecretTheJobWrites() {
        Chart.Rendered r = Chart.render(Chart.Variant.OPERATIONS);
        Set<String> written = new TreeSet<>();
        command(r).leaves().forEach(l -> written.add(l.secret()));
        List<PodSpec> pods = List.of(
            ((StatefulSet) Models.parse(r.get("StatefulSet", "spillway-node"))).getSpec().getTemplate().getSpec(),
            ((Deployment) Models.parse(r.get("Deployment", "spillway-router"))).getSpec().getTemplate().getSpec(),
            ((Deployment) Models.parse(r.get("Deployment", "spillway-vllm"))).getSpec().getTemplate().getSpec());
        Set<String> mounted = new TreeSet<>();
        for (PodSpec pod : pods) {
            for (Volume vol : pod.getVolumes()) {
                if (vol.getName().equals("tls")) {
                    mounted.add(vol.getSecret().getSecretName());
                }
            }
        }
        assertEquals(Set.of("spillway-node-tls", "spillway-router-tls", "spillway-client-tls"), mounted);
        assertTrue(written.containsAll(mounted), "mounted " + mounted + ", written " + written);
    }

    @Test
    void theRoleReachesOnlyTheJobsSecrets() {
        Chart.Rendered r = Chart.render(Chart.Variant.OPERATIONS);
        CertsCommand command = command(r);
        Set<String> secrets = new TreeSet<>(List.of(command.caSecret()));
        command.leaves().forEach(l -> secrets.add(l.secret()));
        Role role = (Role) Models.parse(r.get("Role", JOB));
        List<PolicyRule> rules = role.getRules();
        assertEquals(2, rules.size(), rules.toString());
        PolicyRule named = rules.get(0);
        assertEquals(List.of(""), named.getApiGroups());
        assertEquals(List.of("secrets"), named.getResources());
        assertEquals(secrets, new TreeSet<>(named.getResourceNames()));
        assertEquals(List.of("get", "update"), named.getVerbs());
        PolicyRule create = rules.get(1);
        assertEquals(List.of("secrets"), create.getResources());
        assertEquals(List.of("create"), create.getVerbs(), "create cannot be limited by resourceNames");
        assertTrue(create.getResourceNames() == null || create.getResourceNames().isEmpty());

        RoleBinding binding = (RoleBinding) Models.parse(r.get("RoleBinding", JOB));
        assertEquals(JOB, binding.getRoleRef().getName());
        assertEquals(JOB, binding.getSubjects().get(0).getName());
        assertEquals(Chart.NAMESPACE, binding.getSubjects().get(0).getNamespace());
        Job job = (Job) Models.parse(r.get("Job", JOB));
        assertEquals(JOB, job.getSpec().getTemplate().getSpec().getServiceAccountName());
        assertNotNull(r.get("ServiceAccount", JOB));
    }

    @Test
    void everyPieceIsAHookAndTheRbacComesBeforeTheJob() {
        Chart.Rendered r = Chart.render(Chart.Variant.OPERATIONS);
        List<String> hooks = new ArrayList<>();
        for (JsonNode o : r.objects()) {
            JsonNode a = o.path("metadata").path("annotations");
            if (a.has(Chart.HOOK_KEY)) {
                hooks.add(o.path("kind").asText() + "/" + o.path("metadata").path("name").asText());
                assertEquals("pre-install,pre-upgrade", a.path(Chart.HOOK_KEY).asText(), o.toString());
                assertEquals("before-hook-creation,hook-succeeded", a.path(Chart.HOOK_KEY + "-delete-policy")
                    .asText());
                int weight = Integer.parseInt(a.path(Chart.HOOK_KEY + "-weight").asText());
                assertEquals(o.path("kind").asText().equals("Job") ? -5 : -10, weight, o.path("kind").asText());
            }
        }
        assertEquals(List.of("ServiceAccount/spillway-certs", "Role/spillway-certs", "RoleBinding/spillway-certs",
            "Job/spillway-certs"), hooks, "the hooks, and nothing that mounts the Secrets among them");
        for (String kind : HOOK_KINDS) {
            assertFalse(r.get(kind, JOB).path("metadata").path("annotations").has("helm.sh/resource-policy"));
        }
    }

    @Test
    void theJobRunsLikeEverySpillwayContainer() {
        Chart.Rendered r = Chart.render(Chart.Variant.OPERATIONS);
        PodSpec job = ((Job) Models.parse(r.get("Job", JOB))).getSpec().getTemplate().getSpec();
        PodSpec node = ((StatefulSet) Models.parse(r.get("StatefulSet", "spillway-node"))).getSpec().getTemplate()
            .getSpec();
        assertEquals(node.getSecurityContext(), job.getSecurityContext());
        Container certs = job.getContainers().get(0);
        Container nodeC = node.getContainers().stream().filter(c -> c.getName().equals("node")).findFirst()
            .orElseThrow();
        assertEquals(nodeC.getSecurityContext(), certs.getSecurityContext());
        assertTrue(certs.getSecurityContext().getReadOnlyRootFilesystem());
        assertTrue(certs.getSecurityContext().getRunAsNonRoot());
        assertEquals(nodeC.getImage(), certs.getImage());
        assertEquals("Never", job.getRestartPolicy());
        assertTrue(certs.getVolumeMounts().stream().anyMatch(m -> m.getMountPath().equals("/tmp")),
            "a writable /tmp on the read-only root");
        assertTrue(job.getAutomountServiceAccountToken(), "the client's in-cluster configuration");
    }

    @Test
    void theOtherSourcesAndModeNoneRenderNoHook() {
        for (Map<String, Object> set : List.<Map<String, Object>>of(
            Map.of("security.certificates.source", "certManager"),
            Map.of("security.mode", "none"),
            Map.of("security.certificates.source", "existingSecrets", "security.certificates.existingSecrets.node",
                "n", "security.certificates.existingSecrets.router", "r", "security.certificates.existingSecrets.client",
                "c"))) {
            Chart.Rendered r = Chart.render(Chart.Variant.OPERATIONS, set);
            assertTrue(r.ofKind("Job").isEmpty(), set.toString());
            assertTrue(r.find("Role", JOB).isEmpty(), set.toString());
        }
    }
}
