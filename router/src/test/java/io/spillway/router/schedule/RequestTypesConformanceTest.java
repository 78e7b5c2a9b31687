package io.spillway.router.schedule;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.spillway.router.chat.ChatPrompt;
import io.spillway.router.chat.VllmPython;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The router's reading of completion, embedding and responses bodies against vLLM 0.34's own request models and
 * prompt construction (src/test/python/request_types_reference.py runs them): every body vLLM accepts is read without
 * a 400 and to the same shape (one text prompt, one token-id prompt, a batch, a conversation); every body the router
 * refuses, vLLM refuses too; and a response's input becomes the chat request vLLM builds for it (messages as the
 * template sees them, tools, generation prompt or continued message, thinking).
 */
class RequestTypesConformanceTest {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final Map<String, ObjectNode> CASES = new LinkedHashMap<>();
    private static final Map<String, JsonNode> VLLM = new LinkedHashMap<>();

    private static void add(String id, String api, String body) {
        try {
            ObjectNode c = JSON.createObjectNode().put("id", id).put("api", api);
            c.set("body", JSON.readTree(body));
            CASES.put(id, c);
        } catch (IOException e) {
            throw new IllegalStateException(id, e);
        }
    }

    @BeforeAll
    static void readWithVllmsCode() throws Exception {
        add("c-text", "completions", "{\"model\": \"m\", \"prompt\": \"Hello there\"}");
        add("c-text-list", "completions", "{\"model\": \"m\", \"prompt\": [\"Hello there\"]}");
        add("c-ids", "completions", "{\"model\": \"m\", \"prompt\": [1, 2, 3, 4]}");
        add("c-ids-float", "completions", "{\"model\": \"m\", \"prompt\": [1.0, 2, 3]}");
        add("c-ids-list", "completions", "{\"model\": \"m\", \"prompt\": [[1, 2, 3, 4]]}");
        add("c-batch-text", "completions", "{\"model\": \"m\", \"prompt\": [\"a\", \"b\"]}");
        add("c-batch-ids", "completions", "{\"model\": \"m\", \"prompt\": [[1, 2], [3, 4]]}");
        add("c-bad-mixed", "completions", "{\"model\": \"m\", \"prompt\": [\"a\", 2]}");
        add("c-bad-fraction", "completions", "{\"model\": \"m\", \"prompt\": [1.5, 2]}");
        add("c-bad-object", "completions", "{\"model\": \"m\", \"prompt\": {\"text\": \"a\"}}");
        add("c-bad-nested-mixed", "completions", "{\"model\": \"m\", \"prompt\": [[1, 2], \"a\"]}");
        add("e-text", "embeddings", "{\"model\": \"m\", \"input\": \"Embed me\"}");
        add("e-text-list", "embeddings", "{\"model\": \"m\", \"input\": [\"Embed me\"]}");
        add("e-ids", "embeddings", "{\"model\": \"m\", \"input\": [5, 6, 7]}");
        add("e-ids-list", "embeddings", "{\"model\": \"m\", \"input\": [[5, 6, 7]]}");
        add("e-batch", "embeddings", "{\"model\": \"m\", \"input\": [\"a\", \"b\", \"c\"]}");
        add("e-batch-ids", "embeddings", "{\"model\": \"m\", \"input\": [[1], [2]]}");
        add("e-chat", "embeddings", "{\"model\": \"m\", \"messages\": [{\"role\": \"user\", \"content\": \"x\"}]}");
        add("e-chat-input", "embeddings", "{\"model\": \"m\", \"input\": [{\"role\": \"user\", \"content\": \"x\"}]}");
        add("e-chat-batch", "embeddings", "{\"model\": \"m\", \"messages\": [[{\"role\": \"user\", \"content\": "
            + "\"x\"}], [{\"role\": \"user\", \"content\": \"y\"}]]}");
        add("e-bad-number", "embeddings", "{\"model\": \"m\", \"input\": 7}");
        add("e-bad-none", "embeddings", "{\"model\": \"m\"}");
        add("r-text", "responses", "{\"model\": \"m\", \"input\": \"What is a KV cache?\"}");
        add("r-instructions", "responses", "{\"model\": \"m\", \"instructions\": \"Be brief.\", \"input\": \"Why?\"}");
        add("r-parts", "responses", "{\"model\": \"m\", \"input\": [{\"role\": \"user\", \"content\": [{\"type\": "
            + "\"input_text\", \"text\": \"one\"}, {\"type\": \"input_text\", \"text\": \"two\"}]}]}");
        add("r-developer", "responses", "{\"model\": \"m\", \"input\": [{\"type\": \"message\", \"role\": "
            + "\"developer\", \"content\": \"Answer in French.\"}, {\"type\": \"message\", \"role\": \"user\", "
            + "\"content\": \"Hello\"}]}");
        add("r-tools", "responses", "{\"model\": \"m\", \"input\": [{\"role\": \"user\", \"content\": \"Weather in "
            + "Paris?\"}, {\"type\": \"function_call\", \"call_id\": \"c1\", \"name\": \"weather\", \"arguments\": "
            + "\"{\\\"city\\\": \\\"Paris\\\"}\"}, {\"type\": \"function_call\", \"call_id\": \"c2\", \"name\": "
            + "\"time\", \"arguments\": \"{}\"}, {\"type\": \"function_call_output\", \"call_id\": \"c1\", \"output\": "
            + "\"sunny\"}, {\"type\": \"function_call_output\", \"call_id\": \"c2\", \"output\": \"noon\"}], "
            + "\"tools\": [{\"type\": \"function\", \"name\": \"weather\", \"description\": \"the weather\", "
            + "\"parameters\": {\"type\": \"object\", \"properties\": {\"city\": {\"type\": \"string\"}}}}, "
            + "{\"type\": \"function\", \"name\": \"time\", \"parameters\": {\"type\": \"object\"}, \"strict\": true}]}");
        add("r-history", "responses", "{\"model\": \"m\", \"input\": [{\"role\": \"user\", \"content\": \"Hi\"}, "
            + "{\"type\": \"reasoning\", \"id\": \"rs_1\", \"summary\": [{\"type\": \"summary_text\", \"text\": "
            + "\"greet back\"}]}, {\"type\": \"message\", \"id\": \"msg_1\", \"role\": \"assistant\", \"status\": "
            + "\"completed\", \"content\": [{\"type\": \"output_text\", \"text\": \"Hello!\", \"annotations\": []}]}, "
            + "{\"role\": \"user\", \"content\": \"How are you?\"}], \"reasoning\": {\"effort\": \"none\"}}");
        add("r-continue", "responses", "{\"model\": \"m\", \"input\": [{\"role\": \"user\", \"content\": \"Count\"}, "
            + "{\"type\": \"message\", \"id\": \"msg_2\", \"role\": \"assistant\", \"status\": \"incomplete\", "
            + "\"content\": [{\"type\": \"output_text\", \"text\": \"1, 2,\", \"annotations\": []}]}], "
            + "\"reasoning\": {\"effort\": \"high\"}}");
        add("r-bad-none", "responses", "{\"model\": \"m\", \"instructions\": \"x\"}");
        add("r-bad-number", "responses", "{\"model\": \"m\", \"input\": 7}");

        Path cases = Files.createTempFile("request-types", ".json");
        ArrayNode list = JSON.createArrayNode();
        CASES.values().forEach(list::add);
        Files.writeString(cases, JSON.writeValueAsString(list));
        String out = VllmPython.run("request_types_reference.py", List.of(cases.toString()));
        for (JsonNode r : JSON.readTree(out)) {
            VLLM.put(r.get("id").asText(), r);
        }
        assertEquals(CASES.keySet(), VLLM.keySet(), "vLLM's side answered every case");
    }

    private static String path(String api) {
        return switch (api) {
            case "completions" -> CompletionPrompt.COMPLETIONS;
            case "embeddings" -> CompletionPrompt.EMBEDDINGS;
            default -> CompletionPrompt.RESPONSES;
        };
    }

    /** The shape the router gives a body: text, tokens, batch, chat, embeds, unkeyed, or the 400. */
    private static String shape(CompletionPrompt p) {
        if (!p.keyable()) {
            return p.unkeyed().startsWith("a batch") ? "batch" : p.unkeyed().contains("embeddings") ? "embeds"
                : "unkeyed";
        }
        return p.isChat() ? "chat" : p.tokens() != null ? "tokens" : "text";
    }

    @Test
    void everyBodyVllmAcceptsIsReadToTheSameShapeAndEveryRefusalIsVllmsToo() {
        int accepted = 0;
        int refused = 0;
        for (Map.Entry<String, ObjectNode> c : CASES.entrySet()) {
            JsonNode vllm = VLLM.get(c.getKey());
            String api = c.getValue().get("api").asText();
            CompletionPrompt ours;
            try {
                ours = CompletionPrompt.parse(path(api), JSON.writeValueAsBytes(c.getValue().get("body")));
            } catch (IllegalArgumentException | JsonProcessingException e) {
                refused++;
                assertTrue(!vllm.get("valid").asBoolean(), c.getKey() + ": the router refused (" + e.getMessage()
                    + ") a body vLLM accepts");
                continue;
            }
            assertTrue(vllm.get("valid").asBoolean(), c.getKey() + ": the router read a body vLLM refuses ("
                + vllm.get("error").asText() + ") as " + shape(ours));
            accepted++;
            if (!api.equals("responses")) {
                assertEquals(vllm.get("kind").asText(), shape(ours), c.getKey());
            }
        }
        assertEquals(CASES.size(), accepted + refused);
        assertTrue(refused >= 6 && accepted >= 20, accepted + " accepted, " + refused + " refused");
    }

    @Test
    void aResponseBecomesTheChatRequestVllmRenders() throws Exception {
        int compared = 0;
        for (Map.Entry<String, ObjectNode> c : CASES.entrySet()) {
            JsonNode vllm = VLLM.get(c.getKey());
            if (!c.getValue().get("api").asText().equals("responses") || !vllm.get("valid").asBoolean()) {
                continue;
            }
            JsonNode chat = vllm.get("chat");
            CompletionPrompt ours = CompletionPrompt.parse(CompletionPrompt.RESPONSES,
                JSON.writeValueAsBytes(c.getValue().get("body")));
            assertNotNull(ours.chat(), c.getKey() + " keyed: " + ours.unkeyed());
            ObjectNode theirs = JSON.createObjectNode();
            theirs.set("messages", chat.get("messages"));
            ChatPrompt expected = ChatPrompt.parse(theirs);
            ChatPrompt actual = ours.chat();
            assertEquals(JSON.valueToTree(expected.conversation()), JSON.valueToTree(actual.conversation()),
                c.getKey() + ": the messages as the template sees them");
            assertEquals(JSON.valueToTree(expected.parts()), JSON.valueToTree(actual.parts()), c.getKey());
            assertEquals(chat.get("add_generation_prompt").asBoolean(), actual.addGenerationPrompt(), c.getKey());
            assertEquals(chat.get("continue_final_message").asBoolean(), actual.continueFinalMessage(), c.getKey());
            JsonNode thinking = chat.get("enable_thinking");
            assertEquals(thinking.isNull() ? null : thinking.asBoolean(), actual.kwargs().get("enable_thinking"),
                c.getKey() + ": enable_thinking");
            JsonNode tools = chat.get("tools");
            assertEquals(tools.isNull() ? null : tools, actual.kwargs().containsKey("tools")
                ? JSON.valueToTree(actual.kwargs().get("tools")) : null, c.getKey() + ": the tools");
            compared++;
        }
        if (compared < 7) {
            fail("only " + compared + " responses compared");
        }
    }
}
