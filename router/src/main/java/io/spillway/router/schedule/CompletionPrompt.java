package io.spillway.router.schedule;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.spillway.router.chat.ChatPrompt;
import java.io.IOException;

/**
 * What the router keys of an OpenAI request body, read as vLLM 0.34 reads the endpoint's request:
 * <ul>
 * <li>{@code /v1/completions}: {@code prompt} as text, a list of token ids (keyed from the ids, no tokenizer), or a
 * list of one of either; {@code add_special_tokens} (default true) for text;</li>
 * <li>{@code /v1/chat/completions}: {@code messages} and the template's arguments ({@link ChatPrompt});</li>
 * <li>{@code /v1/embeddings}: {@code input} as a completion's {@code prompt}, or a conversation in {@code messages}
 * (or in {@code input}) rendered as chat with vLLM's embedding defaults (no generation prompt);</li>
 * <li>{@code /v1/responses}: {@code instructions} and {@code input} turned into chat messages as vLLM's {@code
 * construct_input_messages} does ({@link ResponsesInput}), then rendered as chat.</li>
 * </ul>
 * A request that carries no one prompt the router can key (a batch of several prompts, prompt embeddings, a
 * conversation the engine stores) is read all the same and {@link #unkeyed()} says why: it is routed on load alone.
 * A body that is not such a request gets an {@link IllegalArgumentException} naming what is wrong (a 400). Any other
 * path carries nothing to key. With no path, the body's fields tell a completion from a chat request, as before.
 *
 * <p>The fields that enter block keys as extras (docs/block-keys.md): {@code model}, which names the base model or a
 * LoRA adapter, and vLLM's {@code cache_salt}.
 *
 * @param model            the {@code model} field, or "" when absent
 * @param prompt           the prompt's text, or null (chat, token ids, unkeyed)
 * @param chat             the chat request (chat, a conversation to embed, a response's input), or null
 * @param stream           whether the client asked for a stream
 * @param cacheSalt        the {@code cache_salt} field, or null
 * @param tokens           the prompt's token ids when it came as ids, or null
 * @param addSpecialTokens whether the engine adds special tokens (a BOS) to the text prompt
 * @param unkeyed          why the request has no prompt to key, or null when it has one
 */
public record CompletionPrompt(String model, String prompt, ChatPrompt chat, boolean stream, String cacheSalt,
                               int[] tokens, boolean addSpecialTokens, String unkeyed) {
    public static final String COMPLETIONS = "/v1/completions";
    public static final String CHAT = "/v1/chat/completions";
    public static final String EMBEDDINGS = "/v1/embeddings";
    public static final String RESPONSES = "/v1/responses";
    private static final ObjectMapper JSON = new ObjectMapper();

    /** The body of a request whose path is unknown: a completion or a chat request, told by its fields. */
    public static CompletionPrompt parse(byte[] body) {
        return parse(null, body);
    }

    /**
     * @param path the request's path ({@code :path}; a query is ignored), or null to tell by the body's fields
     * @throws IllegalArgumentException naming what is wrong: not JSON, not an object, no prompt where the path
     *                                  needs one, a prompt or message that is not one
     */
    public static CompletionPrompt parse(String path, byte[] body) {
        String api = api(path);
        if (api != null && !isKnown(api)) {
            return other(api);
        }
        JsonNode root;
        try {
            root = JSON.readTree(body);
        } catch (IOException e) {
            throw new IllegalArgumentException("request body is not JSON: " + e.getMessage(), e);
        }
        return parse(api, root);
    }

    /** The same from a body already read as JSON, its fields telling a completion from a chat request. */
    public static CompletionPrompt parse(JsonNode root) {
        return parse(null, root);
    }

    /** The same from a body already read as JSON. */
    public static CompletionPrompt parse(String path, JsonNode root) {
        String api = api(path);
        if (api != null && !isKnown(api)) {
            return other(api);
        }
        if (root == null || !root.isObject()) {
            throw new IllegalArgumentException("request body must be a JSON object");
        }
        Common c = Common.of(root);
        if (api == null) {
            api = root.has("prompt") ? COMPLETIONS : root.has("messages") ? CHAT : null;
            if (api == null) {
                throw new IllegalArgumentException("request body has neither 'prompt' nor 'messages'");
            }
        }
        return switch (api) {
            case COMPLETIONS -> completion(c, root);
            case CHAT -> c.chat(ChatPrompt.parse(root));
            case EMBEDDINGS -> embedding(c, root);
            case RESPONSES -> response(c, root);
            default -> throw new IllegalStateException(api);
        };
    }

    public boolean isChat() {
        return chat != null;
    }

    /** Whether the request carries one prompt to key. */
    public boolean keyable() {
        return unkeyed == null;
    }

    /** The path without its query or a trailing slash; null stays null. */
    static String api(String path) {
        if (path == null) {
            return null;
        }
        int q = path.indexOf('?');
        String p = q >= 0 ? path.substring(0, q) : path;
        return p.length() > 1 && p.endsWith("/") ? p.substring(0, p.length() - 1) : p;
    }

    /** Whether the router reads the prompt of requests to {@code path}. */
    public static boolean isKnown(String path) {
        String api = api(path);
        return COMPLETIONS.equals(api) || CHAT.equals(api) || EMBEDDINGS.equals(api) || RESPONSES.equals(api);
    }

    private static CompletionPrompt other(String api) {
        return new CompletionPrompt("", null, null, false, null, null, true, "the router reads no prompt on " + api);
    }

    private static CompletionPrompt completion(Common c, JsonNode root) {
        JsonNode prompt = root.get("prompt");
        if (prompt == null || prompt.isNull()) {
            if (root.hasNonNull("prompt_embeds")) {
                return c.unkeyed("a prompt given as embeddings");
            }
            throw new IllegalArgumentException("a completion request needs a 'prompt'");
        }
        return single(c, "prompt", prompt, root.path("add_special_tokens").asBoolean(true));
    }

    private static CompletionPrompt embedding(Common c, JsonNode root) {
        JsonNode messages = root.get("messages");
        JsonNode input = root.get("input");
        if (messages == null && input != null && input.isArray() && !input.isEmpty() && input.get(0).isObject()) {
            messages = input; // a conversation in 'input' (vLLM's EmbeddingChatInputRequest)
        }
        if (messages != null) {
            if (messages.isArray() && !messages.isEmpty() && messages.get(0).isArray()) {
                return c.unkeyed("a batch of " + messages.size() + " conversations");
            }
            ObjectNode chat = ((ObjectNode) root).deepCopy();
            chat.set("messages", messages);
            // vLLM's embedding chat defaults: no generation prompt
            if (!chat.has("add_generation_prompt")) {
                chat.put("add_generation_prompt", false);
            }
            return c.chat(ChatPrompt.parse(chat));
        }
        if (input == null || input.isNull()) {
            throw new IllegalArgumentException("an embeddings request needs an 'input' or 'messages'");
        }
        return single(c, "input", input, root.path("add_special_tokens").asBoolean(true));
    }

    private static CompletionPrompt response(Common c, JsonNode root) {
        ResponsesInput.Chat chat = ResponsesInput.chat(root);
        return chat.unkeyed() != null ? c.unkeyed(chat.unkeyed()) : c.chat(ChatPrompt.parse(chat.root()));
    }

    /**
     * A completion's {@code prompt} or an embedding's {@code input}: text, token ids, or a list of one of either; a
     * list of several is a batch, which the engine serves as several requests and the router does not key.
     */
    private static CompletionPrompt single(Common c, String field, JsonNode node, boolean addSpecialTokens) {
        if (node.isTextual()) {
            return c.text(node.asText(), addSpecialTokens);
        }
        String shape = "'" + field + "' must be a string, a list of strings, a list of token ids or a list of "
            + "token-id lists";
        if (!node.isArray()) {
            throw new IllegalArgumentException(shape + ", got " + node.getNodeType().name().toLowerCase());
        }
        if (node.isEmpty()) {
            return c.unkeyed("an empty '" + field + "' list"); // vLLM's request model takes it; its renderer answers
        }
        JsonNode first = node.get(0);
        if (first.isNumber()) {
            return c.tokens(tokenIds(field, node));
        }
        if (first.isTextual()) {
            for (JsonNode n : node) {
                if (!n.isTextual()) {
                    throw new IllegalArgumentException(shape + ": a list of strings holds " + n);
                }
            }
            return node.size() == 1 ? c.text(first.asText(), addSpecialTokens)
                : c.unkeyed("a batch of " + node.size() + " prompts");
        }
        if (first.isArray()) {
            int[] ids = null;
            for (JsonNode n : node) {
                if (!n.isArray()) {
                    throw new IllegalArgumentException(shape + ": a list of token-id lists holds " + n);
                }
                ids = tokenIds(field, n);
            }
            return node.size() == 1 ? c.tokens(ids) : c.unkeyed("a batch of " + node.size() + " prompts");
        }
        throw new IllegalArgumentException(shape + ", got a list of " + first.getNodeType().name().toLowerCase());
    }

    private static int[] tokenIds(String field, JsonNode list) {
        if (list.isEmpty()) {
            throw new IllegalArgumentException("'" + field + "' holds an empty token-id list");
        }
        int[] ids = new int[list.size()];
        for (int i = 0; i < ids.length; i++) {
            JsonNode t = list.get(i);
            boolean integral = t.isIntegralNumber() || (t.isFloatingPointNumber() && t.canConvertToExactIntegral());
            if (!integral || !t.canConvertToInt() || t.intValue() < 0) {
                throw new IllegalArgumentException("'" + field + "': token id " + i + " is " + t
                    + ", not an integer in 0.." + Integer.MAX_VALUE);
            }
            ids[i] = t.intValue();
        }
        return ids;
    }

    /** The fields every request type shares. */
    private record Common(String model, boolean stream, String cacheSalt) {
        static Common of(JsonNode root) {
            JsonNode salt = root.get("cache_salt");
            if (salt != null && !salt.isNull() && !salt.isTextual()) {
                throw new IllegalArgumentException("'cache_salt' must be a string");
            }
            String cacheSalt = salt == null || salt.isNull() || salt.asText().isEmpty() ? null : salt.asText();
            return new Common(root.path("model").asText(""), root.path("stream").asBoolean(false), cacheSalt);
        }

        CompletionPrompt text(String text, boolean addSpecialTokens) {
            return new CompletionPrompt(model, text, null, stream, cacheSalt, null, addSpecialTokens, null);
        }

        CompletionPrompt tokens(int[] ids) {
            return new CompletionPrompt(model, null, null, stream, cacheSalt, ids, false, null);
        }

        CompletionPrompt chat(ChatPrompt chat) {
            return new CompletionPrompt(model, null, chat, stream, cacheSalt, null, false, null);
        }

        CompletionPrompt unkeyed(String why) {
            return new CompletionPrompt(model, null, null, stream, cacheSalt, null, false, why);
        }
    }
}
