package io.spillway.router.chat;

import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;

/**
 * {@code tojson} as Hugging Face's chat-template environment defines it: Python's {@code json.dumps(x,
 * ensure_ascii=False, indent=indent, separators=separators, sort_keys=sort_keys)}: items separated by {@code ", "}
 * and keys by {@code ": "} (or by {@code ","} with an indent), non-ASCII written as it is. Jinjava's own {@code
 * tojson} writes compact JSON, so a template that embeds a tool's schema would render other text than the engine.
 */
final class PythonJson {
    private PythonJson() {
    }

    static String dumps(Object value, Integer indent, boolean sortKeys) {
        StringBuilder out = new StringBuilder();
        write(out, value, indent, sortKeys, 0);
        return out.toString();
    }

    private static void write(StringBuilder out, Object v, Integer indent, boolean sortKeys, int depth) {
        if (v == null) {
            out.append("null");
        } else if (v instanceof Boolean b) {
            out.append(b ? "true" : "false");
        } else if (v instanceof Double || v instanceof Float) {
            double d = ((Number) v).doubleValue();
            out.append(d == Math.rint(d) && !Double.isInfinite(d) && Math.abs(d) < 1e16 ? String.format(
                Locale.ROOT, "%.1f", d) : Double.toString(d));
        } else if (v instanceof Number n) {
            out.append(n);
        } else if (v instanceof Map<?, ?> map) {
            Iterable<? extends Map.Entry<?, ?>> entries = sortKeys ? new TreeMap<>(stringKeys(map)).entrySet()
                : map.entrySet();
            if (map.isEmpty()) {
                out.append("{}");
                return;
            }
            out.append('{');
            boolean first = true;
            for (Map.Entry<?, ?> e : entries) {
                separate(out, first, indent, depth + 1);
                first = false;
                string(out, String.valueOf(e.getKey()));
                out.append(": ");
                write(out, e.getValue(), indent, sortKeys, depth + 1);
            }
            close(out, indent, depth);
            out.append('}');
        } else if (v instanceof Iterable<?> list) {
            if (!list.iterator().hasNext()) {
                out.append("[]");
                return;
            }
            out.append('[');
            boolean first = true;
            for (Object item : list) {
                separate(out, first, indent, depth + 1);
                first = false;
                write(out, item, indent, sortKeys, depth + 1);
            }
            close(out, indent, depth);
            out.append(']');
        } else {
            string(out, v.toString());
        }
    }

    private static Map<String, Object> stringKeys(Map<?, ?> map) {
        Map<String, Object> m = new LinkedHashMap<>();
        map.forEach((k, val) -> m.put(String.valueOf(k), val));
        return m;
    }

    private static void separate(StringBuilder out, boolean first, Integer indent, int depth) {
        if (indent == null) {
            out.append(first ? "" : ", ");
        } else {
            out.append(first ? "\n" : ",\n").append(" ".repeat(indent * depth));
        }
    }

    private static void close(StringBuilder out, Integer indent, int depth) {
        if (indent != null) {
            out.append('\n').append(" ".repeat(indent * depth));
        }
    }

    /** A JSON string as Python writes it with {@code ensure_ascii=False}. */
    private static void string(StringBuilder out, String s) {
        out.append('"');
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            switch (c) {
                case '"' -> out.append("\\\"");
                case '\\' -> out.append("\\\\");
                case '\n' -> out.append("\\n");
                case '\r' -> out.append("\\r");
                case '\t' -> out.append("\\t");
                case '\b' -> out.append("\\b");
                case '\f' -> out.append("\\f");
                default -> {
                    if (c < 0x20 || Character.isSurrogate(c) && !validPair(s, i)) {
                        out.append(String.format("\\u%04x", (int) c));
                    } else {
                        out.append(c);
                    }
                }
            }
        }
        out.append('"');
    }

    private static boolean validPair(String s, int i) {
        char c = s.charAt(i);
        return Character.isHighSurrogate(c) ? i + 1 < s.length() && Character.isLowSurrogate(s.charAt(i + 1))
            : i > 0 && Character.isHighSurrogate(s.charAt(i - 1));
    }
}
