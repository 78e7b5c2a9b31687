package io.spillway.bridge.agent;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import io.spillway.key.RequestExtras;
import java.util.HexFormat;

/**
 * A request's extra keys as the connector sends them with every lookup, save and load (docs/vllm.md):
 * {@code {"lora": name, "cache_salt": salt, "mm": [[identifier, offset, length], ...],
 * "embeds": [[offset, length, hex digest], ...]}}, each optional. The same request keys the same blocks whichever
 * operation carries it; a malformed field is an error naming it, never a request keyed without it.
 */
final class RequestExtrasJson {
    private RequestExtrasJson() {
    }

    static RequestExtras parse(JsonNode extras) {
        if (extras == null || extras.isNull()) {
            return RequestExtras.NONE;
        }
        if (!extras.isObject()) {
            throw new IllegalArgumentException("\"extras\" must be an object");
        }
        RequestExtras.Builder b = RequestExtras.builder()
            .lora(Json.textField(extras, "lora", null))
            .cacheSalt(Json.textField(extras, "cache_salt", null));
        for (JsonNode item : array(extras, "mm")) {
            if (!item.isArray() || item.size() != 3 || !item.get(0).isTextual() || !item.get(1).canConvertToInt()
                || !item.get(2).canConvertToInt()) {
                throw new IllegalArgumentException("an \"mm\" item is [identifier, offset, length], got " + item);
            }
            b.multimodal(item.get(0).asText(), item.get(1).asInt(), item.get(2).asInt());
        }
        for (JsonNode item : array(extras, "embeds")) {
            if (!item.isArray() || item.size() != 3 || !item.get(0).canConvertToInt()
                || !item.get(1).canConvertToInt() || !item.get(2).isTextual()) {
                throw new IllegalArgumentException("an \"embeds\" item is [offset, length, hex digest], got " + item);
            }
            byte[] digest;
            try {
                digest = HexFormat.of().parseHex(item.get(2).asText());
            } catch (IllegalArgumentException e) {
                throw new IllegalArgumentException("an \"embeds\" digest is not hex: " + item.get(2), e);
            }
            b.promptEmbeds(item.get(0).asInt(), item.get(1).asInt(), digest);
        }
        return b.build();
    }

    private static JsonNode array(JsonNode extras, String name) {
        JsonNode v = extras.get(name);
        if (v == null || v.isNull()) {
            return JsonNodeFactory.instance.arrayNode();
        }
        if (!v.isArray()) {
            throw new IllegalArgumentException("\"" + name + "\" must be a list");
        }
        return v;
    }
}
