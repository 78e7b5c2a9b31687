package io.spillway.protocol;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.spillway.key.BlockKey;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Test;

class RequestDecoderRejectsTest {
    private static final BlockKey NS = new BlockKey(1, 1);
    private static final byte[] PING = Frames.build(out -> RequestEncoder.writePing(out, 77));

    /** Decodes {@code wire} then a valid PING, one byte at a time; returns the events. */
    private static RecordingRequestListener decode(byte[] wire, ProtocolLimits limits) {
        RecordingRequestListener rec = new RecordingRequestListener();
        RequestDecoder decoder = new RequestDecoder(limits, rec);
        Frames.feed(Frames.concat(wire, PING), 1, decoder::decode);
        return rec;
    }

    private static void assertFatal(byte[] wire, ErrorCode code, String messagePart) {
        assertFatal(wire, ProtocolLimits.DEFAULTS, code, messagePart);
    }

    private static void assertFatal(byte[] wire, ProtocolLimits limits, ErrorCode code, String messagePart) {
        RecordingRequestListener rec = decode(wire, limits);
        String last = rec.last();
        assertTrue(last.startsWith("error " + code + ": "), rec.events.toString());
        assertTrue(last.contains(messagePart), last);
        assertTrue(rec.events.stream().noneMatch(e -> e.startsWith("ping")), "input after an error is discarded");
    }

    private static byte[] header(int magic, int version, int op, int flags, int status, long bodyLength) {
        return Frames.build(out -> {
            out.writeShortLE(magic);
            out.writeByte(version);
            out.writeByte(op);
            out.writeShortLE(flags);
            out.writeShortLE(status);
            out.writeIntLE(5);
            out.writeIntLE((int) bodyLength);
        });
    }

    private static byte[] preamble(int count) {
        return Frames.build(out -> {
            BodyLayout.writeKey(out, NS);
            out.writeIntLE(count);
        });
    }

    @Test
    void badMagicIsFatal() {
        assertFatal(header(0x5754, 1, 4, 0, 0, 0), ErrorCode.BAD_MAGIC, "0x5754");
    }

    @Test
    void otherVersionIsFatal() {
        assertFatal(header(FrameHeader.MAGIC, 2, 4, 0, 0, 0), ErrorCode.UNSUPPORTED_VERSION, "version 2");
    }

    @Test
    void bodyOverTheFrameLimitIsFatal() {
        assertFatal(header(FrameHeader.MAGIC, 1, 1, 0, 0, (1L << 30) + 1), ErrorCode.FRAME_TOO_LARGE,
            String.valueOf((1L << 30) + 1));
    }

    @Test
    void unknownFlagBitsResponseFlagAndStatusOnARequestAreMalformed() {
        assertFatal(header(FrameHeader.MAGIC, 1, 4, 0x8, 0, 0), ErrorCode.MALFORMED_FRAME, "flag bits 0x0008");
        assertFatal(header(FrameHeader.MAGIC, 1, 4, FrameHeader.FLAG_STAND_IN, 0, 0), ErrorCode.MALFORMED_FRAME,
            "only PUT_BATCH and GET_BATCH may carry the stand-in flag");
        assertFatal(header(FrameHeader.MAGIC, 1, 4, 0x2, 0, 0), ErrorCode.MALFORMED_FRAME, "flags 0x0002");
        assertFatal(header(FrameHeader.MAGIC, 1, 4, 0x1, 0, 0), ErrorCode.MALFORMED_FRAME, "response flag");
        assertFatal(header(FrameHeader.MAGIC, 1, 4, 0, 3, 0), ErrorCode.MALFORMED_FRAME, "status 3");
    }

    @Test
    void unknownOpSkipsItsBodyAndKeepsTheConnection() {
        byte[] wire = Frames.concat(header(FrameHeader.MAGIC, 1, 0x7F, 0, 0, 3), new byte[] {9, 9, 9});
        assertEquals(List.of("unknownOp 127 id=5", "ping id=77"), decode(wire, ProtocolLimits.DEFAULTS).events);
    }

    @Test
    void pingWithABodyIsMalformed() {
        assertFatal(Frames.concat(header(FrameHeader.MAGIC, 1, 4, 0, 0, 1), new byte[1]), ErrorCode.MALFORMED_FRAME,
            "PING body");
    }

    @Test
    void authWithoutATokenOrWithAnOversizedOneIsMalformed() {
        assertFatal(header(FrameHeader.MAGIC, 1, 5, 0, 0, 0), ErrorCode.MALFORMED_FRAME, "AUTH body");
        assertFatal(Frames.concat(header(FrameHeader.MAGIC, 1, 5, 0, 0, OpCode.MAX_AUTH_BYTES + 1),
            new byte[OpCode.MAX_AUTH_BYTES + 1]), ErrorCode.MALFORMED_FRAME, "AUTH body");
    }

    @Test
    void bodyShorterThanThePreambleIsMalformed() {
        assertFatal(Frames.concat(header(FrameHeader.MAGIC, 1, 2, 0, 0, 10), new byte[10]),
            ErrorCode.MALFORMED_FRAME, "shorter than");
    }

    @Test
    void countZeroIsMalformed() {
        assertFatal(Frames.concat(header(FrameHeader.MAGIC, 1, 1, 0, 0, 44), preamble(0), new byte[24]),
            ErrorCode.MALFORMED_FRAME, "count is 0");
        assertFatal(Frames.concat(header(FrameHeader.MAGIC, 1, 2, 0, 0, 20), preamble(0)),
            ErrorCode.MALFORMED_FRAME, "count is 0");
    }

    @Test
    void countOverTheLimitIsTooManyBlocks() {
        ProtocolLimits limits = new ProtocolLimits(1024, 4, 1 << 20);
        assertFatal(Frames.concat(header(FrameHeader.MAGIC, 1, 2, 0, 0, 20 + 80), preamble(5), new byte[80]),
            limits, ErrorCode.TOO_MANY_BLOCKS, "count 5 over the limit 4");
        assertFatal(Frames.concat(header(FrameHeader.MAGIC, 1, 1, 0, 0, 20), preamble(-1)),
            ErrorCode.TOO_MANY_BLOCKS, "count 4294967295");
    }

    @Test
    void putWhoseBodyCannotHoldItsBlockHeadersIsMalformed() {
        assertFatal(Frames.concat(header(FrameHeader.MAGIC, 1, 1, 0, 0, 20 + 24), preamble(2), new byte[24]),
            ErrorCode.MALFORMED_FRAME, "needs at least 48");
    }

    @Test
    void blockLengthPastTheBodyEndIsMalformed() {
        byte[] block = Frames.build(out -> RequestEncoder.writePutBlockHeader(out, new BlockKey(0, 1), 11, 0));
        assertFatal(Frames.concat(header(FrameHeader.MAGIC, 1, 1, 0, 0, 20 + 24 + 10), preamble(1), block,
            new byte[10]), ErrorCode.MALFORMED_FRAME, "runs past the body's end");
    }

    @Test
    void trailingBytesAfterTheLastBlockAreMalformed() {
        byte[] block = Frames.build(out -> RequestEncoder.writePutBlockHeader(out, new BlockKey(0, 1), 4, 0));
        assertFatal(Frames.concat(header(FrameHeader.MAGIC, 1, 1, 0, 0, 20 + 24 + 6), preamble(1), block,
            new byte[6]), ErrorCode.MALFORMED_FRAME, "2 trailing bytes");
    }

    @Test
    void keysBodyThatDoesNotMatchItsCountIsMalformed() {
        assertFatal(Frames.concat(header(FrameHeader.MAGIC, 1, 3, 0, 0, 20 + 17), preamble(1), new byte[17]),
            ErrorCode.MALFORMED_FRAME, "needs 16 bytes after the count, the body has 17");
    }

    @Test
    void truncatedFrameLeavesTheDecoderMidFrameWithoutCallbacks() {
        byte[] whole = Frames.build(out -> RequestEncoder.writeGetBatch(out, 1, NS, new BlockKey[] {NS}));
        RecordingRequestListener rec = new RecordingRequestListener();
        RequestDecoder decoder = new RequestDecoder(ProtocolLimits.DEFAULTS, rec);
        Frames.feed(Arrays.copyOf(whole, whole.length - 1), 1, decoder::decode);
        assertEquals(List.of("keysStart GET_BATCH id=1 ns=" + NS + " count=1"), rec.events);
        assertTrue(!decoder.isIdle() && !decoder.isFailed());
    }
}
