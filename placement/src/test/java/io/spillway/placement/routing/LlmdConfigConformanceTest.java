package io.spillway.placement.routing;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Spillway's loader against llm-d's own: llm-d's published EndpointPickerConfigs (v0.7.1's and the current router's,
 * in src/test/resources/llmd-configs) load unchanged here and give the plugin graph that llm-d's loader gives for them;
 * Spillway's presets, written in llm-d's form, load in llm-d's loader and give the graph Spillway builds. llm-d's side
 * is the Go program placement/src/test/go/llmdconfig (llm-d-inference-scheduler v0.7.1 with the GIE v1.4.0 loader it
 * uses), built through the Go module proxy by bin/llmd-config-loader and cached under target/.
 */
class LlmdConfigConformanceTest {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final Path CONFIGS = Path.of("src/test/resources/llmd-configs");
    private static Path loader;

    @BeforeAll
    static void buildLlmdLoader() throws Exception {
        Path root = Path.of("").toAbsolutePath();
        while (root != null && !Files.isExecutable(root.resolve("bin/llmd-config-loader"))) {
            root = root.getParent();
        }
        assertTrue(root != null, "bin/llmd-config-loader not found above " + Path.of("").toAbsolutePath());
        Run build = run(List.of(root.resolve("bin/llmd-config-loader").toString()), 20);
        assertEquals(0, build.rc, "building llm-d's loader failed:\n" + build.err);
        loader = Path.of(build.out.trim());
    }

    /** llm-d v0.7.1's files Spillway implements every plugin of: the same graph from both loaders. */
    @Test
    void llmdsV071ConfigsGiveLlmdsGraph() throws Exception {
        for (String file : List.of("epp-config.yaml", "pd-epp-config.yaml", "sim-epp-config.yaml",
            "sim-pd-epp-config.yaml", "epp-estimate-prefix-cache-config.yaml")) {
            Path f = CONFIGS.resolve("v0.7.1").resolve(file);
            assertSameGraph(file, RoutingConfig.parse(Files.readString(f)), llmd(f));
        }
    }

    /**
     * The current llm-d router's files (apiVersion llm-d.ai/v1alpha1, which v0.7.1's loader predates): Spillway reads
     * them unchanged; llm-d's loader reads them with only the apiVersion line set to the one it knows.
     */
    @Test
    void currentLlmdConfigsGiveLlmdsGraph() throws Exception {
        for (String file : List.of("epp-config.yaml", "pd-epp-config.yaml", "sim-epp-config.yaml",
            "sim-pd-epp-config.yaml", "epp-estimate-prefix-cache-config.yaml")) {
            String text = Files.readString(CONFIGS.resolve("head").resolve(file));
            assertTrue(text.contains("apiVersion: " + RoutingConfig.API_VERSION + "\n"), file);
            RoutingConfig ours = RoutingConfig.parse(text);
            assertEquals(RoutingConfig.API_VERSION, ours.apiVersion());
            Path old = Files.createTempFile("llmd-head-", ".yaml");
            try {
                Files.writeString(old, text.replace("apiVersion: " + RoutingConfig.API_VERSION,
                    "apiVersion: " + RoutingConfig.DEPRECATED_API_VERSION));
                assertSameGraph("head/" + file, ours, llmd(old));
            } finally {
                Files.delete(old);
            }
        }
    }

    /** llm-d's P/D file, read by both: decode and prefill profiles, prefix 2 and queue 1, split at 16 tokens. */
    @Test
    void thePdConfigIsTheDocumentedGraph() throws Exception {
        for (String dir : List.of("v0.7.1", "head")) {
            RoutingConfig c = RoutingConfig.parse(Files.readString(CONFIGS.resolve(dir).resolve("pd-epp-config.yaml")));
            assertEquals(Map.of("prefix-cache-scorer", 2.0, "queue-scorer", 1.0), c.decode(), dir);
            assertEquals(Map.of("prefix-cache-scorer", 2.0, "queue-scorer", 1.0), c.prefill(), dir);
            assertEquals(SplitRule.prefixBased(16), c.splitRule(), dir);
            assertEquals(List.of("prefill-filter"), c.profiles().get("prefill").filters(), dir);
            assertEquals(List.of("decode-filter"), c.profiles().get("decode").filters(), dir);
        }
    }

    /**
     * Files llm-d's loader cannot load on a machine without a tokenizer (the precise scorer's factory builds its
     * tokenizer pool): Spillway reads them, and the graph is the one the file states.
     */
    @Test
    void preciseConfigsLoadWithTheirStatedWeights() throws Exception {
        RoutingConfig c = RoutingConfig.parse(Files.readString(CONFIGS.resolve("v0.7.1/sim-epp-no-hit-lru.yaml")));
        assertEquals(Map.of("precise-prefix-cache-scorer", 2.0, "no-hit-lru-scorer", 1.0), c.decode());
        for (String f : List.of("v0.7.1/epp-precise-prefix-cache-config.yaml", "head/epp-precise-prefix-cache-config"
            + ".yaml")) {
            RoutingConfig p = RoutingConfig.parse(Files.readString(CONFIGS.resolve(f)));
            assertEquals(Map.of("precise-prefix-cache-scorer", 2.0, "kv-cache-utilization-scorer", 1.0,
                "queue-scorer", 1.0), p.decode(), f);
            assertEquals(0, p.speculativeTtlNanos(), "speculativeIndexing is off unless set: " + f);
        }
        for (String f : List.of("v0.7.1/sim-epp-kvcache-config.yaml", "v0.7.1/sim-epp-external-tokenizer-config.yaml",
            "head/sim-epp-kvcache-config.yaml", "head/sim-epp-tokenizer-vllm-http-config.yaml")) {
            assertEquals(Map.of("precise-prefix-cache-scorer", 10.0),
                RoutingConfig.parse(Files.readString(CONFIGS.resolve(f))).decode(), f);
        }
    }

    /** What Spillway does not implement is refused naming the plugin, never half-loaded. */
    @Test
    void unimplementedLlmdPluginsAreRefusedByName() throws Exception {
        Map<String, String> refused = Map.of("v0.7.1/dp-epp-config.yaml", "data-parallel-profile-handler",
            "head/dp-epp-config.yaml", "data-parallel-profile-handler",
            "head/sim-e-pd-epp-config.yaml", "always-disagg-multimodal-decider",
            "head/sim-e-p-d-epp-config.yaml", "always-disagg-multimodal-decider",
            "head/probabilistic-admitter-epp-config.yaml", "probabilistic-admitter");
        for (Map.Entry<String, String> e : refused.entrySet()) {
            String text = Files.readString(CONFIGS.resolve(e.getKey()));
            IllegalArgumentException x = assertThrows(IllegalArgumentException.class, () -> RoutingConfig.parse(text),
                e.getKey());
            assertTrue(x.getMessage().contains(e.getValue()), e.getKey() + ": " + x.getMessage());
        }
    }

    /** Spillway's presets in llm-d's form: llm-d's loader builds the graph Spillway builds. */
    @Test
    void presetsLoadInLlmdsLoader() throws Exception {
        for (String name : List.of("llm-d-default", "spillway-pd", "load-only")) {
            RoutingConfig c = RoutingConfig.preset(name);
            Path f = Files.createTempFile("spillway-" + name + "-", ".yaml");
            try {
                Files.writeString(f, c.toYaml(RoutingConfig.DEPRECATED_API_VERSION));
                assertSameGraph(name, c, llmd(f));
            } finally {
                Files.delete(f);
            }
        }
        // spillway-default uses Spillway's tiered prefix scorer, which llm-d does not have: llm-d says exactly that
        Path f = Files.createTempFile("spillway-default-", ".yaml");
        try {
            Files.writeString(f, RoutingConfig.preset("spillway-default").toYaml(RoutingConfig.DEPRECATED_API_VERSION));
            Run r = run(List.of(loader.toString(), f.toString()), 2);
            assertEquals(1, r.rc, r.out);
            assertTrue(r.err.contains("plugin type 'spillway-prefix-scorer' is not registered"), r.err);
        } finally {
            Files.delete(f);
        }
    }

    /** A positive control: the comparison sees a changed weight. */
    @Test
    void aDifferentWeightIsADifferentGraph() throws Exception {
        Path f = CONFIGS.resolve("v0.7.1/epp-config.yaml");
        RoutingConfig changed = RoutingConfig.parse(Files.readString(f).replace("weight: 2", "weight: 3"));
        assertTrue(!normal(scheduling(changed.graph())).equals(normal(scheduling(llmd(f)))));
    }

    private static void assertSameGraph(String what, RoutingConfig ours, JsonNode theirs) {
        assertEquals(normal(scheduling(theirs)), normal(scheduling(ours.graph())), what + ": llm-d's graph (expected)"
            + " vs Spillway's");
    }

    /** The profiles and the handler: the plugin list also holds flow-control defaults Spillway has no use for. */
    private static ObjectNode scheduling(JsonNode g) {
        ObjectNode o = JsonNodeFactory.instance.objectNode();
        o.set("profiles", g.get("profiles"));
        o.set("handler", g.get("handler"));
        return o;
    }

    /** The tree with every number as a double (Go writes a weight of 2 as 2, Jackson as 2.0). */
    private static Object normal(JsonNode n) {
        if (n == null || n.isNull()) {
            return null;
        }
        if (n.isNumber()) {
            return n.asDouble();
        }
        if (n.isArray()) {
            List<Object> l = new ArrayList<>();
            n.forEach(e -> l.add(normal(e)));
            return l;
        }
        if (n.isObject()) {
            Map<String, Object> m = new TreeMap<>();
            for (Iterator<Map.Entry<String, JsonNode>> it = n.fields(); it.hasNext(); ) {
                Map.Entry<String, JsonNode> e = it.next();
                m.put(e.getKey(), normal(e.getValue()));
            }
            return m;
        }
        return n.asText();
    }

    private static JsonNode llmd(Path file) throws Exception {
        Run r = run(List.of(loader.toString(), file.toAbsolutePath().toString()), 2);
        assertEquals(0, r.rc, "llm-d's loader refused " + file + ":\n" + r.err);
        return JSON.readTree(r.out);
    }

    private record Run(int rc, String out, String err) {
    }

    private static Run run(List<String> command, int minutes) throws Exception {
        Process p = new ProcessBuilder(command).start();
        CompletableFuture<String> out = CompletableFuture.supplyAsync(() -> read(p.getInputStream()));
        CompletableFuture<String> err = CompletableFuture.supplyAsync(() -> read(p.getErrorStream()));
        if (!p.waitFor(minutes, TimeUnit.MINUTES)) {
            p.destroyForcibly();
            throw new AssertionError(command + " did not finish in " + minutes + " min");
        }
        return new Run(p.exitValue(), out.get(), err.get());
    }

    private static String read(InputStream in) {
        try (in) {
            ByteArrayOutputStream b = new ByteArrayOutputStream();
            in.transferTo(b);
            return b.toString(StandardCharsets.UTF_8);
        } catch (IOException e) {
            return "(unreadable: " + e + ")";
        }
    }
}
