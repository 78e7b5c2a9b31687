package io.spillway.router.chat;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.SplittableRandom;

/**
 * Seeded chat requests for the conformance tests: optional system prompts, one to eight turns, text with unicode
 * (accents, CJK, emoji, right-to-left), markdown and code, odd whitespace (leading, trailing, tabs, blank lines),
 * content as a string or as text parts, a trailing user turn or an assistant's, and sometimes a {@code developer}
 * message or an assistant's {@code <think>} block. No tools.
 */
final class Conversations {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final String[] WORDS = {"the", "router", "keys", "blocks", "of", "a", "prompt", "cache", "hit",
        "Spillway", "vLLM", "pod", "tokens", "café", "naïve", "Ünïcödé", "日本語", "中文字符", "한국어", "Привет",
        "مرحبا", "שלום", "🦙", "🚀", "😶‍🌫️", "✅", "x²", "α→β", "—", "\"quoted\"", "'single'", "{json: 1}", "<tag>",
        "</think>?", "100%", "3.14159", "1,234", "e.g.", "C++", "foo_bar", "#heading", "**bold**", "`code`", "::",
        "\\n", "a/b", "...", "!!", "?", "(paren)", "[list]", "ø", "ß", "ﬁ", "İ", "\u00A0nbsp"};

    private final SplittableRandom random;

    Conversations(long seed) {
        this.random = new SplittableRandom(seed);
    }

    /** The next request body ({@code messages} and the template's arguments). */
    ObjectNode next() {
        ObjectNode body = JSON.createObjectNode();
        ArrayNode messages = body.putArray("messages");
        int shape = random.nextInt(10);
        if (shape < 6) {
            message(messages, shape == 0 ? "developer" : "system", text(5, 120));
        }
        int turns = 1 + random.nextInt(8);
        for (int t = 0; t < turns; t++) {
            message(messages, "user", text(1, 60));
            if (t < turns - 1 || random.nextInt(4) == 0) {
                String answer = text(1, 80);
                if (random.nextInt(6) == 0) {
                    answer = "<think>\n" + text(3, 20) + "\n</think>\n\n" + answer;
                }
                message(messages, "assistant", answer);
            }
        }
        boolean endsWithAssistant = "assistant".equals(messages.get(messages.size() - 1).path("role").asText());
        body.put("add_generation_prompt", !endsWithAssistant);
        if (random.nextInt(8) == 0) {
            body.putObject("chat_template_kwargs").put("enable_thinking", random.nextBoolean());
        }
        return body;
    }

    private void message(ArrayNode messages, String role, String text) {
        ObjectNode m = messages.addObject().put("role", role);
        if (random.nextInt(7) == 0) {
            ArrayNode parts = m.putArray("content");
            for (String piece : text.split(" ", 3)) {
                parts.addObject().put("type", "text").put("text", piece);
            }
        } else {
            m.put("content", text);
        }
    }

    private String text(int minWords, int maxWords) {
        int n = minWords + random.nextInt(maxWords - minWords + 1);
        StringBuilder s = new StringBuilder();
        if (random.nextInt(8) == 0) {
            s.append(random.nextBoolean() ? " " : "\n");
        }
        for (int i = 0; i < n; i++) {
            if (i > 0) {
                int gap = random.nextInt(40);
                s.append(gap == 0 ? "\n\n" : gap == 1 ? "\n" : gap == 2 ? "\t" : gap == 3 ? "  " : " ");
            }
            s.append(WORDS[random.nextInt(WORDS.length)]);
        }
        if (random.nextInt(8) == 0) {
            s.append(random.nextBoolean() ? " " : "\n");
        }
        return s.toString();
    }
}
