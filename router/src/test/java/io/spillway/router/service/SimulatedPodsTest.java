package io.spillway.router.service;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.spillway.key.Namespace;
import io.spillway.key.RequestExtras;
import io.spillway.perf.eval.EngineParams;
import io.spillway.perf.eval.EngineServer;
import io.spillway.perf.eval.PromptReader;
import io.spillway.placement.routing.TransferCostModel;
import io.spillway.router.schedule.CompletionPrompt;
import io.spillway.router.tokenize.CharacterTokenizer;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * A whole router in this JVM in front of two simulated vLLM pods (perf/engine's EngineServer: the OpenAI API,
 * {@code vllm:*} metrics, {@code /tokenize} and vLLM-format KV events on ZMQ). A long prefix is sent straight to one
 * pod, as if another router had, so only that pod's KV events can tell this router where it is; a request that
 * extends it, sent through the router's proxy, must go to that pod with the prefix as GPU hits in the decision, and
 * the pod must answer it from its cache. Both tokenizer modes: the router's approximate one (the pods read prompts
 * the same way) and the engine's (the router asks a pod's {@code /tokenize}).
 */
class SimulatedPodsTest {
    private static final Namespace NS = EngineServer.namespaceOf("sim-model");
    /** Small and fast pods: 1,024 GPU blocks, 2 ms steps, a million prefill tokens a second. */
    private static final EngineParams FAST = new EngineParams(1_024, 16, 8_192, 2_000_000L, 0L,
        new TransferCostModel(2L << 20, 10e9, 3e9, 200_000, 1_000_000, 16));
    /** The pods read a prompt as the router's approximate mode keys it: a token per 4 characters, no extras. */
    private static final PromptReader PROMPTS = body -> new PromptReader.Prompt(new CharacterTokenizer(4).encode(
        CompletionPrompt.parse(body).prompt()), RequestExtras.NONE);
    /** 32 blocks of 16 tokens of 4 characters. */
    private static final int PREFIX_BLOCKS = 32;
    private static final Pattern STORED = Pattern.compile(
        "spillway_router_vllm_events_total\\{what=\"blocks-stored\"} ([0-9.E]+)");

    private final ObjectMapper json = new ObjectMapper();
    private final HttpClient http = HttpClient.newHttpClient();

    @ParameterizedTest
    @ValueSource(strings = {"approximate", "engine"})
    void aPrefixOnlyAPodsKvEventsTellOfIsRoutedToThatPodAndHitsItsCache(String tokenizer) throws Exception {
        List<EngineServer> pods = new ArrayList<>();
        try {
            RouterContext.Builder ctx = RouterContext.builder().host("127.0.0.1").proxyPort(0).extProcPort(-1)
                .httpPort(0).namespace(NS).tokenizer(tokenizer);
            for (int p = 0; p < 2; p++) {
                EngineServer pod = new EngineServer("127.0.0.1", 0, 0, NS, FAST, null, PROMPTS);
                pods.add(pod);
                ctx.staticPod("127.0.0.1:" + pod.port()).vllmEvents("127.0.0.1:" + pod.eventsPort());
            }
            try (Router router = new Router(ctx.build())) {
                for (EngineServer pod : pods) {
                    joinEvents(router, pod);
                }
                for (int p = 0; p < pods.size(); p++) {
                    EngineServer pod = pods.get(p);
                    String prefix = text("prefix of pod " + p + " (" + tokenizer + "). ", PREFIX_BLOCKS * 64);
                    double stored = stored(router);
                    JsonNode straight = complete(pod.port(), prefix);
                    assertEquals(0, cachedTokens(straight), "a prefix the pod has not seen");
                    await(() -> stored(router) >= stored + PREFIX_BLOCKS, "the prefix's blocks in the index");

                    JsonNode routed = complete(router.proxyPort(), prefix + "and a question that follows it");
                    JsonNode decision = lastDecision(router);
                    assertEquals("127.0.0.1:" + pod.port(), decision.get("pod").asText(), decision.toString());
                    assertEquals(PREFIX_BLOCKS, decision.get("hits").get("gpuBlocks").asInt(), decision.toString());
                    assertEquals(PREFIX_BLOCKS * 16, cachedTokens(routed), "the pod served the prefix from its cache");
                }
                String metrics = get(router.httpPort(), "/metrics");
                assertTrue(metrics.contains("spillway_router_decisions_total{outcome=\"routed\"} 2.0"), metrics);
            }
        } finally {
            pods.forEach(EngineServer::close);
        }
    }

    /**
     * Waits until the router hears {@code pod}'s KV events: a subscriber that joins after a publish misses it
     * (ZMQ), so one-block probes go to the pod until one reaches the index.
     */
    private void joinEvents(Router router, EngineServer pod) throws Exception {
        for (int probe = 0; probe < 50; probe++) {
            double stored = stored(router);
            complete(pod.port(), text("probe " + probe + " of " + pod.port() + " ", 64));
            long deadline = System.nanoTime() + 200_000_000L;
            while (System.nanoTime() < deadline) {
                if (stored(router) > stored) {
                    return;
                }
                Thread.sleep(10);
            }
        }
        throw new AssertionError("no probe's block reached the router from pod " + pod.port() + ": "
            + get(router.httpPort(), "/metrics"));
    }

    /** {@code seed} repeated to exactly {@code chars} characters. */
    private static String text(String seed, int chars) {
        return seed.repeat(chars / seed.length() + 1).substring(0, chars);
    }

    private JsonNode complete(int port, String prompt) throws Exception {
        String body = json.writeValueAsString(json.createObjectNode().put("model", NS.modelId()).put("prompt", prompt)
            .put("max_tokens", 1));
        HttpResponse<String> r = http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port
            + "/v1/completions")).POST(HttpRequest.BodyPublishers.ofString(body)).build(),
            HttpResponse.BodyHandlers.ofString());
        assertEquals(200, r.statusCode(), r.body());
        return json.readTree(r.body());
    }

    private static int cachedTokens(JsonNode reply) {
        return reply.get("usage").get("prompt_tokens_details").get("cached_tokens").asInt();
    }

    private double stored(Router router) throws Exception {
        Matcher m = STORED.matcher(get(router.httpPort(), "/metrics"));
        return m.find() ? Double.parseDouble(m.group(1)) : 0;
    }

    private JsonNode lastDecision(Router router) throws Exception {
        return json.readTree(get(router.httpPort(), "/debug/decisions")).get("decisions").get(0);
    }

    private String get(int port, String path) throws Exception {
        return http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + path)).build(),
            HttpResponse.BodyHandlers.ofString()).body();
    }

    private interface Condition {
        boolean holds() throws Exception;
    }

    private static void await(Condition condition, String what) throws Exception {
        long deadline = System.nanoTime() + 10_000_000_000L;
        while (!condition.holds()) {
            if (System.nanoTime() > deadline) {
                throw new AssertionError("not within 10 s: " + what);
            }
            Thread.sleep(10);
        }
    }
}
