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
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.stream.Stream;

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

    /**
     * Helm's hook annotations' prefix ({@code helm.sh/hook}, {@code -weight}, {@code -delete-policy}) as a render
     * shows it: {@link #HOOK_KEY}. helm-java's template, unlike {@code helm template}, leaves hooks out of what it
     * returns, so the chart is rendered from a copy whose hook annotations are renamed: the hooks then render as
     * ordinary objects, with their annotations' values as the chart writes them under the renamed keys.
     */
    static final String HELM_HOOK = "helm.sh/hook";
    static final String HOOK_KEY = "hook.test.spillway.io/hook";

    private static Path renderable;

    /** The chart with its hook annotations renamed (copied once per run). */
    static synchronized Path renderableDirectory() {
        if (renderable == null) {
            try {
                Path target = Files.createTempDirectory("spillway-chart");
                Path source = directory();
                try (Stream<Path> files = Files.walk(source)) {
                    for (Path f : files.toList()) {
                        Path to = target.resolve(source.relativize(f).toString());
                        if (Files.isDirectory(f)) {
                            Files.createDirectories(to);
                        } else {
                            Files.writeString(to, Files.readString(f, StandardCharsets.UTF_8)
                                .replace(HELM_HOOK, HOOK_KEY), StandardCharsets.UTF_8);
                        }
                    }
                }
                renderable = target;
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }
        return renderable;
    }

    static Rendered render(Variant variant) {
        return render(variant, Map.of());
    }

    /** A variant with further {@code --set} values on top. */
    static Rendered render(Variant variant, Map<String, Object> set) {
        TemplateCommand t = new Helm(renderableDirectory()).template().withName(RELEASE).withNamespace(NAMESPACE);
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
