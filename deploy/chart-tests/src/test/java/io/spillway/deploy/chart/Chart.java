package io.spillway.deploy.chart;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import com.fasterxml.jackson.dataformat.yaml.YAMLMapper;
import com.marcnuri.helm.Helm;
import com.marcnuri.helm.LintResult;
import com.marcnuri.helm.TemplateCommand;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * The chart under test (deploy/helm/spillway, through helm-java: Helm's own Go code), the value sets the tests render
 * it with, and what a render gives: its documents as JSON trees, looked up by kind and name.
 */
final class Chart {
    static final String RELEASE = "spillway";
    static final String NAMESPACE = "spillway";
    static final ObjectMapper YAML = new YAMLMapper();

    /** The value sets: the defaults and the two variants of issue 19 (src/test/resources/values). */
    enum Variant {
        /** Nodes, the router as an endpoint picker, the InferencePool. */
        DEFAULT(null),
        /** The router as an OpenAI proxy (no gateway, no InferencePool) with the example vLLM Deployment. */
        PROXY_WITH_VLLM("proxy-with-vllm.yaml"),
        /**
         * What an operator adds: NetworkPolicies, a ServiceMonitor, KEDA's ScaledObjects, two InferenceObjectives, an
         * llm-d EndpointPickerConfig, and the example vLLM with two tensor-parallel ranks (two agents).
         */
        OPERATIONS("operations.yaml");

        final String valuesFile;

        Variant(String valuesFile) {
            this.valuesFile = valuesFile;
        }

        Path valuesPath() {
            try {
                return Path.of(Chart.class.getResource("/values/" + valuesFile).toURI());
            } catch (java.net.URISyntaxException e) {
                throw new IllegalStateException(e);
            }
        }
    }

    private Chart() {
    }

    static Path directory() {
        return Path.of(System.getProperty("spillway.chart", "../helm/spillway")).toAbsolutePath().normalize();
    }

    static LintResult lint() {
        return new Helm(directory()).lint().strict().call();
    }

    static Rendered render(Variant variant) {
        return render(variant, Map.of());
    }

    /** A variant with further {@code --set} values on top. */
    static Rendered render(Variant variant, Map<String, Object> set) {
        TemplateCommand t = new Helm(directory()).template().withName(RELEASE).withNamespace(NAMESPACE);
        if (variant.valuesFile != null) {
            t.withValuesFile(variant.valuesPath());
        }
        set.forEach(t::set);
        return Rendered.of(t.call());
    }

    /** The documents of one render. */
    record Rendered(String text, List<ObjectNode> objects) {
        static Rendered of(String text) {
            List<ObjectNode> out = new ArrayList<>();
            try (var docs = YAML.readerFor(JsonNode.class).readValues(new YAMLFactory().createParser(text))) {
                while (docs.hasNext()) {
                    JsonNode doc = (JsonNode) docs.next();
                    if (doc instanceof ObjectNode o && !o.isEmpty()) {
                        out.add(o);
                    }
                }
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
            return new Rendered(text, List.copyOf(out));
        }

        List<ObjectNode> ofKind(String kind) {
            return objects.stream().filter(o -> kind.equals(o.path("kind").asText())).toList();
        }

        Optional<ObjectNode> find(String kind, String name) {
            return ofKind(kind).stream().filter(o -> name.equals(o.path("metadata").path("name").asText()))
                .findFirst();
        }

        ObjectNode get(String kind, String name) {
            return find(kind, name).orElseThrow(() -> new AssertionError("no " + kind + " " + name + " rendered"));
        }

        /** kind -> count, in the order first seen. */
        Map<String, Integer> kinds() {
            Map<String, Integer> out = new LinkedHashMap<>();
            objects.forEach(o -> out.merge(o.path("kind").asText(), 1, Integer::sum));
            return out;
        }

        /** A ConfigMap's entry. */
        String configData(String configMap, String key) {
            JsonNode v = get("ConfigMap", configMap).path("data").path(key);
            if (!v.isTextual()) {
                throw new AssertionError("ConfigMap " + configMap + " has no " + key);
            }
            return v.asText();
        }
    }
}
