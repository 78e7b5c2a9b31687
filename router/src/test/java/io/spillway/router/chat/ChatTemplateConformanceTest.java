package io.spillway.router.chat;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.spillway.key.BlockKey;
import io.spillway.key.BlockKeys;
import io.spillway.key.Namespace;
import io.spillway.router.tokenize.HuggingFaceTokenizer;
import io.spillway.router.tokenize.TemplateChatTokenizer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The router's chat prompts against vLLM's for the same requests: published chat templates of real models (Qwen3,
 * Qwen2.5, Phi-3.5-mini, Mistral-Nemo; src/test/resources/chat/README.md) rendered by the router's Jinja engine and
 * by transformers' {@code apply_chat_template} as vLLM 0.34 calls it (src/test/python/chat_template_reference.py),
 * over seeded conversations; for the two Qwen templates the prompts are also tokenized (the router through DJL, vLLM's
 * side through transformers, Qwen3's tokenizer.json for both) and block-keyed, and the router's keys must equal the
 * engine's for at least 99% of full blocks (the bar; all of them are expected).
 */
class ChatTemplateConformanceTest {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final int CONVERSATIONS = 150;
    private static final Namespace NS = Namespace.builder().modelId("Qwen/Qwen3-8B").layers(36).kvHeads(8).headDim(128)
        .blockSizeTokens(16).build();

    private record Model(String name, ChatTemplate template, Map<String, String> specialTokens, boolean tokenize) {
    }

    private static final List<Model> MODELS = new ArrayList<>();
    private static final Map<String, JsonNode> REQUESTS = new LinkedHashMap<>();
    private static final Map<String, JsonNode> ENGINE = new LinkedHashMap<>();
    private static HuggingFaceTokenizer qwenTokenizer;

    static Path resource(String name) {
        try {
            return Path.of(ChatTemplateConformanceTest.class.getResource("/chat/" + name).toURI());
        } catch (java.net.URISyntaxException e) {
            throw new IllegalStateException(e);
        }
    }

    @BeforeAll
    static void renderWithVllmsCode() throws Exception {
        Map<String, String> qwen = ChatTemplate.specialTokens(JSON.readTree(resource("qwen3/tokenizer_config.json")
            .toFile()));
        String qwen3 = JSON.readTree(resource("qwen3/tokenizer_config.json").toFile()).get("chat_template").asText();
        MODELS.add(model("qwen3", qwen3, qwen, true));
        MODELS.add(model("qwen2.5", Files.readString(resource("qwen2.5/chat_template.jinja")), qwen, true));
        MODELS.add(model("phi-3.5", Files.readString(resource("phi-3.5/chat_template.jinja")),
            Map.of("eos_token", "<|endoftext|>"), false));
        MODELS.add(model("mistral-nemo", Files.readString(resource("mistral-nemo/chat_template.jinja")),
            Map.of("bos_token", "<s>", "eos_token", "</s>"), false));
        qwenTokenizer = new HuggingFaceTokenizer(resource("qwen3/tokenizer.json"));

        ObjectNode spec = JSON.createObjectNode().put("tokenizer_dir", resource("qwen3").toString());
        ArrayNode cases = spec.putArray("cases");
        for (Model model : MODELS) {
            Conversations conversations = new Conversations(42);
            for (int i = 0; i < CONVERSATIONS; i++) {
                String id = model.name + "/" + i;
                ObjectNode body = conversations.next();
                REQUESTS.put(id, body);
                ObjectNode c = cases.addObject().put("id", id).put("template", source(model))
                    .put("tokenize", model.tokenize);
                c.set("special_tokens", JSON.valueToTree(model.specialTokens));
                c.set("messages", body.get("messages"));
                c.put("add_generation_prompt", body.get("add_generation_prompt").asBoolean());
                if (body.has("chat_template_kwargs")) {
                    c.set("chat_template_kwargs", body.get("chat_template_kwargs"));
                }
            }
        }
        Path file = Files.createTempFile("chat-cases", ".json");
        JSON.writeValue(file.toFile(), spec);
        for (JsonNode r : JSON.readTree(VllmPython.run("chat_template_reference.py", List.of(file.toString())))) {
            ENGINE.put(r.get("id").asText(), r);
        }
    }

    private static final Map<String, String> SOURCES = new LinkedHashMap<>();

    private static Model model(String name, String source, Map<String, String> tokens, boolean tokenize) {
        SOURCES.put(name, source);
        return new Model(name, new ChatTemplate(source, tokens, name, Clock.systemUTC()), tokens, tokenize);
    }

    private static String source(Model model) {
        return SOURCES.get(model.name);
    }

    @Test
    void everyTemplateRendersTheTextVllmRenders() {
        for (Model model : MODELS) {
            int equal = 0;
            int bothFailed = 0;
            List<String> differences = new ArrayList<>();
            for (int i = 0; i < CONVERSATIONS; i++) {
                String id = model.name + "/" + i;
                JsonNode engine = ENGINE.get(id);
                String ours;
                try {
                    ours = model.template.prompt(ChatPrompt.parse(REQUESTS.get(id)));
                } catch (ChatTemplateException e) {
                    ours = null;
                    if (!engine.get("error").isNull()) {
                        bothFailed++;
                        continue;
                    }
                    differences.add(id + ": the router failed (" + e.getMessage() + "), vLLM rendered");
                    continue;
                }
                if (engine.get("text").isNull()) {
                    differences.add(id + ": vLLM failed (" + engine.get("error").asText() + "), the router rendered");
                } else if (engine.get("text").asText().equals(ours)) {
                    equal++;
                } else {
                    differences.add(id + ": " + firstDifference(engine.get("text").asText(), ours));
                }
            }
            assertTrue(differences.isEmpty(), model.name + ": " + differences.size() + " of " + CONVERSATIONS
                + " differ, e.g. " + differences.subList(0, Math.min(3, differences.size())));
            assertTrue(equal >= CONVERSATIONS * 9 / 10, model.name + ": only " + equal + " rendered (" + bothFailed
                + " refused by both)");
        }
    }

    @Test
    void theRoutersKeysEqualTheEnginesForBothQwenTemplates() {
        for (Model model : MODELS) {
            if (!model.tokenize) {
                continue;
            }
            TemplateChatTokenizer router = new TemplateChatTokenizer(model.template, qwenTokenizer);
            long blocks = 0;
            long equal = 0;
            for (int i = 0; i < CONVERSATIONS; i++) {
                String id = model.name + "/" + i;
                JsonNode tokens = ENGINE.get(id).get("tokens");
                int[] engine = new int[tokens.size()];
                for (int t = 0; t < engine.length; t++) {
                    engine[t] = tokens.get(t).asInt();
                }
                BlockKey[] expected = BlockKeys.chain(NS, engine);
                BlockKey[] ours = BlockKeys.chain(NS, router.encode(ChatPrompt.parse(REQUESTS.get(id)), "").tokens());
                blocks += expected.length;
                for (int b = 0; b < expected.length; b++) {
                    equal += b < ours.length && ours[b].equals(expected[b]) ? 1 : 0;
                }
            }
            System.out.printf("%s: %d of %d full blocks keyed as the engine keys them (%.2f%%)%n", model.name, equal,
                blocks, 100.0 * equal / blocks);
            assertTrue(blocks > 1000, model.name + ": too few blocks to judge: " + blocks);
            assertTrue(equal >= blocks * 0.99, model.name + ": " + equal + " of " + blocks + " blocks equal");
        }
    }

    @Test
    void aRaisingTemplateFailsWithItsMessage() {
        ChatTemplate mistral = MODELS.stream().filter(m -> m.name.equals("mistral-nemo")).findFirst().orElseThrow()
            .template;
        ObjectNode body = JSON.createObjectNode();
        body.putArray("messages").addObject().put("role", "assistant").put("content", "I speak first");
        ChatTemplateException e = org.junit.jupiter.api.Assertions.assertThrows(ChatTemplateException.class,
            () -> mistral.prompt(ChatPrompt.parse(body)));
        assertTrue(e.getMessage().contains("must alternate user/assistant"), e.getMessage());
    }

    private static String firstDifference(String expected, String actual) {
        int i = 0;
        while (i < expected.length() && i < actual.length() && expected.charAt(i) == actual.charAt(i)) {
            i++;
        }
        int from = Math.max(0, i - 30);
        return "at " + i + ": vLLM " + JSON.valueToTree(expected.substring(from, Math.min(expected.length(), i + 30)))
            + " router " + JSON.valueToTree(actual.substring(from, Math.min(actual.length(), i + 30)));
    }

}
