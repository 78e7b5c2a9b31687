package io.spillway.protocol;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.sun.management.ThreadMXBean;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import java.lang.management.ManagementFactory;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import org.junit.jupiter.api.Test;

/**
 * Found by {@link ResponseDecoderFuzzTest} (input {@code finding-error-body-allocated-as-claimed}): a 16-byte header
 * announcing an error message of up to 64 KiB made the decoder allocate the whole message's buffer at its first byte,
 * whatever came after. A server (or anything answering on its port) could make each client connection hold 64 KiB
 * for 17 bytes sent. The gathering buffer now grows with the bytes that arrived.
 */
class ClaimedLengthAllocationTest {
    private static final ThreadMXBean THREADS = (ThreadMXBean) ManagementFactory.getThreadMXBean();

    @Test
    void anErrorHeaderClaimingSixtyFourKibibytesCostsWhatArrived() {
        byte[] header = Frames.build(out -> FrameHeader.writeResponse(out, OpCode.GET_BATCH.code(),
            ErrorCode.NOT_FOUND, 7, BodyLayout.ERROR_MESSAGE_LENGTH_LENGTH + BodyLayout.MAX_ERROR_MESSAGE_BYTES));
        ResponseDecoder decoder = new ResponseDecoder(ProtocolLimits.DEFAULTS, new RecordingResponseListener());
        decoder.decode(Unpooled.wrappedBuffer(new byte[] {0})); // the classes the first decode loads, loaded
        decoder = new ResponseDecoder(ProtocolLimits.DEFAULTS, new RecordingResponseListener());
        ByteBuf firstBytes = Unpooled.wrappedBuffer(Frames.concat(header, new byte[] {(byte) 0xFF, (byte) 0xFF, 'x'}));
        long before = THREADS.getCurrentThreadAllocatedBytes();
        decoder.decode(firstBytes);
        long allocated = THREADS.getCurrentThreadAllocatedBytes() - before;
        assertTrue(allocated < 8 * 1024, "19 bytes of a 65,555-byte frame allocated " + allocated + " bytes");
    }

    @Test
    void theLongestErrorMessageStillArrivesWholeInOneByteReads() {
        char[] text = new char[BodyLayout.MAX_ERROR_MESSAGE_BYTES];
        Arrays.fill(text, 'e');
        String message = new String(text);
        byte[] frame = Frames.build(out -> ResponseEncoder.writeError(out, OpCode.PUT_BATCH.code(), 9,
            ErrorCode.INTERNAL, message));
        RecordingResponseListener rec = new RecordingResponseListener();
        ResponseDecoder decoder = new ResponseDecoder(ProtocolLimits.DEFAULTS, rec);
        Frames.feed(frame, 1, decoder::decode);
        assertEquals(1, rec.events.size(), rec.events.toString());
        assertTrue(rec.events.get(0).contains(message), "the whole message");
        assertEquals(message.getBytes(StandardCharsets.UTF_8).length, BodyLayout.MAX_ERROR_MESSAGE_BYTES);
    }
}
