package io.spillway.perf.eval;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.spillway.perf.sim.SimCommand;
import io.spillway.placement.routing.RoutingConfig;
import io.spillway.placement.routing.TransferCostModel;
import io.spillway.router.service.Router;
import io.spillway.router.service.RouterContext;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * Chat traffic end to end, as production would key it: two simulated pods that template and tokenize chat requests
 * as vLLM does (Qwen3's template and tokenizer) and publish their KV events; the real router in front, keying with
 * the same model's files. Speculative entries are off, so the router can find the first turn only through the pods'
 * events, that is only if its keys equal the pods'. A second router keying chat the old way (role lines, approximate
 * tokens) follows the same events and finds nothing.
 */
class ChatRoutingTest {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final Path QWEN3 = SimCommand.fromRoot("router/src/test/resources/chat/qwen3");
    private static final String MODEL = "Qwen/Qwen3-8B";
    private static final EngineParams FAST = new EngineParams(1_024, 16, 8_192, 2_000_000L, 0L,
        new TransferCostModel(2L << 20, 10e9, 3e9, 200_000, 1_000_000, 16));
    private static final String NO_SPECULATION = """
        plugins:
        - type: prefix-cache-scorer
          parameters: {speculativeTtlSeconds: 0}
        - type: queue-scorer
        - type: kv-cache-utilization-scorer
        - type: max-score-picker
          parameters: {seed: 1}
        schedulingProfiles:
        - name: decode
          plugins:
          - {pluginRef: prefix-cache-scorer, weight: 3}
          - {pluginRef: queue-scorer, weight: 2}
          - {pluginRef: kv-cache-utilization-scorer, weight: 2}
        """;

    private final HttpClient http = HttpClient.newHttpClient();

    @Test
    void theSecondTurnGoesToThePodHoldingTheFirstThroughThePodsEvents() throws Exception {
        secondTurnFindsTheFirst(JSON.createObjectNode().put("model", MODEL));
    }

    @Test
    void anAdaptersSaltedConversationIsFoundToo() throws Exception {
        // the pods key its blocks with the adapter and the salt and their events say so; the router's keys carry both
        secondTurnFindsTheFirst(JSON.createObjectNode().put("model", "sql-lora").put("cache_salt", "tenant-7"));
    }

    private void secondTurnFindsTheFirst(ObjectNode body) throws Exception {
        List<EngineServer> pods = new ArrayList<>();
        try (EnginePrompts prompts = EnginePrompts.model(QWEN3, MODEL)) {
            RouterContext.Builder templated = router("tokenizer.json");
            RouterContext.Builder lines = router(null);
            for (int p = 0; p < 2; p++) {
                EngineServer pod = new EngineServer("127.0.0.1", 0, 0, EngineServer.namespaceOf(MODEL), FAST, null,
                    prompts);
                pods.add(pod);
                for (RouterContext.Builder r : List.of(templated, lines)) {
                    r.staticPod("127.0.0.1:" + pod.port()).vllmEvents("127.0.0.1:" + pod.eventsPort());
                }
            }
            try (Router router = new Router(templated.build()); Router old = new Router(lines.build())) {
                body.put("max_tokens", 3);
                ArrayNode messages = body.putArray("messages");
                messages.addObject().put("role", "system").put("content", "You are a careful assistant for a "
                    + "team that runs a distributed KV cache beside its inference engines; answer in full sentences.");
                messages.addObject().put("role", "user").put("content", "Which tier should hold blocks that "
                    + "every pod reads, and why would the router care about where they are held?");
                JsonNode first = chat(router.proxyPort(), body);
                assertEquals(0, first.at("/usage/prompt_tokens_details/cached_tokens").asInt(), "a cold start");
                String firstPod = lastDecision(router).get("pod").asText();

                messages.addObject().put("role", "assistant").put("content", first.at("/choices/0/message/content")
                    .asText());
                messages.addObject().put("role", "user").put("content", "And when a pod evicts them?");
                int prompt = first.at("/usage/prompt_tokens").asInt();
                JsonNode decision = null;
                for (long deadline = System.nanoTime() + 5_000_000_000L; System.nanoTime() < deadline; ) {
                    JsonNode blind = chat(old.proxyPort(), body); // keyed as lines: no key is the pods'
                    assertEquals(0, lastDecision(old).get("hitTokens").asDouble(), 0.0, "the old keys find nothing");
                    assertTrue(blind.at("/usage/prompt_tokens").asInt() > prompt);
                    JsonNode second = chat(router.proxyPort(), body);
                    decision = lastDecision(router);
                    if (decision.get("hitTokens").asDouble() > 0) {
                        assertTrue(second.at("/usage/prompt_tokens_details/cached_tokens").asInt() >= prompt / 16 * 16
                            - 16, "the pod served the first turn's blocks from its cache: " + second.get("usage"));
                        break;
                    }
                    Thread.sleep(50); // the pod's events not yet read: the next try waits on them
                }
                assertTrue(decision.get("hitTokens").asDouble() >= (prompt / 16 - 1) * 16,
                    "the router saw the first turn's blocks at a pod: " + decision);
                assertEquals(firstPod, decision.get("pod").asText(), "and sent the second turn there");
            }
        } finally {
            pods.forEach(EngineServer::close);
        }
    }

    /** A router over the test's pods: keyed with Qwen3's files ({@code tokenizer}), or approximately when null. */
    private static RouterContext.Builder router(String tokenizer) {
        return RouterContext.builder().host("127.0.0.1").proxyPort(0).extProcPort(-1).httpPort(0)
            .routing(RoutingConfig.parse(NO_SPECULATION)).namespace(io.spillway.key.Namespace.builder()
                .modelId(MODEL).layers(32).kvHeads(8).headDim(128).build())
            .tokenizer(tokenizer == null ? "approximate" : QWEN3.resolve(tokenizer).toString());
    }

    private JsonNode chat(int port, ObjectNode body) throws Exception {
        HttpResponse<String> r = http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port
            + "/v1/chat/completions")).header("content-type", "application/json")
            .POST(HttpRequest.BodyPublishers.ofString(body.toString())).build(), HttpResponse.BodyHandlers.ofString());
        assertEquals(200, r.statusCode(), r.body());
        return JSON.readTree(r.body());
    }

    private JsonNode lastDecision(Router router) throws Exception {
        String text = http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + router.httpPort()
            + "/debug/decisions")).build(), HttpResponse.BodyHandlers.ofString()).body();
        return JSON.readTree(text).get("decisions").get(0);
    }
}
