package io.spillway.router.tokenize;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.spillway.router.chat.ChatPrompt;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.function.Supplier;

/**
 * Asks a model server's {@code /tokenize} endpoint (vLLM's: {@code {"model", "prompt"}} or, for a chat request, {@code
 * {"model", "messages", "add_generation_prompt", ...}} in, {@code {"tokens": [...]}} out): the engine's own tokenizer
 * and chat template, at the price of a round trip. The pod asked is {@code base}'s answer at each call (any ready pod
 * of the model). A chat request with a multimodal item is not keyed here: the engine's answer holds the items'
 * expanded placeholders, but not where they start, and the blocks after one carry the item's hash.
 */
public final class EngineTokenizer implements PromptTokenizer, ChatTokenizer {
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
        return tokenize(JSON.createObjectNode().put("model", model).put("prompt", prompt)
            .put("add_special_tokens", true));
    }

    @Override
    public int[] encode(String text, boolean addSpecialTokens) {
        return tokenize(JSON.createObjectNode().put("model", model).put("prompt", text)
            .put("add_special_tokens", addSpecialTokens));
    }

    /** The chat request's messages and template arguments as it gave them, for the engine to render. */
    @Override
    public ChatTokens encode(ChatPrompt chat, String requestModel) {
        if (chat.multimodal()) {
            throw new TokenizeException("a chat request with a multimodal item is not keyed through the engine's "
                + "/tokenize (where its placeholder starts is unknown)");
        }
        ObjectNode body = JSON.createObjectNode().put("model", requestModel == null || requestModel.isEmpty() ? model
            : requestModel);
        body.set("messages", chat.messages());
        body.put("add_generation_prompt", chat.addGenerationPrompt());
        body.put("continue_final_message", chat.continueFinalMessage());
        Map<String, Object> kwargs = new LinkedHashMap<>(chat.kwargs());
        Object tools = kwargs.remove("tools");
        if (tools != null) {
            body.set("tools", JSON.valueToTree(tools));
        }
        if (!kwargs.isEmpty()) {
            body.set("chat_template_kwargs", JSON.valueToTree(kwargs));
        }
        return ChatTokens.all(tokenize(body));
    }

    private int[] tokenize(ObjectNode question) {
        String address = base.get();
        if (address == null) {
            throw new TokenizeException("no pod to ask for /tokenize");
        }
        String body;
        try {
            body = JSON.writeValueAsString(question);
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
                if (!t.canConvertToLong() || !t.isIntegralNumber() || t.asLong() < 0 || t.asLong() > 0xFFFF_FFFFL) {
                    throw new TokenizeException("/tokenize at " + address + ": token " + i + " is " + t
                        + ", not an id in [0, 2^32)");
                }
                ids[i] = (int) t.asLong(); // unsigned 32-bit, as keys hash it (llm-d's simulator hashes to 32 bits)
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
