package io.spillway.bridge.agent;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.Base64;

/**
 * Field readers for the agent's requests: each names the field it rejects and what it expected. An integer field
 * takes a JSON integer only, within the field's type: Jackson's {@code canConvertToInt} also takes {@code 16.5} (and
 * {@code asInt} truncates it to 16), so a fraction or a value past the type's range is refused here, with the value.
 */
final class Json {
    private Json() {
    }

    static int intField(JsonNode r, String name) {
        return toInt(r.get(name), "\"" + name + "\"");
    }

    /** {@code v} as an int: a JSON integer in [-2^31, 2^31); anything else is refused naming {@code what}. */
    private static int toInt(JsonNode v, String what) {
        if (v == null || !v.isIntegralNumber() || !v.canConvertToInt()) {
            throw new IllegalArgumentException(what + " must be an integer in [-2^31, 2^31), got " + v);
        }
        return v.intValue();
    }

    /** {@code v} as a long: a JSON integer in [-2^63, 2^63); anything else is refused naming {@code what}. */
    private static long toLong(JsonNode v, String what) {
        if (v == null || !v.isIntegralNumber() || !v.canConvertToLong()) {
            throw new IllegalArgumentException(what + " must be an integer in [-2^63, 2^63), got " + v);
        }
        return v.longValue();
    }

    static int intField(JsonNode r, String name, int orElse) {
        return r.has(name) ? intField(r, name) : orElse;
    }

    static long longField(JsonNode r, String name, long orElse) {
        JsonNode v = r.get(name);
        return v == null ? orElse : toLong(v, "\"" + name + "\"");
    }

    static String textField(JsonNode r, String name) {
        JsonNode v = r.get(name);
        if (v == null || !v.isTextual() || v.asText().isEmpty()) {
            throw new IllegalArgumentException("\"" + name + "\" must be a non-empty string");
        }
        return v.asText();
    }

    static String textField(JsonNode r, String name, String orElse) {
        return r.has(name) && !r.get(name).isNull() ? textField(r, name) : orElse;
    }

    static byte[] base64(JsonNode v, String what) {
        if (v == null || !v.isTextual()) {
            throw new IllegalArgumentException(what + " must be a base64 string");
        }
        try {
            return Base64.getDecoder().decode(v.asText());
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException(what + " is not base64: " + e.getMessage(), e);
        }
    }

    static int[] ints(JsonNode array, String what) {
        if (array == null || !array.isArray()) {
            throw new IllegalArgumentException(what + " must be a list of integers");
        }
        int[] out = new int[array.size()];
        for (int i = 0; i < out.length; i++) {
            out[i] = toInt(array.get(i), what + "[" + i + "]");
        }
        return out;
    }

    static long[] longs(JsonNode array, int count, String what) {
        if (array == null || !array.isArray() || array.size() != count) {
            throw new IllegalArgumentException(what + " must be a list of " + count + " integers");
        }
        long[] out = new long[count];
        for (int i = 0; i < count; i++) {
            out[i] = toLong(array.get(i), what + "[" + i + "]");
        }
        return out;
    }
}
