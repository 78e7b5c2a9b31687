package io.spillway.router.service;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import io.spillway.key.Namespace;
import io.spillway.router.tokenize.CharacterTokenizer;
import io.spillway.router.tokenize.HuggingFaceTokenizer;
import io.spillway.router.tokenize.NoChatTemplate;
import io.spillway.router.tokenize.RoleLinesChatTokenizer;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * A whole router in this JVM: a static pod (an HTTP server that also serves vLLM-style metrics) behind the proxy;
 * a request goes through, and the metrics and the decision log show it with every scorer's score.
 */
class RouterTest {
    private static final Namespace NS = Namespace.builder().modelId("m").layers(2).kvHeads(2).headDim(64).build();

    @Test
    void aRequestThroughTheProxyShowsInMetricsAndTheDecisionLog() throws Exception {
        HttpServer pod = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
        pod.createContext("/v1/completions", ex -> reply(ex, "{\"choices\": [{\"text\": \"hi\"}]}"));
        CountDownLatch scraped = new CountDownLatch(2);
        pod.createContext("/metrics", ex -> {
            scraped.countDown();
            reply(ex, "vllm:num_requests_waiting 3\nvllm:num_requests_running 1\nvllm:kv_cache_usage_perc 0.5\n");
        });
        pod.start();
        String address = "127.0.0.1:" + pod.getAddress().getPort();
        RouterContext ctx = RouterContext.builder().host("127.0.0.1").proxyPort(0).extProcPort(0).httpPort(0)
            .namespace(NS).staticPod(address).build();
        HttpClient http = HttpClient.newHttpClient();
        try (Router router = new Router(ctx)) {
            // a pod is scraped again only once its previous scrape ended: a second scrape means the first reading is in
            assertTrue(scraped.await(10, TimeUnit.SECONDS), "the router scraped the pod twice");
            HttpResponse<String> r = http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:"
                + router.proxyPort() + "/v1/completions")).POST(HttpRequest.BodyPublishers.ofString(
                "{\"model\": \"m\", \"prompt\": \"hello there, router\"}")).build(), HttpResponse.BodyHandlers.ofString());
            assertEquals(200, r.statusCode());
            assertTrue(r.body().contains("hi"));
            String metrics = get(http, router.httpPort(), "/metrics");
            assertTrue(metrics.contains("spillway_router_decisions_total{outcome=\"routed\"} 1.0"), metrics);
            assertTrue(metrics.contains("spillway_router_decide_seconds_count 1"), metrics);
            JsonNode log = new ObjectMapper().readTree(get(http, router.httpPort(), "/debug/decisions"));
            JsonNode last = log.get("decisions").get(0);
            assertEquals(address, last.get("pod").asText());
            JsonNode scores = last.get("candidates").get(0).get("scores");
            assertEquals(3, scores.size(), "prefix, queue and KV-utilisation scores: " + scores);
            assertEquals(0.5, scores.get("kv-cache-utilization-scorer").asDouble(), 1e-9, "the scraped 0.5 used");
            assertEquals("ok\n", get(http, router.httpPort(), "/health"));
            assertTrue(router.extProcPort() > 0);
        } finally {
            pod.stop(0);
        }
    }

    @Test
    void aContextWithoutPodsFrontOrNamespaceIsRefused() {
        assertThrows(IllegalArgumentException.class, () -> RouterContext.builder().namespace(NS).build());
        assertThrows(IllegalArgumentException.class, () -> RouterContext.builder().staticPod("a:1").build());
        assertThrows(IllegalArgumentException.class, () -> RouterContext.builder().namespace(NS).staticPod("a:1")
            .proxyPort(-1).extProcPort(-1).build());
        assertThrows(IllegalArgumentException.class, () -> RouterContext.builder().namespace(NS).staticPod("a:1")
            .tokenizer("/no/such/tokenizer.json").build());
        assertThrows(IllegalArgumentException.class, () -> Router.vllmEndpoint("host"));
    }

    private static String get(HttpClient http, int port, String path) throws Exception {
        return http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + path)).build(),
            HttpResponse.BodyHandlers.ofString()).body();
    }

    private static void reply(HttpExchange ex, String body) throws IOException {
        ex.getRequestBody().readAllBytes();
        byte[] bytes = body.getBytes(StandardCharsets.UTF_8);
        ex.sendResponseHeaders(200, bytes.length);
        try (OutputStream out = ex.getResponseBody()) {
            out.write(bytes);
        }
    }

    @Test
    void chatRequestsAreKeyedByTheTemplateBesideTheTokenizerOrAsTold() throws Exception {
        Path qwen = Path.of(RouterTest.class.getResource("/chat/qwen3").toURI());
        RouterContext.Builder base = RouterContext.builder().namespace(NS).staticPod("127.0.0.1:1");
        try (var t = new HuggingFaceTokenizer(qwen.resolve("tokenizer.json"))) {
            RouterContext beside = base.tokenizer(qwen.resolve("tokenizer.json").toString()).build();
            assertTrue(Router.chatTokenizer(beside, t).describe().startsWith("template:" + qwen.resolve(
                "tokenizer_config.json")), Router.chatTokenizer(beside, t).describe());
            Path alone = Files.createTempDirectory("tokenizer-alone");
            Files.copy(qwen.resolve("tokenizer.json"), alone.resolve("tokenizer.json"));
            RouterContext noTemplate = base.tokenizer(alone.resolve("tokenizer.json").toString()).build();
            assertTrue(Router.chatTokenizer(noTemplate, t) instanceof NoChatTemplate);
            RouterContext told = base.chatTemplate(qwen.resolve("tokenizer_config.json")).build();
            assertTrue(Router.chatTokenizer(told, t).describe().startsWith("template:"));
        }
        var chars = new CharacterTokenizer(4);
        assertTrue(Router.chatTokenizer(RouterContext.builder().namespace(NS).staticPod("127.0.0.1:1").build(), chars)
            instanceof RoleLinesChatTokenizer);
        assertThrows(IllegalArgumentException.class, () -> RouterContext.builder().namespace(NS)
            .staticPod("127.0.0.1:1").chatTemplate(Path.of("/no/such/template.jinja")).build());
        assertThrows(IllegalArgumentException.class, () -> RouterContext.builder().namespace(NS)
            .staticPod("127.0.0.1:1").servedModelName(" ").build());
    }
}
