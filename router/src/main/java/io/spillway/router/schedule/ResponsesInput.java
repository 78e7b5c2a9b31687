package io.spillway.router.schedule;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;

/**
 * A {@code /v1/responses} request as the chat request vLLM 0.34 renders for it (its {@code construct_input_messages},
 * {@code construct_tool_dicts} and {@code ResponsesRequest.build_chat_params}): {@code instructions} as a system
 * message, a string {@code input} as a user message, and a list of items in order: a message with its role as
 * itself, an assistant's message as its first part's text, a {@code function_call} as a tool call of the assistant's
 * message before it (or of a new one), its output as a {@code tool} message, a {@code reasoning} item as the
 * assistant's reasoning; function tools in the chat form; the generation prompt unless the last item is an
 * unfinished message ({@code status} in progress or incomplete), which is continued instead; {@code reasoning.effort}
 * as the chat's {@code reasoning_effort}.
 *
 * <p>Not keyed (routed on load alone): a request that continues a stored response ({@code previous_response_id}:
 * the engine prepends a conversation the router never saw), one that names a stored prompt ({@code prompt}), and
 * items or tools whose rendering the router does not reproduce. A model served through the Harmony format (gpt-oss)
 * is rendered by vLLM without its chat template: its keys will not match, which costs hits, never answers.
 */
final class ResponsesInput {
    private static final JsonNodeFactory NODES = JsonNodeFactory.instance;

    private ResponsesInput() {
    }

    /**
     * @param root    the chat request's body, or null when unkeyed
     * @param unkeyed why the request is not keyed, or null
     */
    record Chat(ObjectNode root, String unkeyed) {
        static Chat not(String why) {
            return new Chat(null, why);
        }
    }

    /** @throws IllegalArgumentException when the body is not a responses request: no input, an item not an object */
    static Chat chat(JsonNode body) {
        JsonNode input = body.get("input");
        if (input == null || !(input.isTextual() || input.isArray())) {
            throw new IllegalArgumentException("a responses request needs an 'input': a string or a list of items");
        }
        if (body.hasNonNull("previous_response_id")) {
            return Chat.not("it continues a stored response (previous_response_id)");
        }
        if (body.hasNonNull("prompt")) {
            return Chat.not("it names a stored prompt template ('prompt')");
        }
        if (body.hasNonNull("previous_input_messages")) {
            return Chat.not("it carries Harmony messages (previous_input_messages)");
        }
        JsonNode instructions = body.get("instructions");
        if (instructions != null && !instructions.isNull() && !instructions.isTextual()) {
            throw new IllegalArgumentException("'instructions' must be a string");
        }
        ArrayNode messages = NODES.arrayNode();
        if (instructions != null && !instructions.asText("").isEmpty()) {
            messages.addObject().put("role", "system").put("content", instructions.asText());
        }
        boolean continueFinal = false;
        if (input.isTextual()) {
            messages.addObject().put("role", "user").put("content", input.asText());
        } else {
            for (JsonNode item : input) {
                if (!item.isObject()) {
                    throw new IllegalArgumentException("each 'input' item must be an object, got " + item);
                }
                String why = add(messages, item);
                if (why != null) {
                    return Chat.not(why);
                }
            }
            JsonNode last = input.isEmpty() ? null : input.get(input.size() - 1);
            continueFinal = last != null && ("message".equals(last.path("type").asText("message"))
                || "reasoning".equals(last.path("type").asText()))
                && ("in_progress".equals(last.path("status").asText()) || "incomplete".equals(
                    last.path("status").asText()));
        }
        ObjectNode root = NODES.objectNode();
        root.set("messages", messages);
        root.put("add_generation_prompt", !continueFinal);
        root.put("continue_final_message", continueFinal);
        if (body.path("chat_template_kwargs").isObject()) {
            root.set("chat_template_kwargs", body.get("chat_template_kwargs"));
        }
        JsonNode effort = body.path("reasoning").get("effort");
        if (effort != null && effort.isTextual()) {
            root.put("reasoning_effort", effort.asText());
        }
        JsonNode tools = body.get("tools");
        if (tools != null && tools.isArray() && !tools.isEmpty()) {
            ArrayNode chatTools = NODES.arrayNode();
            for (JsonNode tool : tools) {
                String type = tool.path("type").asText("");
                if (type.equals("function")) {
                    chatTools.add(chatTool(tool));
                } else if (type.equals("namespace") || type.equals("custom")) {
                    return Chat.not("a '" + type + "' tool (vLLM renders it through a shim the router does not "
                        + "reproduce)");
                } // built-in tools (web search, code interpreter, MCP) are not shown to the chat template
            }
            if (!chatTools.isEmpty()) {
                root.set("tools", chatTools);
            }
        }
        return new Chat(root, null);
    }

    /** A flat Responses function tool in the chat form, as vLLM dumps it (its FunctionDefinition's fields). */
    private static ObjectNode chatTool(JsonNode tool) {
        ObjectNode function = NODES.objectNode();
        function.set("name", tool.path("name").deepCopy());
        function.set("description", tool.hasNonNull("description") ? tool.get("description") : NODES.nullNode());
        function.set("parameters", tool.hasNonNull("parameters") ? tool.get("parameters") : NODES.nullNode());
        if (tool.hasNonNull("strict")) {
            function.set("strict", tool.get("strict"));
        }
        if (tool.hasNonNull("defer_loading")) {
            function.set("defer_loading", tool.get("defer_loading"));
        }
        ObjectNode out = NODES.objectNode().put("type", "function");
        out.set("function", function);
        return out;
    }

    /** Adds one input item's message, or merges it into the assistant's message before; a reason if not keyed. */
    private static String add(ArrayNode messages, JsonNode item) {
        String type = item.path("type").asText("");
        ObjectNode prev = messages.isEmpty() ? null : (ObjectNode) messages.get(messages.size() - 1);
        ObjectNode assistant = prev != null && "assistant".equals(prev.path("role").asText()) ? prev : null;
        switch (type) {
            case "function_call" -> {
                ObjectNode call = NODES.objectNode().put("id", item.path("call_id").asText());
                String name = item.path("name").asText();
                if (item.hasNonNull("namespace")) {
                    name = item.get("namespace").asText() + "__" + name;
                }
                call.putObject("function").put("name", name).put("arguments", item.path("arguments").asText());
                call.put("type", "function");
                if (assistant != null && (!assistant.has("tool_calls") || assistant.get("tool_calls").isArray())) {
                    ArrayNode calls = assistant.has("tool_calls") ? (ArrayNode) assistant.get("tool_calls")
                        : assistant.putArray("tool_calls");
                    calls.add(call);
                } else {
                    messages.addObject().put("role", "assistant").putArray("tool_calls").add(call);
                }
                return null;
            }
            case "function_call_output", "custom_tool_call_output" -> {
                ObjectNode tool = messages.addObject().put("role", "tool");
                tool.set("content", item.hasNonNull("output") ? item.get("output") : NODES.nullNode());
                tool.set("tool_call_id", item.hasNonNull("call_id") ? item.get("call_id") : NODES.nullNode());
                return null;
            }
            case "reasoning" -> {
                if (item.hasNonNull("encrypted_content")) {
                    return "an encrypted reasoning item";
                }
                String reasoning = firstText(item.get("content"));
                if (reasoning == null) {
                    reasoning = firstText(item.get("summary"));
                }
                reasoning = reasoning == null ? "" : reasoning;
                if (assistant != null && !assistant.hasNonNull("reasoning")) {
                    assistant.put("reasoning", reasoning);
                } else {
                    messages.addObject().put("role", "assistant").put("reasoning", reasoning);
                }
                return null;
            }
            case "", "message" -> {
                if (!item.path("role").isTextual()) {
                    throw new IllegalArgumentException("an 'input' message needs a 'role', got " + item);
                }
                if (item.get("role").asText().equals("assistant")) {
                    JsonNode content = item.get("content");
                    String text = content == null || content.isNull() ? "" : content.isTextual() ? content.asText()
                        : content.isArray() && !content.isEmpty() ? firstText(content) : "";
                    text = text == null ? "" : text;
                    if (assistant != null && !assistant.hasNonNull("content")) {
                        assistant.put("content", text);
                    } else {
                        messages.addObject().put("role", "assistant").put("content", text);
                    }
                    return null;
                }
                ObjectNode message = messages.addObject().put("role", item.get("role").asText());
                message.set("content", item.has("content") ? item.get("content") : NODES.nullNode());
                if (item.has("name")) {
                    message.set("name", item.get("name"));
                }
                return null;
            }
            default -> {
                return "an input item of type '" + type + "'";
            }
        }
    }

    /** The first part's {@code text} of a list of parts (or of a string), or null when there is none. */
    private static String firstText(JsonNode parts) {
        if (parts == null || parts.isNull()) {
            return null;
        }
        if (parts.isTextual()) {
            return parts.asText();
        }
        if (!parts.isArray() || parts.isEmpty()) {
            return null;
        }
        JsonNode first = parts.get(0);
        return first.isTextual() ? first.asText() : first.path("text").asText("");
    }
}
