package io.spillway.router.tokenize;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.spillway.key.BlockKey;
import io.spillway.key.BlockKeys;
import io.spillway.key.Namespace;
import io.spillway.placement.routing.RoutingRequest;
import io.spillway.router.chat.ChatTemplate;
import io.spillway.router.schedule.CompletionPrompt;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Clock;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Embeddings, responses and token-id prompts keyed as vLLM builds their prompts (Qwen3's tokenizer and template): a
 * token-id prompt's keys are those of the same ids reached through the tokenizer from text; an embedding's text is
 * keyed as a completion's; a response's instructions and input as the chat request vLLM renders for it; a batch
 * carries no keys; a bad body names what is wrong.
 */
class RequestTypesKeysTest {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final Namespace NS = Namespace.builder().modelId("Qwen/Qwen3-8B").layers(36).kvHeads(8)
        .headDim(128).blockSizeTokens(4).build();
    private static final String TEXT = "Spillway keys every full block of a prompt, whichever endpoint it came to.";
    private static HuggingFaceTokenizer qwen;
    private static PromptKeys keys;

    @BeforeAll
    static void qwen3() throws Exception {
        Path dir = Path.of(RequestTypesKeysTest.class.getResource("/chat/qwen3").toURI());
        qwen = new HuggingFaceTokenizer(dir.resolve("tokenizer.json"));
        ChatTemplate template = ChatTemplate.load(dir.resolve("tokenizer_config.json"), Clock.systemUTC());
        keys = new PromptKeys(qwen, new TemplateChatTokenizer(template, qwen), NS,
            new AdapterNames(List.of("Qwen/Qwen3-8B")));
    }

    @AfterAll
    static void close() {
        qwen.close();
    }

    private static CompletionPrompt request(String path, ObjectNode body) {
        return CompletionPrompt.parse(path, body.toString().getBytes(StandardCharsets.UTF_8));
    }

    private static BlockKey[] keysOf(CompletionPrompt p) {
        RoutingRequest r = keys.of(p).request();
        BlockKey[] k = new BlockKey[r.blocks()];
        for (int i = 0; i < k.length; i++) {
            k[i] = new BlockKey(r.his()[i], r.los()[i]);
        }
        return k;
    }

    private static ArrayNode ids(int[] tokens) {
        ArrayNode a = JSON.createArrayNode();
        for (int t : tokens) {
            a.add(t);
        }
        return a;
    }

    @Test
    void aTokenIdPromptIsKeyedAsTheSameIdsReachedFromText() {
        int[] tokens = qwen.encode(TEXT);
        BlockKey[] fromText = keysOf(request(CompletionPrompt.COMPLETIONS, JSON.createObjectNode().put("prompt",
            TEXT)));
        assertTrue(fromText.length >= 4, "several full blocks: " + fromText.length);
        assertArrayEquals(BlockKeys.chain(NS, tokens), fromText);

        ObjectNode flat = JSON.createObjectNode();
        flat.set("prompt", ids(tokens));
        assertArrayEquals(fromText, keysOf(request(CompletionPrompt.COMPLETIONS, flat)), "prompt: [ids]");
        ObjectNode nested = JSON.createObjectNode();
        nested.putArray("prompt").add(ids(tokens));
        assertArrayEquals(fromText, keysOf(request(CompletionPrompt.COMPLETIONS, nested)), "prompt: [[ids]]");
        assertArrayEquals(fromText, keysOf(request(null, flat)), "no path: told by the field");

        ObjectNode embedIds = JSON.createObjectNode();
        embedIds.set("input", ids(tokens));
        assertArrayEquals(fromText, keysOf(request(CompletionPrompt.EMBEDDINGS, embedIds)), "input: [ids]");
        assertArrayEquals(fromText, keysOf(request(CompletionPrompt.EMBEDDINGS, JSON.createObjectNode()
            .put("input", TEXT))), "an embedding's text is keyed as a completion's");

        // one id changed in the third block: the first two blocks keep their keys, the rest change
        int[] other = tokens.clone();
        other[9] = other[9] + 1;
        ObjectNode changed = JSON.createObjectNode();
        changed.set("prompt", ids(other));
        BlockKey[] k = keysOf(request(CompletionPrompt.COMPLETIONS, changed));
        assertArrayEquals(Arrays.copyOf(fromText, 2), Arrays.copyOf(k, 2));
        assertNotEquals(fromText[2], k[2]);
    }

    @Test
    void aBatchOfSeveralPromptsCarriesNoKeys() {
        ObjectNode texts = JSON.createObjectNode();
        texts.putArray("prompt").add(TEXT).add("another prompt");
        CompletionPrompt batch = request(CompletionPrompt.COMPLETIONS, texts);
        assertFalse(batch.keyable());
        assertTrue(batch.unkeyed().contains("batch of 2"), batch.unkeyed());
        assertThrows(IllegalArgumentException.class, () -> keys.of(batch));

        ObjectNode lists = JSON.createObjectNode();
        lists.putArray("input").add(ids(new int[] {1, 2, 3})).add(ids(new int[] {4, 5}));
        assertFalse(request(CompletionPrompt.EMBEDDINGS, lists).keyable());
        ObjectNode one = JSON.createObjectNode();
        one.putArray("prompt").add(TEXT);
        assertArrayEquals(BlockKeys.chain(NS, qwen.encode(TEXT)), keysOf(request(CompletionPrompt.COMPLETIONS, one)),
            "a list of one prompt is that prompt");
        assertFalse(request("/v1/models", JSON.createObjectNode()).keyable(), "another path: nothing to key");
        assertFalse(CompletionPrompt.parse("/tokenize", "not json".getBytes(StandardCharsets.UTF_8)).keyable(),
            "another path's body is not read");
    }

    @Test
    void aResponseIsKeyedAsTheChatRequestVllmRendersForIt() {
        ObjectNode response = JSON.createObjectNode().put("model", "Qwen/Qwen3-8B")
            .put("instructions", "You write SQL.").put("input", "Count the orders placed in 2026, per month.");
        ObjectNode chat = JSON.createObjectNode().put("model", "Qwen/Qwen3-8B");
        ArrayNode messages = chat.putArray("messages");
        messages.addObject().put("role", "system").put("content", "You write SQL.");
        messages.addObject().put("role", "user").put("content", "Count the orders placed in 2026, per month.");
        BlockKey[] fromChat = keysOf(request(CompletionPrompt.CHAT, chat));
        assertTrue(fromChat.length >= 5);
        assertArrayEquals(fromChat, keysOf(request(CompletionPrompt.RESPONSES, response)));

        // as a list of items, the text as input_text parts
        ObjectNode items = JSON.createObjectNode().put("instructions", "You write SQL.");
        items.putArray("input").addObject().put("type", "message").put("role", "user").putArray("content")
            .addObject().put("type", "input_text").put("text", "Count the orders placed in 2026, per month.");
        assertArrayEquals(fromChat, keysOf(request(CompletionPrompt.RESPONSES, items)));

        ObjectNode stored = response.deepCopy().put("previous_response_id", "resp_1");
        assertFalse(request(CompletionPrompt.RESPONSES, stored).keyable(), "a stored conversation is not known");
    }

    @Test
    void anEmbeddedConversationHasNoGenerationPrompt() {
        ObjectNode embed = JSON.createObjectNode();
        embed.putArray("messages").addObject().put("role", "user").put("content", "Embed this sentence, please.");
        int[] engine = qwen.encode("<|im_start|>user\nEmbed this sentence, please.<|im_end|>\n", false);
        RoutingRequest r = keys.of(request(CompletionPrompt.EMBEDDINGS, embed)).request();
        assertEquals(engine.length, r.promptTokens(), "vLLM's embedding chat default: add_generation_prompt false");
        ObjectNode inInput = JSON.createObjectNode();
        inInput.set("input", embed.get("messages"));
        assertEquals(engine.length, keys.of(request(CompletionPrompt.EMBEDDINGS, inInput)).request().promptTokens());
    }

    @Test
    void badBodiesAreNamed() {
        String[][] cases = {
            {CompletionPrompt.COMPLETIONS, "{\"prompt\": [1, -2]}", "token id 1"},
            {CompletionPrompt.COMPLETIONS, "{\"prompt\": [1.5]}", "token id 0"},
            {CompletionPrompt.COMPLETIONS, "{\"prompt\": [1, 3000000000]}", "token id 1"},
            {CompletionPrompt.COMPLETIONS, "{\"prompt\": [\"a\", 2]}", "list of strings"},
            {CompletionPrompt.COMPLETIONS, "{\"prompt\": [[1], \"a\"]}", "token-id lists"},
            {CompletionPrompt.COMPLETIONS, "{\"prompt\": {\"a\": 1}}", "'prompt' must be"},
            {CompletionPrompt.COMPLETIONS, "{\"messages\": []}", "needs a 'prompt'"},
            {CompletionPrompt.EMBEDDINGS, "{\"model\": \"m\"}", "'input' or 'messages'"},
            {CompletionPrompt.EMBEDDINGS, "{\"input\": 7}", "'input' must be"},
            {CompletionPrompt.RESPONSES, "{\"model\": \"m\"}", "needs an 'input'"},
            {CompletionPrompt.RESPONSES, "{\"input\": [\"hi\"]}", "must be an object"},
            {CompletionPrompt.CHAT, "{\"prompt\": \"hi\"}", "'messages' must be a list"},
            {CompletionPrompt.CHAT, "[1]", "JSON object"},
        };
        for (String[] c : cases) {
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> CompletionPrompt.parse(c[0], c[1].getBytes(StandardCharsets.UTF_8)), c[1]);
            assertTrue(e.getMessage().contains(c[2]), c[1] + " -> " + e.getMessage());
        }
    }
}
