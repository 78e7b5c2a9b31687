package io.spillway.router.tokenize;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.spillway.key.BlockKey;
import io.spillway.key.BlockKeys;
import io.spillway.key.Namespace;
import io.spillway.key.RequestExtras;
import io.spillway.placement.routing.RoutingRequest;
import io.spillway.router.chat.ChatPrompt;
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
 * A request's keys carry its extras as the engine's do (docs/block-keys.md): the LoRA adapter its {@code model} names
 * on every block, its {@code cache_salt} on the first; a chat request is keyed through the model's chat template (Qwen3's
 * here), and one with an image only up to the image's placeholder.
 */
class RequestKeysTest {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final Namespace NS = Namespace.builder().modelId("Qwen/Qwen3-8B").layers(36).kvHeads(8)
        .headDim(128).blockSizeTokens(4).build();
    private static HuggingFaceTokenizer qwen;
    private static ChatTemplate template;
    private static PromptKeys keys;

    @BeforeAll
    static void qwen3() throws Exception {
        Path dir = Path.of(RequestKeysTest.class.getResource("/chat/qwen3").toURI());
        qwen = new HuggingFaceTokenizer(dir.resolve("tokenizer.json"));
        template = ChatTemplate.load(dir.resolve("tokenizer_config.json"), Clock.systemUTC());
        keys = new PromptKeys(qwen, new TemplateChatTokenizer(template, qwen), NS,
            new AdapterNames(List.of("Qwen/Qwen3-8B", "qwen")));
    }

    @AfterAll
    static void close() {
        qwen.close();
    }

    private static CompletionPrompt request(ObjectNode body) {
        return CompletionPrompt.parse(body.toString().getBytes(StandardCharsets.UTF_8));
    }

    private static BlockKey[] keysOf(RoutingRequest r) {
        BlockKey[] k = new BlockKey[r.blocks()];
        for (int i = 0; i < k.length; i++) {
            k[i] = new BlockKey(r.his()[i], r.los()[i]);
        }
        return k;
    }

    @Test
    void anAdaptersNameIsOnEveryBlockAndTheSaltOnTheFirst() {
        String prompt = "The router keys every block of this prompt with the request's extras, as vLLM does.";
        int[] tokens = qwen.encode(prompt);
        ObjectNode body = JSON.createObjectNode().put("prompt", prompt);
        BlockKey[] base = keysOf(keys.of(request(body.put("model", "Qwen/Qwen3-8B"))).request());
        assertArrayEquals(BlockKeys.chain(NS, tokens), base);
        assertArrayEquals(base, keysOf(keys.of(request(body.put("model", "qwen"))).request()),
            "a served alias of the base model is the base model");
        assertArrayEquals(base, keysOf(keys.of(request(body.put("model", ""))).request()));

        BlockKey[] adapter = keysOf(keys.of(request(body.put("model", "sql-lora"))).request());
        assertArrayEquals(BlockKeys.chain(NS, tokens, RequestExtras.builder().lora("sql-lora").build()), adapter);
        for (int b = 0; b < base.length; b++) {
            assertNotEquals(base[b], adapter[b], "block " + b + " of an adapter's request is its own");
        }

        BlockKey[] salted = keysOf(keys.of(request(body.put("model", "qwen").put("cache_salt", "tenant-7")))
            .request());
        assertArrayEquals(BlockKeys.chain(NS, tokens, RequestExtras.builder().cacheSalt("tenant-7").build()), salted);
        assertNotEquals(base[0], salted[0]);
        assertThrows(IllegalArgumentException.class, () -> request(body.put("cache_salt", 7)));
    }

    @Test
    void aChatRequestIsKeyedOnItsTemplatedPromptWithItsExtras() {
        ObjectNode body = JSON.createObjectNode().put("model", "sql-lora").put("cache_salt", "s");
        ArrayNode messages = body.putArray("messages");
        messages.addObject().put("role", "system").put("content", "You write SQL.");
        messages.addObject().put("role", "user").put("content", "Count the orders placed in 2026, per month.");
        String text = "<|im_start|>system\nYou write SQL.<|im_end|>\n<|im_start|>user\nCount the orders placed in "
            + "2026, per month.<|im_end|>\n<|im_start|>assistant\n";
        int[] engine = qwen.encode(text, false);
        RoutingRequest r = keys.of(request(body)).request();
        assertEquals(engine.length, r.promptTokens());
        assertArrayEquals(BlockKeys.chain(NS, engine, RequestExtras.builder().lora("sql-lora").cacheSalt("s").build()),
            keysOf(r));
    }

    @Test
    void anImageStopsTheKeysBeforeItsPlaceholderAndNoKeyIsWrong() {
        ObjectNode body = JSON.createObjectNode();
        ArrayNode messages = body.putArray("messages");
        messages.addObject().put("role", "system").put("content", "You describe pictures for a catalogue of "
            + "garden furniture, in two sentences, without adjectives of colour.");
        ArrayNode parts = messages.addObject().put("role", "user").putArray("content");
        parts.addObject().put("type", "text").put("text", "What is this?");
        parts.addObject().put("type", "image_url").putObject("image_url").put("url", "data:image/png;base64,AAAA");
        CompletionPrompt chat = request(body);
        assertTrue(chat.chat().multimodal());
        RoutingRequest r = keys.of(chat).request();

        // vLLM (string content format) puts the model's placeholder before the message's text
        String placeholder = "<|vision_start|><|image_pad|><|vision_end|>";
        String engineText = template.prompt(ChatPrompt.parse(body)).replace(ChatPrompt.MULTIMODAL_MARK, placeholder);
        int[] engine = qwen.encode(engineText, false);
        int itemAt = qwen.encode(engineText.substring(0, engineText.indexOf(placeholder)), false).length;
        BlockKey[] engineKeys = BlockKeys.chain(NS, engine, RequestExtras.builder().multimodal("mm-hash", itemAt, 3)
            .build());

        assertTrue(r.blocks() >= 5, "the system prompt's blocks are keyed: " + r.blocks());
        assertTrue(r.blocks() * 4 <= itemAt, "no keyed block reaches the image (at token " + itemAt + ")");
        assertArrayEquals(Arrays.copyOf(engineKeys, r.blocks()), keysOf(r), "every key the router gives is the engine's");
    }

    @Test
    void theRoleLinesFallbackKeysChatAsBefore() {
        PromptKeys lines = new PromptKeys(new CharacterTokenizer(1), NS);
        ObjectNode body = JSON.createObjectNode();
        body.putArray("messages").addObject().put("role", "user").put("content", "hi there");
        assertArrayEquals(BlockKeys.chain(NS, new CharacterTokenizer(1).encode("user: hi there\n")),
            keysOf(lines.of(request(body)).request()));
    }
}
