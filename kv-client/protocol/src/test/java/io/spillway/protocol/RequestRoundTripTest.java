package io.spillway.protocol;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.spillway.key.BlockKey;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.junit.jupiter.api.Test;

class RequestRoundTripTest {
    private static final BlockKey NS = new BlockKey(0x0102030405060708L, 0x1112131415161718L);

    static byte[] putBatch(int requestId, BlockKey[] keys, byte[][] blocks, int[] crcs) {
        long total = 0;
        for (byte[] b : blocks) {
            total += b.length;
        }
        long sum = total;
        return Frames.build(out -> {
            RequestEncoder.writePutBatchStart(out, requestId, NS, keys.length, sum);
            for (int i = 0; i < keys.length; i++) {
                RequestEncoder.writePutBlockHeader(out, keys[i], blocks[i].length, crcs[i]);
                out.writeBytes(blocks[i]);
            }
        });
    }

    static byte[][] randomBlocks(Random random, int... sizes) {
        byte[][] blocks = new byte[sizes.length][];
        for (int i = 0; i < sizes.length; i++) {
            blocks[i] = new byte[sizes[i]];
            random.nextBytes(blocks[i]);
        }
        return blocks;
    }

    static int[] crcs(byte[][] blocks) {
        int[] crcs = new int[blocks.length];
        for (int i = 0; i < blocks.length; i++) {
            crcs[i] = Crc32c.of(ByteBuffer.wrap(blocks[i]));
        }
        return crcs;
    }

    @ParameterizedTest
    @ValueSource(ints = {1, 3, 24, 1000})
    void authCarriesItsTokenWhateverTheChunkingAndThenTheNextFrame(int chunk) {
        byte[] token = "eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiJhIn0.c2ln".getBytes(StandardCharsets.UTF_8);
        byte[] wire = Frames.concat(Frames.build(out -> RequestEncoder.writeAuth(out, 9, token)),
            Frames.build(out -> RequestEncoder.writePing(out, 10)));
        RecordingRequestListener l = new RecordingRequestListener();
        RequestDecoder d = new RequestDecoder(ProtocolLimits.DEFAULTS, l);
        Frames.feed(wire, chunk, d::decode);
        assertEquals(List.of("auth id=9 token=" + new String(token, StandardCharsets.UTF_8),
            "ping id=10"), l.events);
    }

    @ParameterizedTest
    @ValueSource(ints = {1, 3, 24, 1000, 1 << 20})
    void putBatchDecodesBlockByBlockWhateverTheChunking(int chunk) {
        Random random = new Random(chunk);
        BlockKey[] keys = {new BlockKey(1, 2), new BlockKey(3, 4), new BlockKey(5, 6)};
        // Paranoid leak detection records every access to a pooled buffer: keep byte-by-byte feeding small.
        int big = chunk < 24 ? 2001 : 70_001;
        byte[][] blocks = randomBlocks(random, 500, 0, big);
        byte[] wire = putBatch(42, keys, blocks, crcs(blocks));

        RecordingRequestListener heap = new RecordingRequestListener();
        RequestDecoder decoder = new RequestDecoder(ProtocolLimits.DEFAULTS, heap);
        Frames.feed(wire, chunk, decoder::decode);
        RecordingRequestListener direct = new RecordingRequestListener();
        RequestDecoder directDecoder = new RequestDecoder(ProtocolLimits.DEFAULTS, direct);
        Frames.feedDirect(wire, chunk, directDecoder::decode);

        assertEquals(List.of(
            "putStart id=42 ns=" + NS + " count=3",
            "block 0 key=" + keys[0] + " length=500", "blockEnd 0 OK",
            "block 1 key=" + keys[1] + " length=0", "blockEnd 1 OK",
            "block 2 key=" + keys[2] + " length=" + big, "blockEnd 2 OK",
            "end PUT_BATCH id=42"), heap.events);
        assertEquals(heap.events, direct.events);
        for (int i = 0; i < blocks.length; i++) {
            assertArrayEquals(blocks[i], heap.blocks.get(i), "block " + i);
            assertArrayEquals(blocks[i], direct.blocks.get(i), "block " + i + " (direct)");
        }
        assertTrue(decoder.isIdle());
    }

    @Test
    void blockWithWrongCrcIsReportedAndTheNextBlockStillDecodes() {
        byte[][] blocks = randomBlocks(new Random(7), 100, 200);
        int[] crcs = crcs(blocks);
        crcs[0] ^= 1;
        RecordingRequestListener rec = new RecordingRequestListener();
        Frames.feed(putBatch(1, new BlockKey[] {new BlockKey(0, 1), new BlockKey(0, 2)}, blocks, crcs), 7,
            new RequestDecoder(ProtocolLimits.DEFAULTS, rec)::decode);
        assertTrue(rec.events.contains("blockEnd 0 CHECKSUM_MISMATCH"), rec.events.toString());
        assertTrue(rec.events.contains("blockEnd 1 OK"), rec.events.toString());
        assertEquals("end PUT_BATCH id=1", rec.last());
    }

    @Test
    void blockOverTheLimitIsSkippedWithoutCallbacksAndTheBatchGoesOn() {
        ProtocolLimits limits = new ProtocolLimits(1000, 16, 1 << 20);
        byte[][] blocks = randomBlocks(new Random(8), 1001, 1000);
        RecordingRequestListener rec = new RecordingRequestListener();
        Frames.feed(putBatch(9, new BlockKey[] {new BlockKey(0, 1), new BlockKey(0, 2)}, blocks, crcs(blocks)), 100,
            new RequestDecoder(limits, rec)::decode);
        assertEquals(List.of("putStart id=9 ns=" + NS + " count=2", "blockEnd 0 BLOCK_TOO_LARGE",
            "block 1 key=" + new BlockKey(0, 2) + " length=1000", "blockEnd 1 OK", "end PUT_BATCH id=9"), rec.events);
        assertArrayEquals(blocks[1], rec.blocks.get(1));
    }

    @Test
    void refusedPutIsSkippedAndTheNextFrameDecodes() {
        byte[][] blocks = randomBlocks(new Random(9), 300);
        byte[] wire = Frames.concat(putBatch(5, new BlockKey[] {new BlockKey(0, 1)}, blocks, crcs(blocks)),
            Frames.build(out -> RequestEncoder.writePing(out, 6)));
        RecordingRequestListener rec = new RecordingRequestListener();
        rec.acceptStarts = false;
        Frames.feed(wire, 50, new RequestDecoder(ProtocolLimits.DEFAULTS, rec)::decode);
        assertEquals(List.of("putStart id=5 ns=" + NS + " count=1", "ping id=6"), rec.events);
    }

    @Test
    void getBatchLookupAndPingDecodeInOrderFromOneStream() {
        BlockKey[] keys = {new BlockKey(10, 11), new BlockKey(12, 13)};
        byte[] wire = Frames.concat(
            Frames.build(out -> RequestEncoder.writeGetBatch(out, 1, NS, keys)),
            Frames.build(out -> RequestEncoder.writeLookupPrefix(out, -2, NS, keys)),
            Frames.build(out -> RequestEncoder.writePing(out, 3)));
        assertEquals(2 * RequestEncoder.keysFrameLength(2) + FrameHeader.LENGTH, wire.length);
        RecordingRequestListener rec = new RecordingRequestListener();
        RequestDecoder decoder = new RequestDecoder(ProtocolLimits.DEFAULTS, rec);
        Frames.feed(wire, 1, decoder::decode);
        assertEquals(List.of(
            "keysStart GET_BATCH id=1 ns=" + NS + " count=2", "key 0 " + keys[0], "key 1 " + keys[1],
            "end GET_BATCH id=1",
            "keysStart LOOKUP_PREFIX id=-2 ns=" + NS + " count=2", "key 0 " + keys[0], "key 1 " + keys[1],
            "end LOOKUP_PREFIX id=-2",
            "ping id=3"), rec.events);
        assertFalse(decoder.isFailed());
    }
}
