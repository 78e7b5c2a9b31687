package io.spillway.event.vllm;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;

import org.junit.jupiter.api.Test;

/** Engine hashes and their 64-bit alias, topics and sequence frames. */
class VllmWireTest {
    @Test
    void aliasOfABytesHashIsItsLastEightBytesBigEndian() {
        byte[] sha = VllmEventDecoderTest.bytes32(0);

        // What vLLM sends with VLLM_KV_EVENTS_USE_INT_BLOCK_HASHES=1: int.from_bytes(h, "big") & (2^64 - 1).
        assertEquals(0x18191a1b1c1d1e1fL, EngineBlockHash.ofBytes(sha).alias64());
        assertEquals(0x0102L, EngineBlockHash.ofBytes(new byte[] {1, 2}).alias64());
        assertEquals(-1L, EngineBlockHash.ofLong(-1).alias64());
    }

    @Test
    void intAndBytesHashesAreDifferentValuesWithOneAlias() {
        EngineBlockHash bytes = EngineBlockHash.ofBytes(new byte[] {0, 0, 0, 0, 0, 0, 0, 9});
        EngineBlockHash integer = EngineBlockHash.ofLong(9);

        assertNotEquals(bytes, integer);
        assertEquals(bytes.alias64(), integer.alias64());
        assertEquals(EngineBlockHash.ofBytes(new byte[] {0, 0, 0, 0, 0, 0, 0, 9}), bytes);
        assertEquals(bytes.hashCode(), EngineBlockHash.ofBytes(bytes.bytes()).hashCode());
        assertEquals("int:18446744073709551615", EngineBlockHash.ofLong(-1).toString());
        assertThrows(IllegalStateException.class, bytes::longValue);
        assertThrows(IllegalStateException.class, integer::bytes);
        assertThrows(IllegalArgumentException.class, () -> EngineBlockHash.ofBytes(new byte[0]));
        assertThrows(IllegalArgumentException.class, () -> EngineBlockHash.ofBytes(new byte[65]));
    }

    @Test
    void topicsInLlmdsConvention() {
        assertEquals(new VllmTopic("10.0.0.7:8000", "meta-llama/Llama-3.1-8B"),
            VllmTopic.parse("kv@10.0.0.7:8000@meta-llama/Llama-3.1-8B"));
        assertEquals(new VllmTopic("10.0.0.7", "m@v2"), VllmTopic.parse("kv@10.0.0.7@m@v2"));
        assertEquals("kv@10.0.0.7@m", new VllmTopic("10.0.0.7", "m").toString());
        assertNull(VllmTopic.parse(""));
        assertNull(VllmTopic.parse("kv-events"));
        assertNull(VllmTopic.parse("kv@pod"));
        assertNull(VllmTopic.parse("kv@@model"));
        assertNull(VllmTopic.parse("kv@pod@"));
        assertThrows(IllegalArgumentException.class, () -> new VllmTopic("a@b", "m"));
    }

    @Test
    void sequenceFramesAreEightBytesBigEndian() {
        assertArrayEquals(new byte[] {0, 0, 0, 0, 0, 0, 1, 2}, VllmWire.seqBytes(258));
        assertArrayEquals(new byte[] {-1, -1, -1, -1, -1, -1, -1, -1}, VllmWire.seqBytes(VllmWire.END_OF_REPLAY));
        assertEquals(Long.MAX_VALUE, VllmWire.readSeq(VllmWire.seqBytes(Long.MAX_VALUE)));
    }
}
