package io.spillway.bridge.agent;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.junit.jupiter.api.Test;

/**
 * The agent's integer fields take JSON integers within their type and nothing else: {@code 16.5} was read as 16
 * (Jackson's {@code canConvertToInt} accepts a fraction in range and {@code asInt} truncates it), and a registration
 * with {@code "block_size": 16.5} keyed its blocks as if the worker had said 16.
 */
class JsonIntegerFieldsTest {
    private static final ObjectMapper JSON = new ObjectMapper();

    private static JsonNode json(String text) throws Exception {
        return JSON.readTree(text);
    }

    private static String refused(Runnable read) {
        return assertThrows(IllegalArgumentException.class, read::run).getMessage();
    }

    @Test
    void aFractionIsRefusedNamingTheField() throws Exception {
        JsonNode r = json("{\"block_size\":16.5,\"gen\":2.5,\"ids\":[1,2.5],\"layer\":[0,1.5]}");
        assertEquals("\"block_size\" must be an integer in [-2^31, 2^31), got 16.5",
            refused(() -> Json.intField(r, "block_size")));
        assertEquals("\"gen\" must be an integer in [-2^63, 2^63), got 2.5", refused(() -> Json.longField(r, "gen", 0)));
        assertEquals("\"ids\"[1] must be an integer in [-2^31, 2^31), got 2.5",
            refused(() -> Json.ints(r.get("ids"), "\"ids\"")));
        assertEquals("a layer[1] must be an integer in [-2^63, 2^63), got 1.5",
            refused(() -> Json.longs(r.get("layer"), 2, "a layer")));
    }

    @Test
    void anIntegerPastTheTypeIsRefusedNamingTheField() throws Exception {
        JsonNode r = json("{\"from\":2147483648,\"gen\":9223372036854775808,\"ids\":[-2147483649]}");
        assertEquals("\"from\" must be an integer in [-2^31, 2^31), got 2147483648",
            refused(() -> Json.intField(r, "from", 0)));
        assertEquals("\"gen\" must be an integer in [-2^63, 2^63), got 9223372036854775808",
            refused(() -> Json.longField(r, "gen", 0)));
        assertEquals("\"ids\"[0] must be an integer in [-2^31, 2^31), got -2147483649",
            refused(() -> Json.ints(r.get("ids"), "\"ids\"")));
    }

    @Test
    void aFractionWithoutAFractionalPartAndOtherTypesAreRefusedToo() throws Exception {
        JsonNode r = json("{\"a\":16.0,\"b\":\"16\",\"c\":true,\"d\":1e3}");
        for (String field : new String[] {"a", "b", "c", "d"}) {
            refused(() -> Json.intField(r, field));
        }
        refused(() -> Json.intField(r, "missing"));
    }

    @Test
    void integersInRangeAreRead() throws Exception {
        JsonNode r = json("{\"a\":-2147483648,\"b\":2147483647,\"g\":-9223372036854775808,\"ids\":[0,7,-1],"
            + "\"l\":[9223372036854775807,3]}");
        assertEquals(Integer.MIN_VALUE, Json.intField(r, "a"));
        assertEquals(Integer.MAX_VALUE, Json.intField(r, "b", 0));
        assertEquals(5, Json.intField(r, "absent", 5));
        assertEquals(Long.MIN_VALUE, Json.longField(r, "g", 0));
        assertArrayEquals(new int[] {0, 7, -1}, Json.ints(r.get("ids"), "ids"));
        assertArrayEquals(new long[] {Long.MAX_VALUE, 3}, Json.longs(r.get("l"), 2, "l"));
    }

    @Test
    void aRegistrationWithAFractionalBlockSizeIsRefused() throws Exception {
        JsonNode r = json("{\"op\":\"register\",\"namespace\":{\"model\":\"m\",\"dtype\":\"bfloat16\","
            + "\"block_size\":16.5,\"layers\":1,\"kv_heads\":2,\"head_dim\":16,\"layout\":\"l\"},\"cache\":{"
            + "\"num_blocks\":4,\"regions\":[\"c2VnbWVudC0w\"],\"layers\":[[0,0,1024,0,4096]],\"runs\":[[0,512]]}}");
        assertEquals("\"block_size\" must be an integer in [-2^31, 2^31), got 16.5",
            refused(() -> Registration.parse(r, "t")));
    }
}
