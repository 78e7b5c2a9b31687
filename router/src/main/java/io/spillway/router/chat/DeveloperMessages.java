package io.spillway.router.chat;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * vLLM's handling of {@code developer} messages for a template that knows no such role: each becomes a {@code system}
 * message, and when a system message is then not first (or not alone), all of them merge into one first, their texts
 * joined by blank lines.
 */
final class DeveloperMessages {
    private DeveloperMessages() {
    }

    /** A content's text: a string, or its parts' texts joined by newlines. */
    private static String text(Object content) {
        if (content instanceof String s) {
            return s;
        }
        List<String> texts = new ArrayList<>();
        if (content instanceof List<?> parts) {
            for (Object part : parts) {
                if (part instanceof Map<?, ?> p && p.get("text") != null) {
                    texts.add(String.valueOf(p.get("text")));
                } else if (part instanceof String s) {
                    texts.add(s);
                }
            }
        }
        return String.join("\n", texts);
    }

    static List<Map<String, Object>> asSystem(List<Map<String, Object>> messages) {
        List<Map<String, Object>> converted = new ArrayList<>();
        for (Map<String, Object> m : messages) {
            if ("developer".equals(m.get("role"))) {
                Map<String, Object> system = new LinkedHashMap<>(m);
                system.put("role", "system");
                system.remove("tools");
                converted.add(system);
            } else {
                converted.add(m);
            }
        }
        List<String> systemTexts = new ArrayList<>();
        List<Map<String, Object>> others = new ArrayList<>();
        boolean merge = false;
        for (int i = 0; i < converted.size(); i++) {
            Map<String, Object> m = converted.get(i);
            if (!"system".equals(m.get("role"))) {
                others.add(m);
                continue;
            }
            merge |= i > 0 || !systemTexts.isEmpty();
            String text = text(m.get("content"));
            if (!text.isEmpty()) {
                systemTexts.add(text);
            }
        }
        if (!merge) {
            return converted;
        }
        List<Map<String, Object>> merged = new ArrayList<>();
        Map<String, Object> system = new LinkedHashMap<>();
        system.put("role", "system");
        system.put("content", String.join("\n\n", systemTexts));
        merged.add(system);
        merged.addAll(others);
        return merged;
    }
}
