package io.spillway.perf.report;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import org.junit.jupiter.api.Test;

class JsonWriterTest {
    @Test
    void writesNestedObjectsAndArraysWithCommasInPlace() {
        String json = new JsonWriter().beginObject()
            .field("kind", "compare")
            .field("ratio_get", 1.5)
            .field("blocks", 42)
            .field("clean", true)
            .name("phases").beginArray().value("put").value("get").endArray()
            .name("empty").beginObject().endObject()
            .name("nested").beginObject().field("a", 1).field("b", (String) null).endObject()
            .endObject().toJson();
        assertEquals("{\"kind\":\"compare\",\"ratio_get\":1.5,\"blocks\":42,\"clean\":true,"
            + "\"phases\":[\"put\",\"get\"],\"empty\":{},\"nested\":{\"a\":1,\"b\":null}}", json);
    }

    @Test
    void escapesStringsAndWritesNonFiniteNumbersAsNull() {
        String json = new JsonWriter().beginObject()
            .field("msg", "a \"quoted\" \\ line\nnext\ttab\u0001")
            .field("nan", Double.NaN)
            .field("inf", Double.POSITIVE_INFINITY)
            .endObject().toJson();
        assertEquals("{\"msg\":\"a \\\"quoted\\\" \\\\ line\\nnext\\ttab\\u0001\",\"nan\":null,\"inf\":null}", json);
    }

    @Test
    void arraysOfObjects() {
        String json = new JsonWriter().beginArray()
            .beginObject().field("x", 1).endObject()
            .beginObject().field("x", 2).endObject()
            .endArray().toJson();
        assertEquals("[{\"x\":1},{\"x\":2}]", json);
    }

    @Test
    void rejectsMisuse() {
        assertThrows(IllegalStateException.class, () -> new JsonWriter().beginObject().value(1));
        assertThrows(IllegalStateException.class, () -> new JsonWriter().beginArray().name("x"));
        assertThrows(IllegalStateException.class, () -> new JsonWriter().beginObject().endArray());
        assertThrows(IllegalStateException.class, () -> new JsonWriter().beginObject().name("a").endObject());
        assertThrows(IllegalStateException.class, () -> new JsonWriter().beginObject().toJson());
        assertThrows(IllegalStateException.class, () -> new JsonWriter().beginObject().endObject().beginObject());
    }
}
