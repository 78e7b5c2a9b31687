package io.spillway.event.vllm;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import io.spillway.key.BlockKey;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/** Whatever the encoder writes, in either event format, the decoder reads back equal. */
class VllmEventRoundTripTest {
    private final VllmEventDecoder decoder = new VllmEventDecoder();

    @ParameterizedTest
    @EnumSource(VllmEventEncoder.EventFormat.class)
    void everyFieldSurvives(VllmEventEncoder.EventFormat format) {
        VllmEventBatch batch = new VllmEventBatch(1_760_000_000.5, List.of(
            new VllmEvent.BlockStored(
                List.of(EngineBlockHash.ofLong(Long.MIN_VALUE), EngineBlockHash.ofBytes(new byte[32])),
                EngineBlockHash.ofLong(Long.MAX_VALUE), new int[] {0, 1, Integer.MAX_VALUE, 65_536}, 2, 7, "CPU",
                "adapter",
                Arrays.asList(null, List.of(new VllmExtraKey.Text("adapter"),
                    new VllmExtraKey.Multimodal("mm", -3), new VllmExtraKey.Binary("00ff"))),
                1, "sliding_window", 128),
            VllmEvent.BlockStored.of(List.of(EngineBlockHash.ofLong(3)), null, new int[0], 16),
            // Only a trailing field set: the positional encoding writes nils up to it.
            new VllmEvent.BlockStored(List.of(EngineBlockHash.ofLong(4)), null, new int[] {1}, 1, null, null, null,
                null, null, null, 4096),
            new VllmEvent.BlockRemoved(List.of(EngineBlockHash.ofLong(-1)), null, 2),
            new VllmEvent.BlockRemoved(List.of(), "DISK", null),
            // vLLM 0.34's fields: the offloading connector's placeholder (block_size 0) and a self-describing store.
            new VllmEvent.BlockStored(List.of(EngineBlockHash.ofLong(5)), null, new int[0], 0, null, "STORAGE", null,
                null, 0, null, null, "REMOTE", "kvcr", null, null),
            new VllmEvent.BlockStored(List.of(EngineBlockHash.ofLong(6)), EngineBlockHash.ofLong(5),
                new int[] {8, 9}, 2, null, "CPU", null, null, 0, "full_attention", null, "LOCAL", null, "session-1",
                new int[][] {{10, 11}}),
            new VllmEvent.BlockRemoved(List.of(EngineBlockHash.ofLong(6)), "CPU", 0, "LOCAL", "kvcr"),
            new VllmEvent.AllBlocksCleared()), 5);

        VllmEventBatch decoded = decoder.decode(VllmEventEncoder.encode(batch, format));

        assertEquals(batch, decoded);
    }

    @ParameterizedTest
    @EnumSource(VllmEventEncoder.EventFormat.class)
    void blockKeysAreWrittenAsTheirSixteenBytes(VllmEventEncoder.EventFormat format) {
        BlockKey a = BlockKey.fromHex("000102030405060708090a0b0c0d0e0f");
        BlockKey b = BlockKey.fromHex("f0e0d0c0b0a090807060504030201000");
        VllmEventEncoder encoder = new VllmEventEncoder(format);
        long[] his = {7, a.hi(), b.hi(), 99};
        long[] los = {7, a.lo(), b.lo(), 99};
        encoder.blockStoredKeys(his, los, 1, 2, 16, "CPU");
        encoder.blockRemovedKeys(new long[] {b.hi()}, new long[] {b.lo()}, 0, 1, "DISK");
        assertEquals(2, encoder.eventCount());

        VllmEventBatch decoded = decoder.decode(encoder.finishBatch(3.0, null));

        assertEquals(0, encoder.eventCount());
        EngineBlockHash ha = EngineBlockHash.ofBytes(a.toBytes());
        EngineBlockHash hb = EngineBlockHash.ofBytes(b.toBytes());
        assertEquals(new VllmEvent.BlockStored(List.of(ha, hb), null, new int[0], 16, null, "CPU", null, null, null,
            null, null), decoded.events().get(0));
        assertEquals(new VllmEvent.BlockRemoved(List.of(hb), "DISK", null), decoded.events().get(1));
        // The alias of a 16-byte key is its lo half: what llm-d takes from a bytes hash.
        assertEquals(b.lo(), hb.alias64());
    }

    @ParameterizedTest
    @EnumSource(VllmEventEncoder.EventFormat.class)
    void anEmptyBatch(VllmEventEncoder.EventFormat format) {
        VllmEventEncoder encoder = new VllmEventEncoder(format);

        assertEquals(new VllmEventBatch(0.0, List.of(), null), decoder.decode(encoder.finishBatch(0.0, null)));
    }

    @ParameterizedTest
    @EnumSource(VllmEventEncoder.EventFormat.class)
    void unknownOrRejectedEventsAndOtherExtraKeysCannotBeEncoded(VllmEventEncoder.EventFormat format) {
        VllmEventEncoder encoder = new VllmEventEncoder(format);

        assertThrows(IllegalArgumentException.class, () -> encoder.add(new VllmEvent.Unknown("X")));
        assertThrows(IllegalArgumentException.class, () -> encoder.add(new VllmEvent.Rejected("BlockStored",
            VllmDecodeException.Reason.BAD_VALUE, "BAD_VALUE: events[0].token_ids[0]: token id -1 out of range")));
        assertThrows(IllegalArgumentException.class, () -> encoder.add(new VllmEvent.BlockStored(
            List.of(EngineBlockHash.ofLong(1)), null, new int[0], 1, null, null, null,
            List.of(List.of(new VllmExtraKey.Other("boolean"))), null, null, null)));
        assertThrows(IllegalArgumentException.class,
            () -> encoder.blockStoredKeys(new long[2], new long[2], 1, 2, 16, "CPU"));
    }

    /** llm-d's simulator hashes words to 32-bit ids, half of them 2^31 or more: they are ids, held as their bits. */
    @ParameterizedTest
    @EnumSource(VllmEventEncoder.EventFormat.class)
    void unsignedThirtyTwoBitTokenIdsRoundTrip(VllmEventEncoder.EventFormat format) {
        VllmEventEncoder encoder = new VllmEventEncoder(format);
        int[] ids = {(int) 2_726_216_420L, -1, 0, Integer.MAX_VALUE};
        encoder.add(VllmEvent.BlockStored.of(List.of(EngineBlockHash.ofLong(7)), null, ids, 4));

        VllmEvent.BlockStored back = (VllmEvent.BlockStored) decoder.decode(encoder.finishBatch(0.0, null)).events()
            .get(0);
        assertEquals(2_726_216_420L, Integer.toUnsignedLong(back.tokenId(0)));
        assertEquals(0xFFFF_FFFFL, Integer.toUnsignedLong(back.tokenId(1)));
        assertEquals(Integer.MAX_VALUE, back.tokenId(3));
    }
}
