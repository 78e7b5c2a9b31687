package io.spillway.bridge.agent;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.spillway.key.BlockKey;
import io.spillway.key.BlockKeys;
import io.spillway.key.Namespace;
import java.util.Arrays;
import org.junit.jupiter.api.Test;

/**
 * A {@code save}'s or {@code load}'s blocks are checked against the request and the worker's cache before any step
 * is made. {@code from} near 2^31 once wrapped {@code from + block count} negative, so the range check passed and the
 * agent failed later, on its loop thread, with an ArrayIndexOutOfBounds-style message (found reading
 * {@link AgentRequestFuzzTest}'s checks, not yet by the fuzzer).
 */
class TransferRequestTest {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final Namespace NS = Namespace.builder().tenant("t").modelId("m").dtype("bfloat16")
        .blockSizeTokens(16).layers(2).kvHeads(2).headDim(16).layout("l").build();
    private static final String TOKENS = Arrays.toString(new int[40]).replace(" ", "");

    private static JsonNode save(long from, String blockIds) throws Exception {
        return JSON.readTree("{\"op\":\"save\",\"req\":\"r\",\"gen\":1,\"tokens\":" + TOKENS + ",\"block_ids\":"
            + blockIds + ",\"from\":" + from + "}");
    }

    @Test
    void aFromThatWouldWrapPastTheRequestIsRefused() throws Exception {
        JsonNode r = save(Integer.MAX_VALUE, "[5]");
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
            () -> TransferRequest.parse(r, NS, 64));
        assertEquals("blocks 2147483647..2147483648 of a request of 2 full blocks", e.getMessage());
    }

    @Test
    void blocksInsideTheRequestAndTheCacheAreAccepted() throws Exception {
        TransferRequest t = TransferRequest.parse(save(1, "[63]"), NS, 64);
        assertEquals(1, t.blockCount());
        assertArrayEquals(new int[] {63}, t.blockIds(0, 1));
        assertEquals(BlockKeys.chain(NS, new int[40])[1], t.keys(0, 1)[0]);
    }

    @Test
    void aBlockIdOutsideTheCacheIsRefused() throws Exception {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
            () -> TransferRequest.parse(save(0, "[64]"), NS, 64));
        assertTrue(e.getMessage().contains("block id 64 is outside the worker's 0..63"), e.getMessage());
    }

    @Test
    void keysAreTheRequestsChain() throws Exception {
        BlockKey[] keys = TransferRequest.keys(save(0, "[]"), NS);
        assertArrayEquals(BlockKeys.chain(NS, new int[40]), keys);
    }
}
