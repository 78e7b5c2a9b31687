package io.spillway.router.schedule;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;

/**
 * The model and prompt text of an OpenAI request body: {@code /v1/completions}' {@code prompt} (a string, or a
 * list whose first string is taken), or {@code /v1/chat/completions}' {@code messages}, joined as
 * {@code role: content} lines (the engine's chat template is not applied: the keys match the router's own
 * routing history, and the engine's exactly only through its {@code /tokenize}).
 *
 * @param model  the {@code model} field, or "" when absent
 * @param prompt the text to key
 * @param stream whether the client asked for a stream
 */
public record CompletionPrompt(String model, String prompt, boolean stream) {
    private static final ObjectMapper JSON = new ObjectMapper();

    /**
     * @throws IllegalArgumentException naming what is wrong: not JSON, not an object, neither prompt nor messages
     */
    public static CompletionPrompt parse(byte[] body) {
        JsonNode root;
        try {
            root = JSON.readTree(body);
        } catch (IOException e) {
            throw new IllegalArgumentException("request body is not JSON: " + e.getMessage(), e);
        }
        if (root == null || !root.isObject()) {
            throw new IllegalArgumentException("request body must be a JSON object");
        }
        String model = root.path("model").asText("");
        boolean stream = root.path("stream").asBoolean(false);
        JsonNode prompt = root.get("prompt");
        if (prompt != null) {
            if (prompt.isTextual()) {
                return new CompletionPrompt(model, prompt.asText(), stream);
            }
            if (prompt.isArray() && !prompt.isEmpty() && prompt.get(0).isTextual()) {
                return new CompletionPrompt(model, prompt.get(0).asText(), stream);
            }
            throw new IllegalArgumentException("'prompt' must be a string or a list of strings");
        }
        JsonNode messages = root.get("messages");
        if (messages != null && messages.isArray()) {
            StringBuilder text = new StringBuilder();
            for (JsonNode m : messages) {
                text.append(m.path("role").asText("")).append(": ").append(content(m.get("content"))).append('\n');
            }
            return new CompletionPrompt(model, text.toString(), stream);
        }
        throw new IllegalArgumentException("request body has neither 'prompt' nor 'messages'");
    }

    /** A message's content: a string, or the text parts of a list of parts. */
    private static String content(JsonNode content) {
        if (content == null || content.isNull()) {
            return "";
        }
        if (content.isTextual()) {
            return content.asText();
        }
        StringBuilder text = new StringBuilder();
        for (JsonNode part : content) {
            if ("text".equals(part.path("type").asText())) {
                text.append(part.path("text").asText(""));
            }
        }
        return text.toString();
    }
}
