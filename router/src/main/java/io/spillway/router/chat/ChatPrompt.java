package io.spillway.router.chat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * A chat request's conversation as vLLM hands it to the chat template (its {@code parse_chat_messages} in the
 * {@code string} content format): each message's text parts joined by newlines, {@code null} content as "", only the
 * fields vLLM keeps ({@code role}, {@code content}, an assistant's {@code tool_calls} and {@code reasoning}, a tool's
 * {@code tool_call_id}, {@code name}); and the template's arguments ({@code add_generation_prompt}, {@code
 * continue_final_message}, {@code chat_template_kwargs}, {@code enable_thinking} from {@code reasoning_effort}).
 *
 * <p>A template that iterates over a message's content parts gets vLLM's {@code openai} content format instead
 * ({@link #parts()}): every content a list of parts, {@code {"type": "text", "text": ...}} for text and {@code
 * {"type": "image"}} (or {@code audio}, {@code video}) for an item.
 *
 * <p>Multimodal parts (images, audio, video, embeddings): the engine puts each item's placeholder at the front of its
 * message's text (or where the template renders the item's part) and keys the item's blocks with a hash of the
 * decoded item, which the router cannot compute. The first item's place holds {@link #MULTIMODAL_MARK} instead, so
 * that a renderer can key only what precedes it.
 *
 * @param messages             the request's {@code messages} as sent (what the engine's {@code /tokenize} is given)
 * @param conversation         the messages as the template sees them (vLLM's {@code string} content format)
 * @param parts                the same in vLLM's {@code openai} content format
 * @param addGenerationPrompt  open the assistant's turn (default true)
 * @param continueFinalMessage leave the last message open (default false)
 * @param kwargs               {@code chat_template_kwargs}, with {@code enable_thinking} set from {@code
 *                             reasoning_effort} when the request gave that and not this
 * @param multimodal           whether a message holds a multimodal item
 */
public record ChatPrompt(JsonNode messages, List<Map<String, Object>> conversation, List<Map<String, Object>> parts,
                         boolean addGenerationPrompt, boolean continueFinalMessage, Map<String, Object> kwargs,
                         boolean multimodal) {
    /** Where the first multimodal item's placeholder goes: private-use characters no text holds by chance. */
    public static final String MULTIMODAL_MARK = "\uE000spillway:multimodal\uE000";
    private static final ObjectMapper JSON = new ObjectMapper();

    /**
     * @param root the request body
     * @throws IllegalArgumentException naming what is wrong: messages not a list, a message without a role
     */
    public static ChatPrompt parse(JsonNode root) {
        JsonNode messages = root.get("messages");
        if (messages == null || !messages.isArray()) {
            throw new IllegalArgumentException("'messages' must be a list");
        }
        List<Map<String, Object>> conversation = new ArrayList<>();
        List<Map<String, Object>> parts = new ArrayList<>();
        boolean multimodal = false;
        for (JsonNode m : messages) {
            if (!m.isObject() || !m.path("role").isTextual()) {
                throw new IllegalArgumentException("each message must be an object with a 'role', got " + abbreviate(m));
            }
            String role = m.get("role").asText();
            Content content = Content.of(m.get("content"), !multimodal);
            multimodal |= content.multimodal();
            conversation.add(message(m, role, content.text()));
            parts.add(message(m, role, role.equals("tool") && content.textOnly() ? content.text() : content.parts()));
        }
        Map<String, Object> kwargs = new LinkedHashMap<>();
        if (root.path("chat_template_kwargs").isObject()) {
            @SuppressWarnings("unchecked")
            Map<String, Object> given = (Map<String, Object>) plain(root.get("chat_template_kwargs"));
            kwargs.putAll(given);
        }
        JsonNode effort = root.get("reasoning_effort");
        if (effort != null && !effort.isNull() && !kwargs.containsKey("enable_thinking")) {
            kwargs.put("enable_thinking", !"none".equals(effort.asText()));
        }
        if (root.hasNonNull("tools")) {
            kwargs.put("tools", plain(root.get("tools")));
        }
        boolean continueFinal = root.path("continue_final_message").asBoolean(false);
        boolean generation = root.path("add_generation_prompt").asBoolean(!continueFinal);
        return new ChatPrompt(messages, conversation, parts, generation, continueFinal, kwargs, multimodal);
    }

    /** A message as vLLM keeps it: role, content, and the fields its role may carry. */
    private static Map<String, Object> message(JsonNode m, String role, Object content) {
        Map<String, Object> message = new LinkedHashMap<>();
        message.put("role", role);
        message.put("content", content);
        if (role.equals("assistant") && m.hasNonNull("tool_calls")) {
            message.put("tool_calls", plain(m.get("tool_calls")));
        }
        if (role.equals("assistant") && m.path("reasoning").isTextual()) {
            message.put("reasoning", m.get("reasoning").asText());
            message.put("reasoning_content", m.get("reasoning").asText());
        }
        if (role.equals("tool") && m.has("tool_call_id")) {
            message.put("tool_call_id", plain(m.get("tool_call_id")));
        }
        if (m.path("name").isTextual()) {
            message.put("name", m.get("name").asText());
        }
        return message;
    }

    /**
     * A message's content both ways: its text (text parts joined by newlines, the first multimodal item marked at the
     * front) and its parts ({@code text} parts and {@code image}/{@code audio}/{@code video} ones, the first item's
     * part a text part holding the mark).
     */
    private record Content(String text, List<Map<String, Object>> parts, boolean multimodal, boolean textOnly) {
        static Content of(JsonNode content, boolean markMultimodal) {
            if (content == null || content.isNull()) {
                return new Content("", List.of(), false, true);
            }
            if (content.isTextual()) {
                return new Content(content.asText(), List.of(textPart(content.asText())), false, true);
            }
            if (!content.isArray()) {
                throw new IllegalArgumentException("a message's content must be a string or a list of parts");
            }
            List<String> texts = new ArrayList<>();
            List<Map<String, Object>> parts = new ArrayList<>();
            boolean multimodal = false;
            for (JsonNode part : content) {
                if (isText(part)) {
                    String text = text(part);
                    if (text == null) {
                        continue; // vLLM skips a text part without its text
                    }
                    texts.add(text);
                    parts.add(textPart(text));
                } else if (!multimodal && markMultimodal) {
                    multimodal = true;
                    parts.add(textPart(MULTIMODAL_MARK));
                } else {
                    multimodal = true;
                    parts.add(Map.of("type", modality(part)));
                }
            }
            String text = String.join("\n", texts);
            if (multimodal && markMultimodal) {
                text = text.isEmpty() ? MULTIMODAL_MARK : MULTIMODAL_MARK + "\n" + text;
            }
            return new Content(text, parts, multimodal, !multimodal);
        }

        /** Whether a part is text: a string, or of type {@code text}, {@code input_text}, {@code output_text},
         * {@code thinking} or {@code refusal} (no type: text). */
        private static boolean isText(JsonNode part) {
            return part.isTextual() || TEXT_KEYS.containsKey(part.path("type").asText("text"));
        }

        /** A text part's text, or null when it has none. */
        private static String text(JsonNode part) {
            if (part.isTextual()) {
                return part.asText();
            }
            JsonNode text = part.get(TEXT_KEYS.get(part.path("type").asText("text")));
            return text == null || text.isNull() ? null : text.asText();
        }

        private static final Map<String, String> TEXT_KEYS = Map.of("text", "text", "input_text", "text",
            "output_text", "text", "thinking", "thinking", "refusal", "refusal");

        private static String modality(JsonNode part) {
            String type = part.path("type").asText("");
            return type.startsWith("audio") || type.equals("input_audio") ? "audio"
                : type.startsWith("video") ? "video" : "image";
        }

        private static Map<String, Object> textPart(String text) {
            Map<String, Object> part = new LinkedHashMap<>();
            part.put("type", "text");
            part.put("text", text);
            return part;
        }
    }

    /** JSON as the template sees it: maps, lists, strings, numbers, booleans, null. */
    static Object plain(JsonNode node) {
        return JSON.convertValue(node, Object.class);
    }

    private static String abbreviate(JsonNode node) {
        String s = node.toString();
        return s.length() <= 80 ? s : s.substring(0, 80) + "...";
    }
}
