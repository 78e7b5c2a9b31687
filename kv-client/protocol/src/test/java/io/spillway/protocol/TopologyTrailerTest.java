package io.spillway.protocol;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.netty.buffer.Unpooled;
import io.spillway.tier.TierKind;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** The topology trailer ({@link FrameHeader#FLAG_TOPOLOGY}) on PUT_BATCH and GET_BATCH responses. */
class TopologyTrailerTest {
    private static final byte[] BLOCK = {1, 2, 3, 4, 5, 6, 7};

    private static byte[] put(int requestId, long version) {
        ErrorCode[] statuses = {ErrorCode.OK, ErrorCode.NOT_OWNER, ErrorCode.BACK_PRESSURE};
        return Frames.build(out -> ResponseEncoder.writePutBatch(out, requestId, statuses, 3, version));
    }

    private static byte[] get(int requestId, long version) {
        return Frames.build(out -> {
            ResponseEncoder.writeGetBatchStart(out, requestId, 3, BLOCK.length, version);
            ResponseEncoder.writeGetEntryHeader(out, TierKind.NVME, BLOCK.length, Crc32c.of(ByteBuffer.wrap(BLOCK)));
            out.writeBytes(BLOCK);
            ResponseEncoder.writeGetMiss(out, ErrorCode.NOT_OWNER);
            ResponseEncoder.writeGetMiss(out, ErrorCode.NOT_FOUND);
            if (version >= 0) {
                ResponseEncoder.writeTopologyTrailer(out, version);
            }
        });
    }

    private static final List<String> PUT_EVENTS = List.of("put id=7 count=3", "status 0 OK", "status 1 NOT_OWNER",
        "status 2 BACK_PRESSURE");
    private static final List<String> GET_EVENTS = List.of("get id=8 count=3", "entry 0 OK NVME length=7",
        "entryEnd 0 OK", "entry 1 NOT_OWNER null length=0", "entryEnd 1 NOT_OWNER",
        "entry 2 NOT_FOUND null length=0", "entryEnd 2 NOT_FOUND");

    /** Feeds {@code wire} split in two at {@code at}. */
    private static RecordingResponseListener feedSplit(byte[] wire, int at) {
        RecordingResponseListener rec = new RecordingResponseListener();
        ResponseDecoder decoder = new ResponseDecoder(ProtocolLimits.DEFAULTS, rec);
        decoder.decode(Unpooled.wrappedBuffer(wire, 0, at));
        decoder.decode(Unpooled.wrappedBuffer(wire, at, wire.length - at));
        return rec;
    }

    private static List<String> with(List<String> body, String... tail) {
        List<String> all = new ArrayList<>(body);
        all.addAll(List.of(tail));
        return all;
    }

    @ParameterizedTest
    @ValueSource(longs = {0, 1, 42, 0x1234_5678_9ABCL, Long.MAX_VALUE})
    void putTrailerRoundTripsSplitAtEveryByte(long version) {
        byte[] wire = Frames.concat(put(7, version), Frames.build(out -> ResponseEncoder.writePong(out, 9)));
        for (int at = 0; at <= wire.length; at++) {
            RecordingResponseListener rec = feedSplit(wire, at);
            assertEquals(with(PUT_EVENTS, "topology id=7 version=" + version, "end PUT_BATCH id=7", "end PING id=9"),
                rec.events, "split at " + at);
        }
    }

    @ParameterizedTest
    @ValueSource(longs = {0, 3, Long.MAX_VALUE})
    void getTrailerRoundTripsSplitAtEveryByte(long version) {
        byte[] wire = Frames.concat(get(8, version), Frames.build(out -> ResponseEncoder.writePong(out, 9)));
        for (int at = 0; at <= wire.length; at++) {
            RecordingResponseListener rec = feedSplit(wire, at);
            assertEquals(with(GET_EVENTS, "topology id=8 version=" + version, "end GET_BATCH id=8", "end PING id=9"),
                rec.events, "split at " + at);
            assertEquals(List.of(BLOCK.length, 0, 0), rec.entries.stream().map(b -> b.length).toList());
        }
    }

    @Test
    void trailerRoundTripsFedByteByByte() {
        byte[] wire = Frames.concat(put(7, 5), get(8, 6));
        RecordingResponseListener rec = new RecordingResponseListener();
        Frames.feed(wire, 1, new ResponseDecoder(ProtocolLimits.DEFAULTS, rec)::decode);
        List<String> expected = with(PUT_EVENTS, "topology id=7 version=5", "end PUT_BATCH id=7");
        expected.addAll(with(GET_EVENTS, "topology id=8 version=6", "end GET_BATCH id=8"));
        assertEquals(expected, rec.events);
    }

    @Test
    void responsesWithoutTheFlagHaveNoTrailerAndNoCallback() {
        byte[] wire = Frames.concat(put(7, -1), get(8, -1));
        RecordingResponseListener rec = new RecordingResponseListener();
        Frames.feed(wire, 3, new ResponseDecoder(ProtocolLimits.DEFAULTS, rec)::decode);
        List<String> expected = with(PUT_EVENTS, "end PUT_BATCH id=7");
        expected.addAll(with(GET_EVENTS, "end GET_BATCH id=8"));
        assertEquals(expected, rec.events);
    }

    @Test
    void skippedResponsesSkipTheirTrailerToo() {
        byte[] wire = Frames.concat(put(7, 11), get(8, 12), Frames.build(out -> ResponseEncoder.writePong(out, 9)));
        for (int chunk : new int[] {1, 5, 64, wire.length}) {
            RecordingResponseListener rec = new RecordingResponseListener();
            rec.acceptResponses = false;
            ResponseDecoder decoder = new ResponseDecoder(ProtocolLimits.DEFAULTS, rec);
            Frames.feed(wire, chunk, decoder::decode);
            assertEquals(List.of("put id=7 count=3", "get id=8 count=3", "end PING id=9"), rec.events,
                "chunk " + chunk);
            assertTrue(!decoder.isFailed());
        }
    }

    private static byte[] raw(int op, int flags, long bodyLength) {
        return Frames.build(out -> {
            out.writeShortLE(FrameHeader.MAGIC);
            out.writeByte(FrameHeader.VERSION);
            out.writeByte(op);
            out.writeShortLE(flags);
            out.writeShortLE(0);
            out.writeIntLE(1);
            out.writeIntLE((int) bodyLength);
        });
    }

    private static void assertMalformed(byte[] wire, String messagePart) {
        RecordingResponseListener rec = new RecordingResponseListener();
        ResponseDecoder decoder = new ResponseDecoder(ProtocolLimits.DEFAULTS, rec);
        Frames.feed(Frames.concat(wire, Frames.build(out -> ResponseEncoder.writePong(out, 9))), 1, decoder::decode);
        String last = rec.last();
        assertTrue(last.startsWith("protocolError MALFORMED_FRAME: ") && last.contains(messagePart),
            rec.events.toString());
        assertTrue(decoder.isFailed());
        assertTrue(rec.events.stream().noneMatch(e -> e.startsWith("topology") || e.startsWith("end")),
            rec.events.toString());
    }

    private static final int FLAGS = FrameHeader.FLAG_RESPONSE | FrameHeader.FLAG_TOPOLOGY;

    @Test
    void flagOnAPingResponseIsMalformed() {
        assertMalformed(Frames.concat(raw(OpCode.PING.code(), FLAGS, 8), new byte[8]), "topology flag set on a PING");
    }

    @Test
    void flagOnALookupResponseIsMalformed() {
        byte[] lookup = Frames.build(out -> {
            out.writeIntLE(0);
            out.writeByte(0);
            out.writeLongLE(3);
        });
        assertMalformed(Frames.concat(raw(OpCode.LOOKUP_PREFIX.code(), FLAGS, lookup.length), lookup),
            "topology flag set on a LOOKUP_PREFIX");
    }

    @Test
    void bodyTooShortForTheTrailerIsMalformed() {
        assertMalformed(Frames.concat(raw(OpCode.PUT_BATCH.code(), FLAGS, 6), new byte[6]), "no room");
        assertMalformed(Frames.concat(raw(OpCode.GET_BATCH.code(), FLAGS, 7), new byte[7]), "no room");
    }

    @Test
    void bodyWithOnlyTheTrailerIsMalformed() {
        assertMalformed(Frames.concat(raw(OpCode.PUT_BATCH.code(), FLAGS, 8), new byte[8]), "empty body");
    }

    @Test
    void putEntriesThatEatIntoTheTrailerAreMalformed() {
        // count 3 but only room for 3 statuses if the trailer were not there
        byte[] body = Frames.build(out -> {
            out.writeIntLE(3);
            out.writeShortLE(0);
            out.writeShortLE(0);
            out.writeShortLE(0);
            out.writeLongLE(1);
        });
        assertMalformed(Frames.concat(raw(OpCode.PUT_BATCH.code(), FLAGS, body.length - 2), body), "needs 6 bytes");
    }

    @Test
    void getEntryRunningIntoTheTrailerIsMalformed() {
        byte[] body = Frames.build(out -> {
            out.writeIntLE(1);
            ResponseEncoder.writeGetEntryHeader(out, TierKind.CPU, 8, 0);
            out.writeLongLE(1); // 8 "block bytes" that are really the trailer
        });
        assertMalformed(Frames.concat(raw(OpCode.GET_BATCH.code(), FLAGS, body.length), body), "runs past");
    }

    @Test
    void negativeVersionIsMalformed() {
        byte[] wire = put(7, 1);
        for (int i = 0; i < 8; i++) {
            wire[wire.length - 8 + i] = (byte) 0xFF;
        }
        assertMalformed(wire, "topology version 18446744073709551615");
        byte[] getWire = get(8, 1);
        getWire[getWire.length - 1] = (byte) 0x80;
        assertMalformed(getWire, "out of range");
    }
}
