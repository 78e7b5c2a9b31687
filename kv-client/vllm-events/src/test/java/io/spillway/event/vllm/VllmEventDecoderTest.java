package io.spillway.event.vllm;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNull;

import java.util.Collections;
import java.util.List;
import org.junit.jupiter.api.Test;

/** Decoding both vLLM encodings, from payloads written field by field with msgpack's packer. */
class VllmEventDecoderTest {
    private final VllmEventDecoder decoder = new VllmEventDecoder();

    /** Between vLLM PRs #27577 and #42892: positional events, 8 for BlockStored, batch [ts, events, dp_rank]. */
    @Test
    void positionalEventsOfAVllmBeforeTheMapEncoding() {
        byte[] payload = VllmPayloads.create()
            .array(3).dbl(1_760_000_000.25)
            .array(3)
            .array(8).str("BlockStored")
            .array(2).integer(11).uint64("18446744073709551615")
            .nil()
            .ints(1, 2, 3, 4)
            .integer(2)
            .nil().str("GPU").nil()
            .array(3).str("BlockRemoved").array(1).integer(11).str("CPU")
            .array(1).str("AllBlocksCleared")
            .integer(3)
            .bytes();

        VllmEventBatch batch = decoder.decode(payload);

        assertEquals(1_760_000_000.25, batch.ts());
        assertEquals(3, batch.dataParallelRank());
        assertEquals(3, batch.events().size());
        VllmEvent.BlockStored stored = assertInstanceOf(VllmEvent.BlockStored.class, batch.events().get(0));
        assertEquals(List.of(EngineBlockHash.ofLong(11), EngineBlockHash.ofLong(-1)), stored.blockHashes());
        assertNull(stored.parentBlockHash());
        assertArrayEquals(new int[] {1, 2, 3, 4}, stored.tokenIds());
        assertEquals(2, stored.blockSize());
        assertEquals("GPU", stored.medium());
        assertNull(stored.loraName());
        assertNull(stored.extraKeys());
        assertEquals(new VllmEvent.BlockRemoved(List.of(EngineBlockHash.ofLong(11)), "CPU", null),
            batch.events().get(1));
        assertEquals(new VllmEvent.AllBlocksCleared(), batch.events().get(2));
    }

    /** The first schema (vLLM PR #16750): no medium, a batch of two elements, Python's signed hash(). */
    @Test
    void theFirstPositionalSchemaWithoutMediumOrRank() {
        byte[] payload = VllmPayloads.create()
            .array(2).dbl(1.0)
            .array(2)
            .array(6).str("BlockStored").array(1).integer(-5).integer(-4).ints(7, 8).integer(2).nil()
            .array(2).str("BlockRemoved").array(1).integer(-5)
            .bytes();

        VllmEventBatch batch = decoder.decode(payload);

        assertNull(batch.dataParallelRank());
        VllmEvent.BlockStored stored = (VllmEvent.BlockStored) batch.events().get(0);
        assertEquals(EngineBlockHash.ofLong(-5), stored.blockHashes().get(0));
        assertEquals(EngineBlockHash.ofLong(-4), stored.parentBlockHash());
        assertNull(stored.medium());
        assertEquals(new VllmEvent.BlockRemoved(List.of(EngineBlockHash.ofLong(-5)), null, null),
            batch.events().get(1));
    }

    /** Positional with the defaulted trailing fields present (extra_keys, group_idx) and one more unknown. */
    @Test
    void positionalTrailingFieldsAndElementsPastTheKnownOnes() {
        byte[] h = bytes32(0);
        byte[] payload = VllmPayloads.create()
            .array(3).dbl(2.0)
            .array(1)
            .array(13).str("BlockStored").array(1).bin(h).nil().ints(1, 2).integer(2).integer(4).str("CPU")
            .str("adapter").array(1).array(2).str("adapter").str("salt").integer(0).str("full_attention")
            .nil().str("a field from a future vLLM")
            .nil()
            .bytes();

        VllmEvent.BlockStored stored = (VllmEvent.BlockStored) decoder.decode(payload).events().get(0);

        assertEquals(EngineBlockHash.ofBytes(h), stored.blockHashes().get(0));
        assertEquals(4, stored.loraId());
        assertEquals("adapter", stored.loraName());
        assertEquals(List.of(List.of(new VllmExtraKey.Text("adapter"), new VllmExtraKey.Text("salt"))),
            stored.extraKeys());
        assertEquals(0, stored.groupIdx());
        assertEquals("full_attention", stored.kvCacheSpecKind());
        assertNull(stored.kvCacheSpecSlidingWindow());
    }

    /** vLLM PR #42892 on: events are maps tagged under "type", keys in any order, unknown keys skipped. */
    @Test
    void taggedMapEventsInAnyKeyOrder() {
        byte[] h1 = bytes32(0);
        byte[] h2 = bytes32(32);
        byte[] payload = VllmPayloads.create()
            .array(3).dbl(5.5)
            .array(3)
            .map(12)
            .key("type").str("BlockStored")
            .key("block_hashes").array(1).bin(h2)
            .key("parent_block_hash").bin(h1)
            .key("token_ids").ints(5, 6)
            .key("block_size").integer(2)
            .key("lora_id").nil()
            .key("medium").str("GPU")
            .key("lora_name").nil()
            .key("extra_keys").array(1).nil()
            .key("group_idx").integer(0)
            .key("kv_cache_spec_kind").str("full_attention")
            .key("ownership").str("a key from a future vLLM")
            .map(4)
            .key("medium").str("GPU")
            .key("block_hashes").array(1).bin(h2)
            .key("group_idx").integer(0)
            .key("type").str("BlockRemoved")
            .map(1).key("type").str("AllBlocksCleared")
            .integer(0)
            .bytes();

        VllmEventBatch batch = decoder.decode(payload);

        VllmEvent.BlockStored stored = (VllmEvent.BlockStored) batch.events().get(0);
        assertEquals(EngineBlockHash.ofBytes(h2), stored.blockHashes().get(0));
        assertEquals(EngineBlockHash.ofBytes(h1), stored.parentBlockHash());
        assertArrayEquals(new int[] {5, 6}, stored.tokenIds());
        assertEquals(Collections.singletonList(null), stored.extraKeys());
        assertEquals(0, stored.groupIdx());
        assertEquals(new VllmEvent.BlockRemoved(List.of(EngineBlockHash.ofBytes(h2)), "GPU", 0),
            batch.events().get(1));
        assertEquals(new VllmEvent.AllBlocksCleared(), batch.events().get(2));
    }

    /** A map event without the defaulted fields (msgspec omit_defaults) and a map-shaped batch. */
    @Test
    void minimalMapEventInAMapBatch() {
        byte[] payload = VllmPayloads.create()
            .map(3)
            .key("events").array(1)
            .map(5).key("type").str("BlockStored").key("block_hashes").array(1).integer(9)
            .key("parent_block_hash").nil().key("token_ids").array(0).key("block_size").integer(16)
            .key("data_parallel_rank").nil()
            .key("ts").integer(7)
            .bytes();

        VllmEventBatch batch = decoder.decode(payload);

        assertEquals(7.0, batch.ts());
        assertNull(batch.dataParallelRank());
        VllmEvent.BlockStored stored = (VllmEvent.BlockStored) batch.events().get(0);
        assertEquals(0, stored.tokenCount());
        assertEquals(16, stored.blockSize());
        assertNull(stored.medium());
        assertNull(stored.loraId());
    }

    /** Positional and map events in one batch each decode by their own shape. */
    @Test
    void aBatchMayMixEncodings() {
        byte[] payload = VllmPayloads.create()
            .array(3).dbl(0.0)
            .array(2)
            .array(3).str("BlockRemoved").array(1).integer(1).nil()
            .map(3).key("type").str("BlockRemoved").key("block_hashes").array(1).integer(2).key("medium").nil()
            .integer(0)
            .bytes();

        List<VllmEvent> events = decoder.decode(payload).events();

        assertEquals(new VllmEvent.BlockRemoved(List.of(EngineBlockHash.ofLong(1)), null, null), events.get(0));
        assertEquals(new VllmEvent.BlockRemoved(List.of(EngineBlockHash.ofLong(2)), null, null), events.get(1));
    }

    /** An unknown tag is skipped (with its fields), in both encodings; the batch's other events still decode. */
    @Test
    void unknownTagsAreSkippedNotRejected() {
        byte[] payload = VllmPayloads.create()
            .array(3).dbl(0.0)
            .array(3)
            .array(3).str("BlocksMoved").array(1).integer(1).map(1).key("x").integer(1)
            .map(2).key("type").str("CacheResized").key("block_hashes").str("not a list here")
            .array(1).str("AllBlocksCleared")
            .integer(0)
            .bytes();

        List<VllmEvent> events = decoder.decode(payload).events();

        assertEquals(new VllmEvent.Unknown("BlocksMoved"), events.get(0));
        assertEquals(new VllmEvent.Unknown("CacheResized"), events.get(1));
        assertEquals(new VllmEvent.AllBlocksCleared(), events.get(2));
    }

    /** Every shape of extra key vLLM builds: LoRA name, (mm hash, offset), salt, prompt-embeds bytes. */
    @Test
    void extraKeyShapes() {
        byte[] payload = VllmPayloads.create()
            .array(3).dbl(0.0).array(1)
            .map(9).key("type").str("BlockStored").key("block_hashes").array(2).integer(1).integer(2)
            .key("parent_block_hash").nil().key("token_ids").ints(1, 2, 3, 4).key("block_size").integer(2)
            .key("lora_id").integer(1).key("medium").nil().key("lora_name").str("sql")
            .key("extra_keys").array(2)
            .array(4).str("sql").array(2).str("mm-abc").integer(-1).str("tenant-salt").bin((byte) 0xAB)
            .array(2).bool(true).array(3).integer(1).integer(2).integer(3)
            .integer(0)
            .bytes();

        VllmEvent.BlockStored stored = (VllmEvent.BlockStored) decoder.decode(payload).events().get(0);

        assertEquals(List.of(new VllmExtraKey.Text("sql"), new VllmExtraKey.Multimodal("mm-abc", -1),
            new VllmExtraKey.Text("tenant-salt"), new VllmExtraKey.Binary("ab")), stored.extraKeys().get(0));
        assertEquals(List.of(new VllmExtraKey.Other("boolean"), new VllmExtraKey.Other("array[3]")),
            stored.extraKeys().get(1));
    }

    @Test
    void decodesASliceOfALargerArray() {
        byte[] payload = VllmPayloads.create().array(2).dbl(1.0).array(0).bytes();
        byte[] framed = new byte[payload.length + 6];
        System.arraycopy(payload, 0, framed, 3, payload.length);

        assertEquals(0, decoder.decode(framed, 3, payload.length).events().size());
    }

    static byte[] bytes32(int first) {
        byte[] b = new byte[32];
        for (int i = 0; i < 32; i++) {
            b[i] = (byte) (first + i);
        }
        return b;
    }
}
