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
import java.net.URISyntaxException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.LocalDate;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Assertions;
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
        } catch (URISyntaxException e) {
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
        MODELS.add(model("mistral-small-3.2", Files.readString(resource("mistral-small-3.2/chat_template.jinja")),
            Map.of("bos_token", "<s>", "eos_token", "</s>"), false));
        qwenTokenizer = new HuggingFaceTokenizer(resource("qwen3/tokenizer.json"));

        ObjectNode spec = JSON.createObjectNode().put("tokenizer_dir", resource("qwen3").toString())
            .put("today", TODAY.toString());
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
        for (int i = 0; i < SNIPPETS.size(); i++) {
            ObjectNode c = cases.addObject().put("id", "snippet/" + i).put("template", SNIPPETS.get(i))
                .put("tokenize", false);
            c.putObject("special_tokens").put("bos_token", "<s>");
            c.set("messages", SNIPPET_BODY.get("messages"));
        }
        ObjectNode image = cases.addObject().put("id", "image/0").put("template", SOURCES.get("mistral-small-3.2"))
            .put("tokenize", false);
        image.putObject("special_tokens").put("bos_token", "<s>").put("eos_token", "</s>");
        image.set("messages", IMAGE_BODY.get("messages"));
        Path file = Files.createTempFile("chat-cases", ".json");
        JSON.writeValue(file.toFile(), spec);
        for (JsonNode r : JSON.readTree(VllmPython.run("chat_template_reference.py", List.of(file.toString())))) {
            ENGINE.put(r.get("id").asText(), r);
        }
    }

    private static final Map<String, String> SOURCES = new LinkedHashMap<>();
    /** The day both sides render ({@code strftime_now}): a fixed one, so that midnight cannot split them. */
    private static final LocalDate TODAY = LocalDate.of(2026, 12, 7);
    private static final Clock CLOCK = Clock.fixed(TODAY.atTime(9, 30).toInstant(ZoneOffset.UTC),
        ZoneOffset.UTC);

    private static Model model(String name, String source, Map<String, String> tokens, boolean tokenize) {
        SOURCES.put(name, source);
        return new Model(name, new ChatTemplate(source, tokens, name, CLOCK), tokens, tokenize);
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
    void theContentFormatIsVllms() {
        for (Model model : MODELS) {
            String vllm = ENGINE.get(model.name + "/0").get("content_format").asText();
            assertEquals(vllm, model.template.partsFormat() ? "openai" : "string", model.name);
        }
        assertTrue(MODELS.stream().anyMatch(m -> m.template.partsFormat()), "a template of each format is checked");
    }

    @Test
    void anImageSitsWhereTheTemplateRendersItsPartAndNothingBeforeItDiffers() {
        Model small = MODELS.stream().filter(m -> m.name.equals("mistral-small-3.2")).findFirst().orElseThrow();
        String ours = small.template.prompt(ChatPrompt.parse(IMAGE_BODY));
        String engine = ENGINE.get("image/0").get("text").asText();
        assertEquals(engine, ours.replace(ChatPrompt.MULTIMODAL_MARK, "[IMG]"));
        assertTrue(ours.indexOf(ChatPrompt.MULTIMODAL_MARK) > 0 && ours.indexOf(ChatPrompt.MULTIMODAL_MARK)
            == engine.indexOf("[IMG]"), "the mark stands where the engine puts the image");
    }

    private static final ObjectNode IMAGE_BODY = imageBody();

    private static ObjectNode imageBody() {
        ObjectNode body = JSON.createObjectNode();
        ArrayNode messages = body.putArray("messages");
        ArrayNode parts = messages.addObject().put("role", "user").putArray("content");
        parts.addObject().put("type", "text").put("text", "What is in this picture?");
        parts.addObject().put("type", "image_url").putObject("image_url").put("url", "data:image/png;base64,AAAA");
        parts.addObject().put("type", "text").put("text", "And this one?");
        parts.addObject().put("type", "image_url").putObject("image_url").put("url", "data:image/png;base64,BBBB");
        return body;
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

    /** Jinja constructs that published templates use, each where Jinjava differs from Jinja2 unless mended. */
    private static final List<String> SNIPPETS = List.of(
        "{{ 'a.b..c.'.split('.')|join('|') }}/{{ '  x \\t y  '.split()|join('|') }}/{{ 'a,b,c'.split(',', 1)|join('|') }}",
        "[{{ '\\n\\nhi\\n'.strip('\\n') }}|{{ 'xxhixx'.lstrip('x') }}|{{ 'xxhixx'.rstrip('x') }}|{{ '\u00a0 hi \\t'.strip() }}]",
        "{% if 'abc'.startswith(('x', 'a')) and 'abc'.endswith('c') and not 'abc'.startswith('b') %}yes{% endif %}",
        "{% for m in messages[::-1] %}{{ m.role }},{% endfor %}",
        "{% set ns = namespace(a=messages|length - 1, b=2, c='x' ~ 'y') %}{% set ns.b = ns.b + 1 %}{{ ns.a }},{{ ns.b }},{{ ns.c }}",
        "{% set d = {'b': 1, 'a': [1, 2.5, 'é\"', none, true, {}], 'c': {'d': []}} %}{{ d|tojson }}",
        "{{ ['a', 1]|tojson }}|{{ true }}|{{ [1, 'b'] }}|{{ messages[0] is mapping }}",
        "{{ {'b': 1, 'a': [2, 3]}|tojson(indent=2) }}",
        "[{{ '\u00a0 x \\n'|trim }}]",
        "{% generation %}gen{{ 1 + 1 }}{% endgeneration %}",
        "{{ 'Hello World'.upper() }}{{ 'a-b-c'.replace('-', '+') }}{{ 'a-b-c'.replace('-', '+', 1) }}{{ 'hello wORLD'.title() }}",
        "{% if 'x' in 'xyz' and not (1 > 2) %}ok{% endif %}",
        "{% for i in range(6) %}{% if i == 1 %}{% continue %}{% endif %}{% if i == 4 %}{% break %}{% endif %}{{ i }}{% endfor %}",
        "{{ messages[0]['content'][:5] }}|{{ messages[0].content[-3:] }}|{{ messages[1:]|length }}|{{ messages[-1].role }}",
        "{{ messages|selectattr('role', 'equalto', 'user')|list|length }}|{{ messages|map(attribute='role')|join(',') }}",
        "{{ 'a' if none else 'b' }}{{ 'c' if messages else 'd' }}",
        "{{ 7 // 2 }}|{{ 7 % 3 }}|{{ -7 // 2 }}",
        "{% macro f(x, y='d') %}[{{ x }}{{ y }}]{% endmacro %}{{ f('a') }}{{ f('b', 'c') }}",
        "{{ bos_token }}{% if messages[0].content is string and messages[0].missing is not defined %}s{% endif %}",
        "{%- for m in messages %}\n  {%- if loop.first %}F{% endif %}{{ loop.index }}/{{ loop.length }}\n{%- endfor %}",
        "{{ 'x' + messages[0].role + \"y\" }}{{ messages|length > 1 }}",
        "  {% if true %}\n  kept indentation\n  {% endif %}\n{{ 'end' }}\n");
    private static final ObjectNode SNIPPET_BODY = snippetBody();

    private static ObjectNode snippetBody() {
        ObjectNode body = JSON.createObjectNode();
        ArrayNode messages = body.putArray("messages");
        messages.addObject().put("role", "system").put("content", "Hello there, world");
        messages.addObject().put("role", "user").put("content", "Question?");
        messages.addObject().put("role", "assistant").put("content", "Answer.");
        messages.addObject().put("role", "user").put("content", "Again");
        return body;
    }

    @Test
    void jinjaConstructsRenderAsJinja2RendersThem() {
        List<String> differences = new ArrayList<>();
        for (int i = 0; i < SNIPPETS.size(); i++) {
            JsonNode engine = ENGINE.get("snippet/" + i);
            String ours;
            try {
                ours = new ChatTemplate(SNIPPETS.get(i), Map.of("bos_token", "<s>"), "snippet", Clock.systemUTC())
                    .prompt(ChatPrompt.parse(SNIPPET_BODY));
            } catch (ChatTemplateException e) {
                ours = "ERROR " + e.getMessage();
            }
            String expected = engine.get("text").isNull() ? "ERROR " + engine.get("error").asText()
                : engine.get("text").asText();
            if (!expected.equals(ours)) {
                differences.add(SNIPPETS.get(i) + "\n    Jinja2: " + JSON.valueToTree(expected) + "\n    router: "
                    + JSON.valueToTree(ours));
            }
        }
        assertTrue(differences.isEmpty(), differences.size() + " differ:\n" + String.join("\n", differences));
    }

    @Test
    void aRaisingTemplateFailsWithItsMessage() {
        ChatTemplate mistral = MODELS.stream().filter(m -> m.name.equals("mistral-nemo")).findFirst().orElseThrow()
            .template;
        ObjectNode body = JSON.createObjectNode();
        body.putArray("messages").addObject().put("role", "assistant").put("content", "I speak first");
        ChatTemplateException e = Assertions.assertThrows(ChatTemplateException.class,
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
