package io.spillway.bridge.agent;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.Base64;

/** Field readers for the agent's requests: each names the field it rejects and what it expected. */
final class Json {
    private Json() {
    }

    static int intField(JsonNode r, String name) {
        JsonNode v = r.get(name);
        if (v == null || !v.canConvertToInt()) {
            throw new IllegalArgumentException("\"" + name + "\" must be an integer");
        }
        return v.asInt();
    }

    static int intField(JsonNode r, String name, int orElse) {
        return r.has(name) ? intField(r, name) : orElse;
    }

    static long longField(JsonNode r, String name, long orElse) {
        JsonNode v = r.get(name);
        if (v == null) {
            return orElse;
        }
        if (!v.canConvertToLong()) {
            throw new IllegalArgumentException("\"" + name + "\" must be an integer");
        }
        return v.asLong();
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
            if (!array.get(i).canConvertToInt()) {
                throw new IllegalArgumentException(what + " must be a list of integers, got " + array.get(i));
            }
            out[i] = array.get(i).asInt();
        }
        return out;
    }

    static long[] longs(JsonNode array, int count, String what) {
        if (array == null || !array.isArray() || array.size() != count) {
            throw new IllegalArgumentException(what + " must be a list of " + count + " integers");
        }
        long[] out = new long[count];
        for (int i = 0; i < count; i++) {
            if (!array.get(i).canConvertToLong()) {
                throw new IllegalArgumentException(what + " must be a list of integers, got " + array.get(i));
            }
            out[i] = array.get(i).asLong();
        }
        return out;
    }
}
