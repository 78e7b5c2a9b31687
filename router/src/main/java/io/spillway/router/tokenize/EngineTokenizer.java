package io.spillway.router.tokenize;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.function.Supplier;

/**
 * Asks a model server's {@code /tokenize} endpoint (vLLM's: {@code {"model", "prompt"}} in, {@code {"tokens": [...]}}
 * out): the engine's own tokenizer and template, at the price of a round trip. The pod asked is {@code base}'s
 * answer at each call (any ready pod of the model).
 */
public final class EngineTokenizer implements PromptTokenizer {
    private static final ObjectMapper JSON = new ObjectMapper();

    private final Supplier<String> base;
    private final String model;
    private final Duration timeout;
    private final HttpClient http;

    /**
     * @param base  {@code host:port} of a pod to ask, per call
     * @param model the model name the engine serves
     */
    public EngineTokenizer(Supplier<String> base, String model, Duration timeout) {
        this.base = base;
        this.model = model;
        this.timeout = timeout;
        this.http = HttpClient.newBuilder().connectTimeout(timeout).build();
    }

    @Override
    public String describe() {
        return "engine:/tokenize";
    }

    @Override
    public int[] encode(String prompt) {
        String address = base.get();
        if (address == null) {
            throw new TokenizeException("no pod to ask for /tokenize");
        }
        String body;
        try {
            body = JSON.writeValueAsString(java.util.Map.of("model", model, "prompt", prompt,
                "add_special_tokens", true));
        } catch (IOException e) {
            throw new TokenizeException("cannot write the /tokenize request: " + e.getMessage(), e);
        }
        HttpRequest request = HttpRequest.newBuilder(URI.create("http://" + address + "/tokenize"))
            .timeout(timeout).header("content-type", "application/json")
            .POST(HttpRequest.BodyPublishers.ofString(body)).build();
        HttpResponse<String> response;
        try {
            response = http.send(request, HttpResponse.BodyHandlers.ofString());
        } catch (IOException e) {
            throw new TokenizeException("/tokenize at " + address + " failed: " + e, e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new TokenizeException("interrupted asking " + address + "/tokenize", e);
        }
        if (response.statusCode() != 200) {
            throw new TokenizeException("/tokenize at " + address + " answered " + response.statusCode() + ": "
                + abbreviate(response.body()));
        }
        try {
            JsonNode tokens = JSON.readTree(response.body()).get("tokens");
            if (tokens == null || !tokens.isArray()) {
                throw new TokenizeException("/tokenize at " + address + " answered without a tokens list: "
                    + abbreviate(response.body()));
            }
            int[] ids = new int[tokens.size()];
            for (int i = 0; i < ids.length; i++) {
                JsonNode t = tokens.get(i);
                if (!t.canConvertToInt() || t.asInt() < 0) {
                    throw new TokenizeException("/tokenize at " + address + ": token " + i + " is " + t);
                }
                ids[i] = t.asInt();
            }
            return ids;
        } catch (IOException e) {
            throw new TokenizeException("/tokenize at " + address + " answered no JSON: " + abbreviate(
                response.body()), e);
        }
    }

    private static String abbreviate(String s) {
        return s.length() <= 200 ? s : s.substring(0, 200) + "...";
    }
}
