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
 * <p>Multimodal parts (images, audio, video): the engine puts each item's placeholder at the front of its message's
 * text and keys the item's blocks with a hash of the decoded item, which the router cannot compute. The first item's
 * message starts with {@link #MULTIMODAL_MARK} instead, so that a renderer can key only what precedes it.
 *
 * @param messages             the request's {@code messages} as sent (what the engine's {@code /tokenize} is given)
 * @param conversation         the messages as the template sees them
 * @param addGenerationPrompt  open the assistant's turn (default true)
 * @param continueFinalMessage leave the last message open (default false)
 * @param kwargs               {@code chat_template_kwargs}, with {@code enable_thinking} set from {@code
 *                             reasoning_effort} when the request gave that and not this
 * @param multimodal           whether a message holds a multimodal item
 */
public record ChatPrompt(JsonNode messages, List<Map<String, Object>> conversation, boolean addGenerationPrompt,
                         boolean continueFinalMessage, Map<String, Object> kwargs, boolean multimodal) {
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
        boolean multimodal = false;
        for (JsonNode m : messages) {
            if (!m.isObject() || !m.path("role").isTextual()) {
                throw new IllegalArgumentException("each message must be an object with a 'role', got " + abbreviate(m));
            }
            String role = m.get("role").asText();
            Map<String, Object> message = new LinkedHashMap<>();
            message.put("role", role);
            Content content = content(m.get("content"), !multimodal);
            multimodal |= content.multimodal;
            message.put("content", content.text);
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
            conversation.add(message);
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
        return new ChatPrompt(messages, conversation, generation, continueFinal, kwargs, multimodal);
    }

    private record Content(String text, boolean multimodal) {
    }

    /** A message's content: a string, or parts whose texts are joined by newlines (a multimodal item marked once). */
    private static Content content(JsonNode content, boolean markMultimodal) {
        if (content == null || content.isNull()) {
            return new Content("", false);
        }
        if (content.isTextual()) {
            return new Content(content.asText(), false);
        }
        if (!content.isArray()) {
            throw new IllegalArgumentException("a message's content must be a string or a list of parts");
        }
        List<String> texts = new ArrayList<>();
        boolean multimodal = false;
        for (JsonNode part : content) {
            if (part.isTextual()) {
                texts.add(part.asText());
            } else if ("text".equals(part.path("type").asText())) {
                texts.add(part.path("text").asText(""));
            } else {
                multimodal = true;
            }
        }
        String text = String.join("\n", texts);
        if (multimodal && markMultimodal) {
            text = text.isEmpty() ? MULTIMODAL_MARK : MULTIMODAL_MARK + "\n" + text;
        }
        return new Content(text, multimodal);
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
