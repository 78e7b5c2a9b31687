package io.spillway.router.chat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Pattern;

/**
 * A model's chat template: the Jinja text its {@code tokenizer_config.json} (or {@code chat_template.jinja}) publishes
 * and the special tokens the template may name ({@code bos_token}, {@code eos_token}, ...), rendered as transformers'
 * {@code apply_chat_template} renders it for vLLM. Thread-safe.
 */
public final class ChatTemplate {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final List<String> SPECIAL_TOKENS = List.of("bos_token", "eos_token", "unk_token", "pad_token");

    private final String source;
    private final String origin;
    private final Map<String, Object> specialTokens;
    private final HfJinja jinja;
    /** Whether the template names the {@code developer} role (vLLM's test), else such messages become system ones. */
    private final boolean developerRole;
    /**
     * Whether the template loops over a message's content parts: vLLM's {@code openai} content format, whose messages
     * keep their parts (vLLM tells by the template's syntax tree; a loop over {@code <x>.content} or {@code
     * <x>['content']} is what it finds in published templates).
     */
    private final boolean partsFormat;
    private static final Pattern CONTENT_LOOP = Pattern.compile(
        "\\{%-?\\s*for\\s+\\w+\\s+in\\s+\\w+\\s*(?:\\.\\s*content\\b|\\[\\s*['\"]content['\"]\\s*\\])");

    /**
     * @param source        the template's Jinja text
     * @param specialTokens {@code bos_token} and the like, as the template sees them
     * @param origin        where it came from, for messages
     */
    public ChatTemplate(String source, Map<String, String> specialTokens, String origin, Clock clock) {
        if (source == null || source.isBlank()) {
            throw new IllegalArgumentException("the chat template from " + origin + " is empty");
        }
        this.source = HfJinja.adapt(source);
        this.origin = origin;
        this.specialTokens = Map.copyOf(specialTokens);
        this.jinja = new HfJinja(clock);
        this.developerRole = source.contains("\"developer\"") || source.contains("'developer'");
        this.partsFormat = CONTENT_LOOP.matcher(source).find();
    }

    /**
     * Loads a template from {@code file}: a {@code tokenizer_config.json} (its {@code chat_template}, the one named
     * {@code default} when it lists several; or a {@code chat_template.jinja} beside it, as transformers 5 saves one)
     * or a Jinja file, whose special tokens then come from a {@code tokenizer_config.json} beside it when there is one.
     *
     * @throws IllegalArgumentException naming the file and what is missing or unreadable
     */
    public static ChatTemplate load(Path file, Clock clock) {
        try {
            if (file.getFileName().toString().endsWith(".json")) {
                JsonNode config = JSON.readTree(file.toFile());
                String source = templateOf(config);
                Path beside = file.resolveSibling("chat_template.jinja");
                if (source == null && Files.isRegularFile(beside)) {
                    source = Files.readString(beside);
                }
                if (source == null) {
                    throw new IllegalArgumentException(file + " has no chat_template (nor a chat_template.jinja beside it)");
                }
                return new ChatTemplate(source, specialTokens(config), file.toString(), clock);
            }
            Path config = file.resolveSibling("tokenizer_config.json");
            Map<String, String> tokens = Files.isRegularFile(config) ? specialTokens(JSON.readTree(config.toFile()))
                : Map.of();
            return new ChatTemplate(Files.readString(file), tokens, file.toString(), clock);
        } catch (IOException e) {
            throw new IllegalArgumentException("cannot read the chat template " + file + ": " + e.getMessage(), e);
        }
    }

    /** {@code chat_template}: a string, or a list of {@code {name, template}} of which {@code default} is taken. */
    private static String templateOf(JsonNode config) {
        JsonNode t = config.get("chat_template");
        if (t == null || t.isNull()) {
            return null;
        }
        if (t.isTextual()) {
            return t.asText();
        }
        for (JsonNode named : t) {
            if ("default".equals(named.path("name").asText())) {
                return named.path("template").asText();
            }
        }
        return null;
    }

    /** Each special token's text: a string, or an {@code AddedToken} object's {@code content}. */
    static Map<String, String> specialTokens(JsonNode config) {
        Map<String, String> tokens = new LinkedHashMap<>();
        for (String name : SPECIAL_TOKENS) {
            JsonNode t = config.get(name);
            if (t != null && t.isTextual()) {
                tokens.put(name, t.asText());
            } else if (t != null && t.isObject() && t.path("content").isTextual()) {
                tokens.put(name, t.get("content").asText());
            }
        }
        return tokens;
    }

    /**
     * The prompt text of a conversation.
     *
     * @param messages            each a map of {@code role}, {@code content} and whatever else the request gave
     * @param addGenerationPrompt whether to open the assistant's turn
     * @param kwargs              the request's {@code chat_template_kwargs} ({@code enable_thinking}, ...)
     * @throws ChatTemplateException when the template fails or raises
     */
    public String render(List<Map<String, Object>> messages, boolean addGenerationPrompt, Map<String, Object> kwargs) {
        Map<String, Object> variables = new HashMap<>(specialTokens);
        variables.putAll(kwargs);
        variables.put("messages", messages);
        variables.put("add_generation_prompt", addGenerationPrompt);
        return jinja.render(source, variables);
    }

    /**
     * The prompt text of {@code chat} as vLLM renders it: a {@code developer} message becomes a {@code system} one
     * (and the system messages one, first) when the template knows no {@code developer} role; {@code
     * continue_final_message} ends the text right after the last message's content.
     *
     * @throws ChatTemplateException when the template fails or raises, or loses the message to continue
     */
    public String prompt(ChatPrompt chat) {
        List<Map<String, Object>> messages = partsFormat ? chat.parts() : chat.conversation();
        if (!developerRole && messages.stream().anyMatch(m -> "developer".equals(m.get("role")))) {
            messages = DeveloperMessages.asSystem(messages);
        }
        if (!chat.continueFinalMessage()) {
            return render(messages, chat.addGenerationPrompt(), chat.kwargs());
        }
        List<Map<String, Object>> tagged = new ArrayList<>(messages);
        String last = tagLast(tagged);
        if (last == null) {
            throw new ChatTemplateException("continue_final_message needs a last message with text");
        }
        String text = render(tagged, chat.addGenerationPrompt(), chat.kwargs());
        int at = text.lastIndexOf(CONTINUE_TAG.strip());
        if (at < 0 || !text.contains(last.strip())) {
            throw new ChatTemplateException("continue_final_message: the template dropped the final message");
        }
        return text.startsWith(CONTINUE_TAG, at) ? text.substring(0, at) : text.substring(0, at).stripTrailing();
    }

    /**
     * Appends {@link #CONTINUE_TAG} to the last message's text (its last text part, in the parts format), as
     * transformers does; returns the text so tagged, or null when there is none.
     */
    private static String tagLast(List<Map<String, Object>> messages) {
        if (messages.isEmpty()) {
            return null;
        }
        Map<String, Object> last = new LinkedHashMap<>(messages.get(messages.size() - 1));
        messages.set(messages.size() - 1, last);
        if (last.get("content") instanceof String text) {
            last.put("content", text + CONTINUE_TAG);
            return text;
        }
        if (last.get("content") instanceof List<?> parts) {
            List<Object> tagged = new ArrayList<>(parts);
            for (int i = tagged.size() - 1; i >= 0; i--) {
                if (tagged.get(i) instanceof Map<?, ?> part && "text".equals(part.get("type"))) {
                    Map<String, Object> copy = new LinkedHashMap<>();
                    part.forEach((k, v) -> copy.put(String.valueOf(k), v));
                    String text = String.valueOf(part.get("text"));
                    copy.put("text", text + CONTINUE_TAG);
                    tagged.set(i, copy);
                    last.put("content", tagged);
                    return text;
                }
            }
        }
        return null;
    }

    /** transformers' marker for where the continued message ends. */
    private static final String CONTINUE_TAG = "CONTINUE_FINAL_MESSAGE_TAG ";

    /** Whether the template takes vLLM's {@code openai} content format (content parts), not the {@code string} one. */
    boolean partsFormat() {
        return partsFormat;
    }

    public String origin() {
        return origin;
    }
}
