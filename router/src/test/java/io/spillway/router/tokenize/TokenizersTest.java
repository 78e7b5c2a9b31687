package io.spillway.router.tokenize;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.sun.net.httpserver.HttpServer;
import io.spillway.key.BlockKey;
import io.spillway.key.BlockKeys;
import io.spillway.key.Namespace;
import io.spillway.router.chat.ChatPrompt;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.URISyntaxException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;

/** The three ways to tokenize, and the keys a prompt gets. */
class TokenizersTest {
    private static final Namespace NS = Namespace.builder().modelId("test/model").layers(2).kvHeads(2).headDim(64)
        .blockSizeTokens(2).build();

    private static Path resource(String name) throws URISyntaxException {
        return Path.of(TokenizersTest.class.getResource("/tokenize/" + name).toURI());
    }

    @Test
    void aTokenizerJsonIsRunByHuggingFaceTokenizers() throws Exception {
        try (HuggingFaceTokenizer t = new HuggingFaceTokenizer(resource("word-level-tokenizer.json"))) {
            assertArrayEquals(new int[] {1, 3, 4, 5, 6, 7, 0}, t.encode("The router reads blocks from Spillway tonight"));
            assertTrue(t.describe().contains("word-level-tokenizer.json"));
        }
        assertThrows(IllegalArgumentException.class, () -> new HuggingFaceTokenizer(Path.of("/nonexistent.json")));
    }

    @Test
    void theEnginesTokenizeEndpointIsAskedAndItsFailuresNamed() throws Exception {
        AtomicReference<String> answer = new AtomicReference<>("{\"count\": 3, \"max_model_len\": 4096, "
            + "\"tokens\": [101, 7, 2048]}");
        AtomicReference<Integer> status = new AtomicReference<>(200);
        AtomicReference<String> asked = new AtomicReference<>();
        HttpServer server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
        server.createContext("/tokenize", exchange -> {
            asked.set(new String(exchange.getRequestBody().readAllBytes(), StandardCharsets.UTF_8));
            byte[] body = answer.get().getBytes(StandardCharsets.UTF_8);
            exchange.sendResponseHeaders(status.get(), body.length);
            try (OutputStream out = exchange.getResponseBody()) {
                out.write(body);
            }
        });
        server.start();
        try {
            String address = "127.0.0.1:" + server.getAddress().getPort();
            EngineTokenizer t = new EngineTokenizer(() -> address, "test/model", Duration.ofSeconds(2));
            assertArrayEquals(new int[] {101, 7, 2048}, t.encode("hello there"));
            assertTrue(asked.get().contains("\"prompt\":\"hello there\"") && asked.get().contains("test/model"),
                asked.get());
            status.set(500);
            answer.set("{\"error\": \"model not loaded\"}");
            TokenizeException e = assertThrows(TokenizeException.class, () -> t.encode("x"));
            assertTrue(e.getMessage().contains("500") && e.getMessage().contains("model not loaded"), e.getMessage());
            status.set(200);
            answer.set("{\"count\": 1}");
            assertTrue(assertThrows(TokenizeException.class, () -> t.encode("x")).getMessage().contains("tokens"));
            answer.set("not json");
            assertTrue(assertThrows(TokenizeException.class, () -> t.encode("x")).getMessage().contains("no JSON"));
        } finally {
            server.stop(0);
        }
        EngineTokenizer down = new EngineTokenizer(() -> "127.0.0.1:1", "m", Duration.ofMillis(500));
        assertTrue(assertThrows(TokenizeException.class, () -> down.encode("x")).getMessage().contains("127.0.0.1:1"));
    }

    @Test
    void aChatRequestGoesToTheEngineAsMessagesForItsOwnTemplate() throws Exception {
        AtomicReference<String> asked = new AtomicReference<>();
        HttpServer server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
        server.createContext("/tokenize", exchange -> {
            asked.set(new String(exchange.getRequestBody().readAllBytes(), StandardCharsets.UTF_8));
            byte[] body = "{\"count\": 2, \"tokens\": [151644, 872]}".getBytes(StandardCharsets.UTF_8);
            exchange.sendResponseHeaders(200, body.length);
            try (OutputStream out = exchange.getResponseBody()) {
                out.write(body);
            }
        });
        server.start();
        try {
            String address = "127.0.0.1:" + server.getAddress().getPort();
            EngineTokenizer t = new EngineTokenizer(() -> address, "base/model", Duration.ofSeconds(2));
            ObjectMapper json = new ObjectMapper();
            String request = "{\"model\": \"my-lora\", \"messages\": [{\"role\": \"user\", \"content\": "
                + "[{\"type\": \"text\", \"text\": \"hi\"}]}], \"chat_template_kwargs\": {\"enable_thinking\": false}}";
            ChatPrompt chat = ChatPrompt.parse(json.readTree(request));
            assertArrayEquals(new int[] {151644, 872}, t.encode(chat, "my-lora").tokens());
            var sent = json.readTree(asked.get());
            assertEquals("my-lora", sent.get("model").asText(), "the adapter's own tokenizer and template");
            assertEquals(json.readTree(request).get("messages"), sent.get("messages"), "the messages as sent");
            assertTrue(sent.get("add_generation_prompt").asBoolean() && !sent.has("prompt"), asked.get());
            assertEquals(false, sent.path("chat_template_kwargs").path("enable_thinking").asBoolean(true));
            String image = "{\"messages\": [{\"role\": \"user\", \"content\": [{\"type\": \"image_url\", "
                + "\"image_url\": {\"url\": \"http://x/y.png\"}}]}]}";
            assertTrue(assertThrows(TokenizeException.class, () -> t.encode(ChatPrompt.parse(
                json.readTree(image)), "")).getMessage().contains("multimodal"));
        } finally {
            server.stop(0);
        }
        EngineTokenizer down = new EngineTokenizer(() -> "127.0.0.1:1", "m", Duration.ofMillis(500));
        assertTrue(assertThrows(TokenizeException.class, () -> down.encode("x")).getMessage().contains("127.0.0.1:1"));
    }

    @Test
    void theApproximateModeGivesSharedPrefixesSharedIds() {
        CharacterTokenizer t = new CharacterTokenizer(4);
        int[] a = t.encode("You are a helpful assistant. Tell me about caches.");
        int[] b = t.encode("You are a helpful assistant. Tell me about tiers!");
        assertEquals(13, a.length, "ceil(50 / 4)");
        int same = 0;
        while (same < Math.min(a.length, b.length) && a[same] == b[same]) {
            same++;
        }
        assertEquals(10, same, "the first 40 characters are the same, the 11th chunk differs");
        assertThrows(IllegalArgumentException.class, () -> new CharacterTokenizer(0));
    }

    @Test
    void promptKeysAreTheBlockKeysOfTheTokensAndTimeEachStep() {
        PromptKeys keys = new PromptKeys(new CharacterTokenizer(1), NS);
        PromptKeys.Keyed k = keys.of("abcde");
        assertEquals(5, k.request().promptTokens());
        assertEquals(2, k.request().blocks(), "two full blocks of two tokens");
        BlockKey[] expected = BlockKeys.chain(NS, new CharacterTokenizer(1).encode("abcde"));
        for (int i = 0; i < expected.length; i++) {
            assertEquals(expected[i], new BlockKey(k.request().his()[i], k.request().los()[i]));
        }
        assertTrue(k.tokenizeNanos() > 0 && k.keyNanos() > 0);
    }
}
