package io.spillway.perf.eval;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.spillway.placement.routing.TransferCostModel;
import io.spillway.router.load.PrometheusText;
import java.io.BufferedReader;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** The live simulated pod over real HTTP: the OpenAI API, streaming, vLLM's metrics, clear errors. */
class EngineServerTest {
    private static final ObjectMapper JSON = new ObjectMapper();
    /** Fast enough for a test: 2 ms steps, 1M prefill tokens/s, 1,024 blocks. */
    private static final EngineParams FAST = new EngineParams(1_024, 16, 8_192, 2_000_000L, 0L,
        new TransferCostModel(2L << 20, 10e9, 3e9, 200_000, 1_000_000, 16));

    private EngineServer server;
    private final HttpClient http = HttpClient.newHttpClient();

    @BeforeEach
    void start() throws Exception {
        server = new EngineServer("127.0.0.1", 0, -1, EngineServer.namespaceOf("sim-model"), FAST, null,
            EnginePrompts.approximate("sim-model"));
    }

    @AfterEach
    void stop() {
        server.close();
    }

    private HttpResponse<String> post(String path, String body) throws Exception {
        return http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + server.port() + path))
            .POST(HttpRequest.BodyPublishers.ofString(body)).build(), HttpResponse.BodyHandlers.ofString());
    }

    private PrometheusText metrics() throws Exception {
        String text = http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + server.port() + "/metrics"))
            .build(), HttpResponse.BodyHandlers.ofString()).body();
        return PrometheusText.parse(text, Set.of("vllm:num_requests_waiting", "vllm:num_requests_running",
            "vllm:kv_cache_usage_perc", "vllm:cache_config_info", "vllm:prefix_cache_hits_total",
            "vllm:prefix_cache_queries_total", "vllm:generation_tokens_total"));
    }

    private static String prompt(int chars) {
        StringBuilder s = new StringBuilder();
        for (int i = 0; s.length() < chars; i++) {
            s.append("word").append(i).append(' ');
        }
        return s.substring(0, chars);
    }

    @Test
    void aCompletionGeneratesMaxTokensAndCountsItsPrompt() throws Exception {
        HttpResponse<String> r = post("/v1/completions", "{\"model\":\"sim-model\",\"prompt\":\"" + prompt(400)
            + "\",\"max_tokens\":5}");
        assertEquals(200, r.statusCode(), r.body());
        JsonNode body = JSON.readTree(r.body());
        assertEquals(100, body.at("/usage/prompt_tokens").asInt(), "a token per 4 characters");
        assertEquals(5, body.at("/usage/completion_tokens").asInt());
        assertEquals(" w1 w2 w3 w4 w5", body.at("/choices/0/text").asText());
        assertEquals("text_completion", body.get("object").asText());
    }

    @Test
    void aChatStreamArrivesTokenByTokenThenDone() throws Exception {
        server.close();
        // 50 ms steps, so that the gaps between tokens stand far above any delay of the client's
        server = new EngineServer("127.0.0.1", 0, -1, EngineServer.namespaceOf("sim-model"), new EngineParams(1_024, 16,
            8_192, 50_000_000L, 0L, FAST.costs()), null, EnginePrompts.approximate("sim-model"));
        HttpRequest request = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + server.port()
            + "/v1/chat/completions")).POST(HttpRequest.BodyPublishers.ofString("{\"messages\":[{\"role\":\"user\","
            + "\"content\":\"hello there\"}],\"max_tokens\":6,\"stream\":true,"
            + "\"stream_options\":{\"include_usage\":true}}")).build();
        HttpResponse<InputStream> r = http.send(request, HttpResponse.BodyHandlers.ofInputStream());
        assertEquals("text/event-stream", r.headers().firstValue("content-type").orElse(""));
        List<String> events = new ArrayList<>();
        List<Long> arrivals = new ArrayList<>();
        try (BufferedReader in = new BufferedReader(new InputStreamReader(r.body(), StandardCharsets.UTF_8))) {
            for (String line; (line = in.readLine()) != null; ) {
                if (line.startsWith("data: ")) {
                    events.add(line.substring(6));
                    arrivals.add(System.nanoTime());
                }
            }
        }
        assertEquals(8, events.size(), "six tokens, the usage and [DONE]: " + events);
        assertEquals("[DONE]", events.get(7));
        assertEquals(6, JSON.readTree(events.get(6)).at("/usage/completion_tokens").asInt(), events.get(6));
        for (int i = 0; i < 6; i++) {
            JsonNode chunk = JSON.readTree(events.get(i));
            assertEquals("chat.completion.chunk", chunk.get("object").asText());
            assertEquals(" w" + (i + 1), chunk.at("/choices/0/delta/content").asText());
            assertEquals(i == 5 ? "length" : "null", chunk.at("/choices/0/finish_reason").asText());
        }
        // a token a 50 ms step: tokens 2 to 6 came over 4 steps (200 ms), not at once
        assertTrue(arrivals.get(5) - arrivals.get(1) >= 150_000_000L, "spread over the steps: " + arrivals);
    }

    @Test
    void metricsShowTheCacheAndARepeatHitsIt() throws Exception {
        PrometheusText before = metrics();
        assertEquals(1024, Integer.parseInt(before.label("vllm:cache_config_info", "num_gpu_blocks")));
        assertEquals(0, before.value("vllm:prefix_cache_hits_total", -1));
        String body = "{\"prompt\":\"" + prompt(800) + "\",\"max_tokens\":2}";
        assertEquals(200, post("/v1/completions", body).statusCode());
        HttpResponse<String> repeat = post("/v1/completions", body);
        assertEquals(192, JSON.readTree(repeat.body()).at("/usage/prompt_tokens_details/cached_tokens").asInt(),
            repeat.body());
        PrometheusText after = metrics();
        assertEquals(400, after.value("vllm:prefix_cache_queries_total", -1), "two prompts of 200 tokens");
        assertEquals(192, after.value("vllm:prefix_cache_hits_total", -1), "the repeat: its 12 full blocks");
        assertEquals(4, after.value("vllm:generation_tokens_total", -1));
        assertEquals(0, after.value("vllm:num_requests_running", -1));
        assertEquals(0, after.value("vllm:kv_cache_usage_perc", -1));
    }

    @Test
    void tokenIdsTokenizeAndBadRequestsGetClearErrors() throws Exception {
        HttpResponse<String> ids = post("/v1/completions", "{\"prompt\":[1,2,3,4,5],\"max_tokens\":1}");
        assertEquals(5, JSON.readTree(ids.body()).at("/usage/prompt_tokens").asInt(), ids.body());
        HttpResponse<String> tokens = post("/tokenize", "{\"prompt\":\"abcdefgh\"}");
        assertEquals(2, JSON.readTree(tokens.body()).get("count").asInt());

        HttpResponse<String> notJson = post("/v1/completions", "{nope");
        assertEquals(400, notJson.statusCode());
        assertTrue(JSON.readTree(notJson.body()).at("/error/message").asText().contains("not JSON"));
        assertEquals(400, post("/v1/completions", "{\"prompt\":\"x\",\"max_tokens\":0}").statusCode());
        HttpResponse<String> tooLong = post("/v1/completions", "{\"prompt\":\"" + prompt(4 * 16_385) + "\"}");
        assertTrue(tooLong.body().contains("max_model_len"), tooLong.body());
        assertEquals(404, post("/v2/else", "{}").statusCode());
        HttpResponse<String> get = http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + server.port()
            + "/v1/completions")).build(), HttpResponse.BodyHandlers.ofString());
        assertEquals(405, get.statusCode());
    }
}
