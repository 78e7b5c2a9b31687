package io.spillway.bridge.agent;

import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.junit.jupiter.api.Test;

/**
 * Two findings of the agent's fuzz targets, each refused now as any other bad layout, with an
 * {@link IllegalArgumentException} that names it:
 * <ul>
 *   <li>{@link AgentFieldsFuzzTest} ({@code finding-register-offsets-overflow-long}): a {@code register} whose block
 *       count times a layer's block stride, or a run's offset plus its length, overflows a long escaped as an
 *       {@link ArithmeticException}, which the agent answered with a bare "long overflow";</li>
 *   <li>{@link AgentRequestFuzzTest} ({@code finding-register-region-wraps-int}): a layer's region below
 *       {@code -2^31} passed the "region within the handles" check as a long and was then cast to an int, so
 *       -92949672962 registered a layer in region 1539607550 of 2.</li>
 * </ul>
 */
class RegistrationOverflowTest {
    private static final ObjectMapper JSON = new ObjectMapper();

    private static JsonNode register(long numBlocks, String layer, String run) throws Exception {
        return JSON.readTree("{\"op\":\"register\",\"namespace\":{\"model\":\"m\",\"dtype\":\"bfloat16\","
            + "\"block_size\":16,\"layers\":1,\"kv_heads\":2,\"head_dim\":16,\"layout\":\"l\"},\"cache\":{"
            + "\"num_blocks\":" + numBlocks + ",\"regions\":[\"c2VnbWVudC0w\"],\"layers\":[" + layer + "],"
            + "\"runs\":[" + run + "]}}");
    }

    @Test
    void aBlockStrideThatOverflowsIsRefusedNamingTheCache() throws Exception {
        JsonNode r = register(2_147_483_647, "[0,0,9223372036854775807,0,9223372036854775807]", "[0,512]");
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> Registration.parse(r, "t"));
        assertTrue(e.getMessage().contains("\"cache\" of 2147483647 blocks") && e.getMessage().contains("overflow"),
            e.getMessage());
    }

    @Test
    void aRunThatEndsPastALongIsRefusedNamingTheCache() throws Exception {
        JsonNode r = register(4, "[0,0,1024,0,4096]", "[9223372036854775807,512]");
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> Registration.parse(r, "t"));
        assertTrue(e.getMessage().contains("runs at [9223372036854775807]"), e.getMessage());
    }

    @Test
    void aRegionThatWrapsAnIntIsRefused() throws Exception {
        JsonNode r = register(4, "[-92949672962,0,1024,0,4096]", "[0,512]");
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> Registration.parse(r, "t"));
        assertTrue(e.getMessage().contains("region -92949672962 of 1"), e.getMessage());
    }

    @Test
    void aLayoutThatFitsIsStillRegistered() throws Exception {
        Registration reg = Registration.parse(register(4, "[0,0,1024,0,4096]", "[0,512]"), "t");
        assertTrue(reg.cache().numBlocks() == 4 && !reg.staged(), reg.toString());
    }
}
