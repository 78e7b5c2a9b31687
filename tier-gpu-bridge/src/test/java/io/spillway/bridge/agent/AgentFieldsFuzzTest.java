package io.spillway.bridge.agent;

import com.code_intelligence.jazzer.junit.FuzzTest;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.UncheckedIOException;

/**
 * The numbers of the agent's {@code register} and {@code save} requests, fuzzed as typed values and written as the
 * connector writes them (one compact JSON line), then parsed and checked exactly as {@link AgentRequestFuzzTest} checks
 * a line (docs/security.md, "Fuzzing"). Byte-level fuzzing of JSON text rarely turns a number into one at the edge
 * of an int or a long; Jazzer's mutators for {@code int}, {@code long} and their arrays start from those edges.
 */
class AgentFieldsFuzzTest {
    private static final ObjectMapper JSON = new ObjectMapper();

    @FuzzTest(maxExecutions = 1_000_000)
    void parsesTypedFields(boolean register, int numBlocks, long[] layer, long[] run, int from, int[] blockIds,
                           int[] tokens, long generation) {
        ObjectNode r = JSON.createObjectNode();
        if (register) {
            r.put("op", "register");
            r.putObject("namespace").put("model", "m").put("dtype", "bfloat16").put("block_size", 16)
                .put("layers", 1).put("kv_heads", 2).put("head_dim", 16).put("layout", "fuzz");
            ObjectNode cache = r.putObject("cache").put("num_blocks", numBlocks);
            cache.putArray("regions").add("c2VnbWVudC0w");
            longs(cache.putArray("layers").addArray(), layer);
            longs(cache.putArray("runs").addArray(), run);
        } else {
            r.put("op", "save").put("req", "r").put("gen", generation).put("from", from);
            ints(r.putArray("tokens"), tokens);
            ints(r.putArray("block_ids"), blockIds);
        }
        try {
            AgentRequestFuzzTest.check(JSON.writeValueAsString(r));
        } catch (JsonProcessingException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static void longs(ArrayNode into, long[] values) {
        if (values != null) {
            for (long v : values) {
                into.add(v);
            }
        }
    }

    private static void ints(ArrayNode into, int[] values) {
        if (values != null) {
            for (int v : values) {
                into.add(v);
            }
        }
    }
}
