package io.spillway.protocol;

import static org.junit.jupiter.api.Assertions.assertTrue;

import io.spillway.tier.TierKind;
import org.junit.jupiter.api.Test;

class ResponseDecoderRejectsTest {

    private static byte[] raw(int op, int flags, int status, long bodyLength) {
        return Frames.build(out -> {
            out.writeShortLE(FrameHeader.MAGIC);
            out.writeByte(FrameHeader.VERSION);
            out.writeByte(op);
            out.writeShortLE(flags);
            out.writeShortLE(status);
            out.writeIntLE(1);
            out.writeIntLE((int) bodyLength);
        });
    }

    private static void assertFatal(byte[] wire, ErrorCode code, String messagePart) {
        RecordingResponseListener rec = new RecordingResponseListener();
        ResponseDecoder decoder = new ResponseDecoder(ProtocolLimits.DEFAULTS, rec);
        Frames.feed(Frames.concat(wire, Frames.build(out -> ResponseEncoder.writePong(out, 9))), 1, decoder::decode);
        String last = rec.last();
        assertTrue(last.startsWith("protocolError " + code + ": ") && last.contains(messagePart), rec.events.toString());
        assertTrue(decoder.isFailed());
    }

    @Test
    void missingResponseFlagIsMalformed() {
        assertFatal(raw(4, 0, 0, 0), ErrorCode.MALFORMED_FRAME, "response flag not set");
    }

    @Test
    void unknownStatusIsMalformed() {
        assertFatal(raw(4, 1, 999, 0), ErrorCode.MALFORMED_FRAME, "unknown status 999");
    }

    @Test
    void unknownOpWithStatusOkIsFatal() {
        assertFatal(raw(0x33, 1, 0, 0), ErrorCode.UNKNOWN_OP, "0x33");
    }

    @Test
    void errorMessageLengthThatDisagreesWithTheBodyIsMalformed() {
        byte[] body = Frames.build(out -> {
            out.writeShortLE(5);
            out.writeBytes(new byte[3]);
        });
        assertFatal(Frames.concat(raw(2, 1, ErrorCode.INTERNAL.code(), 5), body), ErrorCode.MALFORMED_FRAME,
            "message length 5");
    }

    @Test
    void putResponseCountThatDisagreesWithTheBodyIsMalformed() {
        byte[] body = Frames.build(out -> {
            out.writeIntLE(2);
            out.writeShortLE(0);
        });
        assertFatal(Frames.concat(raw(1, 1, 0, 6), body), ErrorCode.MALFORMED_FRAME, "needs 4 bytes");
    }

    @Test
    void getEntryRunningPastTheBodyIsMalformed() {
        byte[] body = Frames.build(out -> {
            out.writeIntLE(1);
            ResponseEncoder.writeGetEntryHeader(out, TierKind.CPU, 100, 0);
            out.writeBytes(new byte[10]);
        });
        assertFatal(Frames.concat(raw(2, 1, 0, body.length), body), ErrorCode.MALFORMED_FRAME, "runs past");
    }

    @Test
    void missCarryingBytesIsMalformed() {
        byte[] body = Frames.build(out -> {
            out.writeIntLE(1);
            out.writeShortLE(ErrorCode.NOT_FOUND.code());
            out.writeShortLE(0);
            out.writeIntLE(3);
            out.writeIntLE(0);
            out.writeBytes(new byte[3]);
        });
        assertFatal(Frames.concat(raw(2, 1, 0, body.length), body), ErrorCode.MALFORMED_FRAME, "carries 3 bytes");
    }

    @Test
    void unknownTierIsMalformed() {
        byte[] body = Frames.build(out -> {
            out.writeIntLE(1);
            out.writeShortLE(0);
            out.writeByte(7);
            out.writeByte(0);
            out.writeIntLE(0);
            out.writeIntLE(0);
        });
        assertFatal(Frames.concat(raw(2, 1, 0, body.length), body), ErrorCode.MALFORMED_FRAME, "unknown tier 7");
    }
}
