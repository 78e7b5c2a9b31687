package io.spillway.perf.eval;

import com.fasterxml.jackson.databind.JsonNode;
import io.spillway.key.RequestExtras;
import io.spillway.router.chat.ChatTemplate;
import io.spillway.router.schedule.CompletionPrompt;
import io.spillway.router.tokenize.AdapterNames;
import io.spillway.router.tokenize.CharacterTokenizer;
import io.spillway.router.tokenize.ChatTokenizer;
import io.spillway.router.tokenize.HuggingFaceTokenizer;
import io.spillway.router.tokenize.PromptTokenizer;
import io.spillway.router.tokenize.RoleLinesChatTokenizer;
import io.spillway.router.tokenize.TemplateChatTokenizer;
import io.spillway.router.tokenize.TokenizeException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.util.List;

/**
 * How a simulated pod turns an OpenAI request into the tokens it prefills and the extras its blocks are keyed with,
 * as vLLM does: a completion's text with the tokenizer's special tokens; a chat request through the model's chat
 * template, its text without them; a list of token ids as it is; a {@code model} that is not the served one names a
 * LoRA adapter (on every block), {@code cache_salt} salts the first block. Two kinds: a model's files ({@code
 * tokenizer.json} and the {@code tokenizer_config.json} with its chat template), or the approximate one (a token per
 * 4 characters, chat as {@code role: content} lines), which is the router's approximate mode. A simulated pod takes
 * no images: a chat request's prompt ends before its first multimodal item.
 */
public final class EnginePrompts implements PromptReader {
    private final PromptTokenizer tokenizer;
    private final ChatTokenizer chats;
    private final AdapterNames adapters;

    private EnginePrompts(PromptTokenizer tokenizer, ChatTokenizer chats, String model) {
        this.tokenizer = tokenizer;
        this.chats = chats;
        this.adapters = new AdapterNames(List.of(model));
    }

    /** The router's approximate mode, serving {@code model}. */
    public static EnginePrompts approximate(String model) {
        CharacterTokenizer chars = new CharacterTokenizer(4);
        return new EnginePrompts(chars, new RoleLinesChatTokenizer(chars), model);
    }

    /**
     * A model's files in {@code dir}: {@code tokenizer.json} and {@code tokenizer_config.json} (its {@code
     * chat_template}), serving {@code model}.
     *
     * @throws IllegalArgumentException naming the missing or unreadable file
     */
    public static EnginePrompts model(Path dir, String model) {
        Path config = dir.resolve("tokenizer_config.json");
        if (!Files.isRegularFile(config)) {
            throw new IllegalArgumentException("no tokenizer_config.json in " + dir);
        }
        HuggingFaceTokenizer tokenizer = new HuggingFaceTokenizer(dir.resolve("tokenizer.json"));
        return new EnginePrompts(tokenizer, new TemplateChatTokenizer(ChatTemplate.load(config, Clock.systemUTC()),
            tokenizer), model);
    }

    public String describe() {
        return chats.describe();
    }

    /**
     * The prompt of a request body (read as JSON).
     *
     * @throws IllegalArgumentException for a body that is not a request, or a prompt the template refuses
     */
    @Override
    public Prompt of(JsonNode root) {
        JsonNode p = root == null ? null : root.get("prompt");
        if (p != null && p.isArray() && !p.isEmpty() && p.get(0).isInt()) {
            int[] tokens = new int[p.size()];
            for (int i = 0; i < tokens.length; i++) {
                if (!p.get(i).canConvertToInt() || p.get(i).asInt() < 0) {
                    throw new IllegalArgumentException("token ids must be non-negative ints, got " + p.get(i));
                }
                tokens[i] = p.get(i).asInt();
            }
            JsonNode salt = root.get("cache_salt");
            return new Prompt(tokens, extras(root.path("model").asText(""), salt == null || salt.isNull() ? null
                : salt.asText()));
        }
        CompletionPrompt request = CompletionPrompt.parse(root);
        RequestExtras extras = extras(request.model(), request.cacheSalt());
        try {
            if (request.isChat()) {
                return new Prompt(chats.encode(request.chat(), request.model()).tokens(), extras);
            }
            return new Prompt(tokenizer.encode(request.prompt(), root.path("add_special_tokens").asBoolean(true)),
                extras);
        } catch (TokenizeException e) {
            throw new IllegalArgumentException(e.getMessage(), e);
        }
    }

    private RequestExtras extras(String model, String salt) {
        return RequestExtras.builder().lora(adapters.adapter(model)).cacheSalt(salt).build();
    }

    @Override
    public void close() {
        tokenizer.close();
    }
}
