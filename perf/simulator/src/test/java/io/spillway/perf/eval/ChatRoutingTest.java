package io.spillway.perf.eval;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.spillway.key.Namespace;
import io.spillway.perf.sim.SimCommand;
import io.spillway.placement.index.BlockLocationIndex;
import io.spillway.placement.index.Location;
import io.spillway.placement.index.Medium;
import io.spillway.placement.routing.RoutingConfig;
import io.spillway.placement.routing.TransferCostModel;
import io.spillway.router.service.Router;
import io.spillway.router.service.RouterContext;
import io.spillway.router.vllm.VllmEventSubscriber;
import io.spillway.router.vllm.VllmPodEndpoint;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * Chat traffic end to end, as production would key it: two simulated pods that template and tokenize chat requests
 * as vLLM does (Qwen3's template and tokenizer) and publish their KV events; the real router in front, keying with
 * the same model's files. Speculative entries are off, so the router can find the first turn only through the pods'
 * events, that is only if its keys equal the pods'. A second router keying chat the old way (role lines, approximate
 * tokens) follows the same events and finds nothing. The test's own event subscriber tells when the pods' events are
 * out, so that no request is sent before the routers can know what it should find.
 */
class ChatRoutingTest {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final Path QWEN3 = SimCommand.fromRoot("router/src/test/resources/chat/qwen3");
    private static final String MODEL = "Qwen/Qwen3-8B";
    private static final EngineParams FAST = new EngineParams(1_024, 16, 8_192, 2_000_000L, 0L,
        new TransferCostModel(2L << 20, 10e9, 3e9, 200_000, 1_000_000, 16));
    private static final String NO_SPECULATION = """
        apiVersion: llm-d.ai/v1alpha1
        kind: EndpointPickerConfig
        plugins:
        - type: spillway-prefix-scorer
          parameters: {speculativeTtlSeconds: 0}
        - type: queue-scorer
        - type: kv-cache-utilization-scorer
        - type: max-score-picker
          parameters: {seed: 1}
        schedulingProfiles:
        - name: decode
          plugins:
          - {pluginRef: spillway-prefix-scorer, weight: 3}
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
            BlockLocationIndex seen = new BlockLocationIndex(100_000);
            VllmEventSubscriber.Builder watch = VllmEventSubscriber.builder().index(seen)
                .namespace(MODEL, EngineServer.namespaceOf(MODEL));
            pods.forEach(pod -> watch.pod(new VllmPodEndpoint("127.0.0.1:" + pod.port(), "tcp://127.0.0.1:"
                + pod.eventsPort(), null, null)));
            try (Router router = new Router(templated.build()); Router old = new Router(lines.build());
                 AutoCloseable watching = VllmEventSubscriber.startOnThread(watch.build(), Throwable::printStackTrace)) {
                // every subscriber (the routers' were started first) hears the pods before the conversation starts
                Map<String, Integer> before = new HashMap<>();
                for (EngineServer pod : pods) {
                    warmUp(pod, seen);
                    before.put("127.0.0.1:" + pod.port(), blocksAt(seen, "127.0.0.1:" + pod.port()));
                }
                body.put("max_tokens", 3);
                ArrayNode messages = body.putArray("messages");
                messages.addObject().put("role", "system").put("content", "You are a careful assistant for a "
                    + "team that runs a distributed KV cache beside its inference engines; answer in full sentences.");
                messages.addObject().put("role", "user").put("content", "Which tier should hold blocks that "
                    + "every pod reads, and why would the router care about where they are held?");
                JsonNode first = post(router.proxyPort(), "/v1/chat/completions", body);
                assertEquals(0, first.at("/usage/prompt_tokens_details/cached_tokens").asInt(), "a cold start");
                String firstPod = lastDecision(router).get("pod").asText();
                int prompt = first.at("/usage/prompt_tokens").asInt();
                awaitBlocks(seen, firstPod, before.get(firstPod) + prompt / 16); // its events are out

                messages.addObject().put("role", "assistant").put("content", first.at("/choices/0/message/content")
                    .asText());
                messages.addObject().put("role", "user").put("content", "And when a pod evicts them?");
                JsonNode second = post(router.proxyPort(), "/v1/chat/completions", body);
                JsonNode decision = lastDecision(router);
                assertTrue(decision.get("hitTokens").asDouble() >= (prompt / 16 - 1) * 16,
                    "the router saw the first turn's blocks at a pod: " + decision);
                assertEquals(firstPod, decision.get("pod").asText(), "and sent the second turn there");
                assertTrue(second.at("/usage/prompt_tokens_details/cached_tokens").asInt() >= prompt / 16 * 16 - 16,
                    "the pod served the first turn's blocks from its cache: " + second.get("usage"));

                post(old.proxyPort(), "/v1/chat/completions", body);
                assertEquals(0, lastDecision(old).get("hitTokens").asDouble(), 0.0,
                    "keyed as role lines, the same events give no hit");
            }
        } finally {
            pods.forEach(EngineServer::close);
        }
    }

    /** A router over the test's pods: keyed with Qwen3's files ({@code tokenizer}), or approximately when null. */
    private static RouterContext.Builder router(String tokenizer) {
        return RouterContext.builder().host("127.0.0.1").proxyPort(0).extProcPort(-1).httpPort(0)
            .routing(RoutingConfig.parse(NO_SPECULATION)).namespace(Namespace.builder()
                .modelId(MODEL).layers(32).kvHeads(8).headDim(128).build())
            .tokenizer(tokenizer == null ? "approximate" : QWEN3.resolve(tokenizer).toString());
    }

    private static final String WARM_UP = "Warming up the pod's event stream: a subscriber that joins a publisher "
        + "misses what was sent before its subscription arrived, so a few blocks of text go first, each time new. ";

    /** Sends the pod new text until the test's subscriber sees its blocks: from then on, no event is lost. */
    private void warmUp(EngineServer pod, BlockLocationIndex seen) throws Exception {
        String id = "127.0.0.1:" + pod.port();
        for (int attempt = 0; attempt < 50; attempt++) {
            post(pod.port(), "/v1/completions", JSON.createObjectNode().put("model", MODEL).put("max_tokens", 1)
                .put("prompt", attempt + " " + WARM_UP.repeat(2)).put("add_special_tokens", false));
            for (int wait = 0; wait < 20 && blocksAt(seen, id) == 0; wait++) {
                Thread.sleep(5);
            }
            if (blocksAt(seen, id) > 0) {
                return; // a prompt's blocks come in one event: all of them are in
            }
        }
        throw new AssertionError(id + "'s events never reached the test's subscriber");
    }

    private static int blocksAt(BlockLocationIndex seen, String pod) {
        int at = seen.locations().find(Location.pod(pod, Medium.GPU));
        return at == 0 ? 0 : (int) seen.sizeOf(at);
    }

    /** Waits (at most 5 s) until {@code seen} holds at least {@code blocks} blocks at {@code pod}'s GPU. */
    private static void awaitBlocks(BlockLocationIndex seen, String pod, int blocks) throws InterruptedException {
        for (long deadline = System.nanoTime() + 5_000_000_000L; System.nanoTime() < deadline; ) {
            if (blocksAt(seen, pod) >= blocks) {
                return;
            }
            Thread.sleep(5);
        }
        throw new AssertionError(pod + "'s events never named " + blocks + " blocks");
    }

    private JsonNode post(int port, String path, ObjectNode body) throws Exception {
        HttpResponse<String> r = http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port
            + path)).header("content-type", "application/json")
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
