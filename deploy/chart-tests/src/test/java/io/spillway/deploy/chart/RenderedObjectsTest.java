package io.spillway.deploy.chart;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.node.ObjectNode;
import io.fabric8.kubernetes.api.model.GenericKubernetesResource;
import io.fabric8.kubernetes.api.model.HasMetadata;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * Every object {@code helm template} renders, for the default values and both variants: a kind fabric8 models
 * (everything of Kubernetes itself) parses into its model class with no field the model does not declare; a custom
 * resource (InferencePool, InferenceObjective, ServiceMonitor, ScaledObject, cert-manager's Issuer and Certificate) is
 * valid under the OpenAPI schema of its project's released CRD (src/test/resources/crds); nothing else is rendered.
 */
class RenderedObjectsTest {
    private static final CrdSchemas CRDS = new CrdSchemas();

    @ParameterizedTest
    @EnumSource(Chart.Variant.class)
    void everyObjectParsesWithNoUnknownField(Chart.Variant variant) {
        Chart.Rendered r = Chart.render(variant);
        List<String> problems = new ArrayList<>();
        int typed = 0;
        int custom = 0;
        for (ObjectNode o : r.objects()) {
            String id = o.path("kind").asText() + " " + o.path("metadata").path("name").asText();
            if (CRDS.covers(o)) {
                CRDS.validate(o).forEach(e -> problems.add(id + e));
                custom++;
                continue;
            }
            HasMetadata model = Models.parse(o);
            if (model instanceof GenericKubernetesResource) {
                problems.add(id + ": neither a kind fabric8 models nor one of the CRDs (" + o.path("apiVersion") + ")");
                continue;
            }
            Models.unknownFields(model).forEach(f -> problems.add(id + f + ": unknown field"));
            typed++;
        }
        assertEquals(List.of(), problems, variant + ": rendered objects");
        System.out.printf("%s: %d objects (%d Kubernetes, %d custom): %s%n", variant, r.objects().size(), typed, custom,
            r.kinds());
        assertTrue(typed > 0);
    }

    @Test
    void eachVariantRendersWhatItIsFor() {
        Map<String, Integer> def = Chart.render(Chart.Variant.DEFAULT).kinds();
        // the nodes', the router's and the certificate hook's ServiceAccount, Role and RoleBinding; the join secret;
        // the hook Job that writes the certificate Secrets (security.certificates.source generate)
        assertEquals(Map.ofEntries(Map.entry("ServiceAccount", 3), Map.entry("Role", 3), Map.entry("RoleBinding", 3),
            Map.entry("ConfigMap", 2), Map.entry("Service", 2), Map.entry("Deployment", 1),
            Map.entry("StatefulSet", 1), Map.entry("PodDisruptionBudget", 1), Map.entry("InferencePool", 1),
            Map.entry("Secret", 1), Map.entry("Job", 1)), def);
        Map<String, Integer> certManager = Chart.render(Chart.Variant.DEFAULT,
            Map.of("security.certificates.source", "certManager")).kinds();
        // cert-manager's self-signed and CA Issuers, the CA, node, router and admin Certificates; no hook
        assertEquals(2, certManager.get("Issuer"));
        assertEquals(4, certManager.get("Certificate"));
        assertFalse(certManager.containsKey("Job"));
        Map<String, Integer> proxy = Chart.render(Chart.Variant.PROXY_WITH_VLLM).kinds();
        assertEquals(2, proxy.get("Deployment"), "router and vLLM");
        assertFalse(proxy.containsKey("InferencePool"), "no pool in proxy mode");
        Map<String, Integer> ops = Chart.render(Chart.Variant.OPERATIONS).kinds();
        assertEquals(3, ops.get("NetworkPolicy"), "nodes, router, vLLM");
        assertEquals(2, ops.get("ScaledObject"), "nodes and model servers");
        assertEquals(1, ops.get("ServiceMonitor"));
        assertEquals(2, ops.get("InferenceObjective"));
    }

    /** The checks above can fail: a field the model lacks, a custom field the CRD lacks, a bad enum value. */
    @Test
    void anUnknownFieldIsCaught() {
        Chart.Rendered r = Chart.render(Chart.Variant.OPERATIONS);
        ObjectNode sts = r.get("StatefulSet", "spillway-node").deepCopy();
        ((ObjectNode) sts.path("spec").path("template").path("spec").path("containers").get(0))
            .put("livenesProbe", "typo");
        assertEquals(List.of(".spec.template.spec.containers[0].livenesProbe"),
            Models.unknownFields(Models.parse(sts)));
        ObjectNode port = sts.path("spec").path("template").path("spec").path("containers").get(0).path("ports")
            .get(0).deepCopy();
        port.put("containerPort", "seven thousand");
        ObjectNode sts2 = r.get("StatefulSet", "spillway-node").deepCopy();
        ((com.fasterxml.jackson.databind.node.ArrayNode) sts2.path("spec").path("template").path("spec")
            .path("containers").get(0).path("ports")).set(0, port);
        boolean refused;
        try {
            refused = !Models.unknownFields(Models.parse(sts2)).isEmpty();
        } catch (IllegalArgumentException e) {
            refused = true; // the parse itself refuses it
        }
        assertTrue(refused, "a string where an integer belongs");

        ObjectNode pool = r.get("InferencePool", "spillway").deepCopy();
        ((ObjectNode) pool.path("spec")).put("endpointPicker", "spillway-router");
        ((ObjectNode) pool.path("spec").path("endpointPickerRef")).put("failureMode", "Fail");
        List<String> errors = CRDS.validate(pool);
        assertEquals(2, errors.size(), errors.toString());
        ObjectNode keda = r.ofKind("ScaledObject").get(0).deepCopy();
        ((ObjectNode) keda.path("spec")).remove("triggers");
        assertEquals(1, CRDS.validate(keda).size(), "a ScaledObject without triggers");
    }
}
