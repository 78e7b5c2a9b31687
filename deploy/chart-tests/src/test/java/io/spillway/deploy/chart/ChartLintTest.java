package io.spillway.deploy.chart;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.marcnuri.helm.LintResult;
import java.io.IOException;
import java.nio.file.Files;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * {@code helm lint --strict} of the chart (Helm's own linter through helm-java: templates, Chart.yaml, and the
 * default values against values.schema.json), and the schema's and the templates' refusals of bad values.
 */
class ChartLintTest {
    @Test
    void lintFindsNoErrorAndNoWarning() {
        LintResult result = Chart.lint();
        List<String> problems = result.getMessages().stream()
            .filter(m -> m.startsWith("[ERROR]") || m.startsWith("[WARNING]")).toList();
        assertFalse(result.isFailed(), () -> "helm lint failed: " + result.getMessages());
        assertEquals(List.of(), problems, "helm lint --strict: errors and warnings");
        System.out.println("helm lint --strict: " + result.getMessages());
    }

    @Test
    void theSchemaRefusesAnUnknownKeyAndABadValue() {
        IllegalStateException unknown = assertThrows(IllegalStateException.class,
            () -> Chart.render(Chart.Variant.DEFAULT, Map.of("node.replica", "3")));
        assertTrue(unknown.getMessage().contains("replica"), unknown.getMessage());
        IllegalStateException mode = assertThrows(IllegalStateException.class,
            () -> Chart.render(Chart.Variant.DEFAULT, Map.of("router.mode", "gateway")));
        assertTrue(mode.getMessage().contains("mode"), mode.getMessage());
        IllegalStateException size = assertThrows(IllegalStateException.class,
            () -> Chart.render(Chart.Variant.DEFAULT, Map.of("node.resources.limits.memory", "8G")));
        assertTrue(size.getMessage().contains("memory"), size.getMessage());
    }

    @Test
    void everyValueTheChartReadsIsInTheSchemaAndEverySchemaKeyIsAValue() throws IOException {
        JsonNode schema = Chart.YAML.readTree(Files.readString(Chart.directory().resolve("values.schema.json")));
        JsonNode values = Chart.YAML.readTree(Files.readString(Chart.directory().resolve("values.yaml")));
        assertSameKeys(schema, values, "");
    }

    /** The schema's objects with declared properties name exactly the keys of values.yaml, level by level. */
    private static void assertSameKeys(JsonNode schema, JsonNode values, String path) {
        JsonNode props = schema.path("properties");
        if (!props.isObject() || !values.isObject()) {
            return;
        }
        java.util.Set<String> declared = new java.util.TreeSet<>();
        props.fieldNames().forEachRemaining(declared::add);
        declared.remove("global");
        java.util.Set<String> given = new java.util.TreeSet<>();
        values.fieldNames().forEachRemaining(given::add);
        assertEquals(declared, given, "keys at '" + path + "'");
        for (String k : given) {
            assertSameKeys(props.path(k), values.path(k), path + "." + k);
        }
    }

    @Test
    void aMemoryLimitTooSmallForTheNodeFailsTheRender() {
        IllegalStateException e = assertThrows(IllegalStateException.class,
            () -> Chart.render(Chart.Variant.DEFAULT, Map.of("node.resources.limits.memory", "2Gi",
                "node.resources.requests.memory", "2Gi")));
        assertTrue(e.getMessage().contains("leaves a CPU tier"), e.getMessage());
        IllegalStateException tooBig = assertThrows(IllegalStateException.class,
            () -> Chart.render(Chart.Variant.DEFAULT, Map.of("node.cpuTier.capacity", "7Gi")));
        assertTrue(tooBig.getMessage().contains("exceeds the direct memory"), tooBig.getMessage());
    }
}
