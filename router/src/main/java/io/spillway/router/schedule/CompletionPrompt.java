package io.spillway.router.schedule;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.spillway.router.chat.ChatPrompt;
import java.io.IOException;

/**
 * What the router keys of an OpenAI request body: {@code /v1/completions}' {@code prompt} (a string, or a list whose
 * first string is taken), or {@code /v1/chat/completions}' {@code messages} and template arguments ({@link
 * ChatPrompt}), and the fields that enter block keys as extras (docs/block-keys.md): {@code model}, which names the
 * base model or a LoRA adapter, and vLLM's {@code cache_salt}.
 *
 * @param model     the {@code model} field, or "" when absent
 * @param prompt    the completion prompt's text, or null for a chat request
 * @param chat      the chat request, or null for a completion
 * @param stream    whether the client asked for a stream
 * @param cacheSalt the {@code cache_salt} field, or null
 */
public record CompletionPrompt(String model, String prompt, ChatPrompt chat, boolean stream, String cacheSalt) {
    private static final ObjectMapper JSON = new ObjectMapper();

    /**
     * @throws IllegalArgumentException naming what is wrong: not JSON, not an object, neither prompt nor messages, a
     *                                  message that is not one
     */
    public static CompletionPrompt parse(byte[] body) {
        JsonNode root;
        try {
            root = JSON.readTree(body);
        } catch (IOException e) {
            throw new IllegalArgumentException("request body is not JSON: " + e.getMessage(), e);
        }
        return parse(root);
    }

    /** The same from a body already read as JSON. */
    public static CompletionPrompt parse(JsonNode root) {
        if (root == null || !root.isObject()) {
            throw new IllegalArgumentException("request body must be a JSON object");
        }
        String model = root.path("model").asText("");
        boolean stream = root.path("stream").asBoolean(false);
        JsonNode salt = root.get("cache_salt");
        if (salt != null && !salt.isNull() && !salt.isTextual()) {
            throw new IllegalArgumentException("'cache_salt' must be a string");
        }
        String cacheSalt = salt == null || salt.isNull() || salt.asText().isEmpty() ? null : salt.asText();
        JsonNode prompt = root.get("prompt");
        if (prompt != null) {
            if (prompt.isTextual()) {
                return new CompletionPrompt(model, prompt.asText(), null, stream, cacheSalt);
            }
            if (prompt.isArray() && !prompt.isEmpty() && prompt.get(0).isTextual()) {
                return new CompletionPrompt(model, prompt.get(0).asText(), null, stream, cacheSalt);
            }
            throw new IllegalArgumentException("'prompt' must be a string or a list of strings");
        }
        if (root.has("messages")) {
            return new CompletionPrompt(model, null, ChatPrompt.parse(root), stream, cacheSalt);
        }
        throw new IllegalArgumentException("request body has neither 'prompt' nor 'messages'");
    }

    public boolean isChat() {
        return chat != null;
    }
}
