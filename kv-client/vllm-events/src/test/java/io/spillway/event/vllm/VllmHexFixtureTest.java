package io.spillway.event.vllm;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.HexFormat;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * Payloads written out byte by byte from the msgpack spec and vLLM's field lists, so the decoder and the encoder are
 * checked against bytes that neither of them produced. Each line is one msgpack value.
 */
class VllmHexFixtureTest {
    /**
     * A positional batch as vLLM before PR #42892 sends it: {@code [1.5, [BlockStored, BlockRemoved,
     * AllBlocksCleared], 0]}.
     */
    static final String POSITIONAL = String.join("",
        "93",                                   // array(3): the batch
        "cb3ff8000000000000",                   //   float64 1.5: ts
        "93",                                   //   array(3): events
        "98",                                   //     array(8): BlockStored
        "ab426c6f636b53746f726564",             //       fixstr(11) "BlockStored"
        "92",                                   //       array(2): block_hashes
        "2a",                                   //         positive fixint 42
        "cfffffffffffffffff",                   //         uint64 2^64 - 1
        "c404deadbeef",                         //       bin8(4): parent_block_hash
        "9401020304",                           //       array(4) 1 2 3 4: token_ids
        "02",                                   //       block_size 2
        "c0",                                   //       lora_id nil
        "a3475055",                             //       fixstr(3) "GPU": medium
        "c0",                                   //       lora_name nil
        "93",                                   //     array(3): BlockRemoved
        "ac426c6f636b52656d6f766564",           //       fixstr(12) "BlockRemoved"
        "912a",                                 //       array(1) 42: block_hashes
        "a3435055",                             //       fixstr(3) "CPU": medium
        "91",                                   //     array(1): AllBlocksCleared
        "b0416c6c426c6f636b73436c6561726564",   //       fixstr(16) "AllBlocksCleared"
        "00");                                  //   data_parallel_rank 0

    /**
     * A batch of map events as vLLM since PR #42892 sends it, with a key no version of this decoder knows
     * ({@code session_id}) and a LoRA event carrying extra keys.
     */
    static final String TAGGED_MAP = String.join("",
        "93",                                       // array(3): the batch
        "cb4000000000000000",                       //   float64 2.0: ts
        "92",                                       //   array(2): events
        "8b",                                       //     fixmap(11): BlockStored
        "a474797065", "ab426c6f636b53746f726564",   //       "type": "BlockStored"
        "ac626c6f636b5f686173686573",               //       "block_hashes":
        "91c4030a0b0c",                             //         array(1) [bin8(3) 0a0b0c]
        "b1706172656e745f626c6f636b5f68617368",     //       "parent_block_hash":
        "c0",                                       //         nil
        "a9746f6b656e5f696473",                     //       "token_ids":
        "9205cd03e8",                               //         array(2) [5, uint16 1000]
        "aa626c6f636b5f73697a65", "02",             //       "block_size": 2
        "a76c6f72615f6964", "c0",                   //       "lora_id": nil
        "a66d656469756d", "c0",                     //       "medium": nil
        "a96c6f72615f6e616d65", "a26c31",           //       "lora_name": "l1"
        "aa65787472615f6b657973",                   //       "extra_keys":
        "9192a26c3192a3696d67fe",                   //         [["l1", ["img", -2]]]
        "a967726f75705f696478", "00",               //       "group_idx": 0
        "aa73657373696f6e5f6964", "a27331",         //       "session_id": "s1" (unknown, skipped)
        "81",                                       //     fixmap(1): AllBlocksCleared
        "a474797065", "b0416c6c426c6f636b73436c6561726564",
        "c0");                                      //   data_parallel_rank nil

    /** {"type": "BlockRemoved", "block_hashes": [7], "medium": "CPU"}, the map encoding's field order. */
    static final String MAP_BLOCK_REMOVED = String.join("",
        "83",
        "a474797065", "ac426c6f636b52656d6f766564",
        "ac626c6f636b5f686173686573", "9107",
        "a66d656469756d", "a3435055");

    private final VllmEventDecoder decoder = new VllmEventDecoder();

    @Test
    void positionalHexFixtureDecodes() {
        VllmEventBatch batch = decoder.decode(hex(POSITIONAL));

        assertEquals(1.5, batch.ts());
        assertEquals(0, batch.dataParallelRank());
        assertEquals(new VllmEvent.BlockStored(
                List.of(EngineBlockHash.ofLong(42), EngineBlockHash.ofLong(-1L)),
                EngineBlockHash.ofBytes(new byte[] {(byte) 0xde, (byte) 0xad, (byte) 0xbe, (byte) 0xef}),
                new int[] {1, 2, 3, 4}, 2, null, "GPU", null, null, null, null, null),
            batch.events().get(0));
        assertEquals(new VllmEvent.BlockRemoved(List.of(EngineBlockHash.ofLong(42)), "CPU", null),
            batch.events().get(1));
        assertEquals(new VllmEvent.AllBlocksCleared(), batch.events().get(2));
    }

    @Test
    void encoderWritesThePositionalFixtureByteForByte() {
        VllmEventBatch batch = decoder.decode(hex(POSITIONAL));

        byte[] encoded = VllmEventEncoder.encode(batch, VllmEventEncoder.EventFormat.ARRAY);

        assertEquals(POSITIONAL, HexFormat.of().formatHex(encoded));
    }

    @Test
    void taggedMapHexFixtureDecodes() {
        VllmEventBatch batch = decoder.decode(hex(TAGGED_MAP));

        assertEquals(2.0, batch.ts());
        assertEquals(null, batch.dataParallelRank());
        VllmEvent.BlockStored stored = (VllmEvent.BlockStored) batch.events().get(0);
        assertEquals(List.of(EngineBlockHash.ofBytes(new byte[] {0x0a, 0x0b, 0x0c})), stored.blockHashes());
        assertEquals(null, stored.parentBlockHash());
        assertArrayEquals(new int[] {5, 1000}, stored.tokenIds());
        assertEquals(2, stored.blockSize());
        assertEquals(null, stored.medium());
        assertEquals("l1", stored.loraName());
        assertEquals(List.of(List.of(new VllmExtraKey.Text("l1"), new VllmExtraKey.Multimodal("img", -2))),
            stored.extraKeys());
        assertEquals(0, stored.groupIdx());
        assertEquals(new VllmEvent.AllBlocksCleared(), batch.events().get(1));
    }

    @Test
    void encoderWritesAMapEventInVllmsFieldOrder() {
        VllmEventEncoder encoder = new VllmEventEncoder(VllmEventEncoder.EventFormat.MAP);
        encoder.add(new VllmEvent.BlockRemoved(List.of(EngineBlockHash.ofLong(7)), "CPU", null));

        byte[] payload = encoder.finishBatch(1.5, 0);

        // [1.5, [event], 0]: the batch stays positional in the map era.
        assertEquals("93cb3ff800000000000091" + MAP_BLOCK_REMOVED + "00", HexFormat.of().formatHex(payload));
    }

    static byte[] hex(String s) {
        return HexFormat.of().parseHex(s);
    }
}
