package io.spillway.protocol;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.spillway.tier.TierKind;
import java.nio.ByteBuffer;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class ResponseRoundTripTest {

    static byte[] getResponse(int requestId, byte[][] blocks, int[] crcs) {
        long total = 0;
        for (byte[] b : blocks) {
            total += b == null ? 0 : b.length;
        }
        long sum = total;
        return Frames.build(out -> {
            ResponseEncoder.writeGetBatchStart(out, requestId, blocks.length, sum);
            for (int i = 0; i < blocks.length; i++) {
                if (blocks[i] == null) {
                    ResponseEncoder.writeGetMiss(out, ErrorCode.NOT_FOUND);
                } else {
                    ResponseEncoder.writeGetEntryHeader(out, TierKind.fromWire(i % 2), blocks[i].length, crcs[i]);
                    out.writeBytes(blocks[i]);
                }
            }
        });
    }

    static int[] crcs(byte[][] blocks) {
        int[] crcs = new int[blocks.length];
        for (int i = 0; i < blocks.length; i++) {
            crcs[i] = blocks[i] == null ? 0 : Crc32c.of(ByteBuffer.wrap(blocks[i]));
        }
        return crcs;
    }

    @ParameterizedTest
    @ValueSource(ints = {1, 5, 12, 4096, 1 << 20})
    void getResponseStreamsEntriesWhateverTheChunking(int chunk) {
        Random random = new Random(chunk);
        int big = chunk < 12 ? 2048 : 65_536; // paranoid leak detection makes byte-by-byte feeding slow
        byte[][] blocks = {new byte[300], null, new byte[1], new byte[big]};
        for (byte[] b : blocks) {
            if (b != null) {
                random.nextBytes(b);
            }
        }
        RecordingResponseListener rec = new RecordingResponseListener();
        Frames.feedDirect(getResponse(3, blocks, crcs(blocks)), chunk,
            new ResponseDecoder(ProtocolLimits.DEFAULTS, rec)::decode);
        assertEquals(List.of("get id=3 count=4",
            "entry 0 OK CPU length=300", "entryEnd 0 OK",
            "entry 1 NOT_FOUND null length=0", "entryEnd 1 NOT_FOUND",
            "entry 2 OK CPU length=1", "entryEnd 2 OK",
            "entry 3 OK NVME length=" + big, "entryEnd 3 OK",
            "end GET_BATCH id=3"), rec.events);
        assertArrayEquals(blocks[0], rec.entries.get(0));
        assertArrayEquals(blocks[3], rec.entries.get(3));
    }

    @Test
    void corruptedEntryBytesAreReportedAsChecksumMismatch() {
        byte[][] blocks = {new byte[] {1, 2, 3}, new byte[] {4}};
        int[] crcs = crcs(blocks);
        blocks[0][1] = 9;
        RecordingResponseListener rec = new RecordingResponseListener();
        Frames.feed(getResponse(1, blocks, crcs), 2, new ResponseDecoder(ProtocolLimits.DEFAULTS, rec)::decode);
        assertTrue(rec.events.contains("entryEnd 0 CHECKSUM_MISMATCH"), rec.events.toString());
        assertTrue(rec.events.contains("entryEnd 1 OK"), rec.events.toString());
    }

    @Test
    void putLookupPongAndErrorRoundTrip() {
        ErrorCode[] statuses = {ErrorCode.OK, ErrorCode.CHECKSUM_MISMATCH, ErrorCode.BACK_PRESSURE};
        byte[] wire = Frames.concat(
            Frames.build(out -> ResponseEncoder.writePutBatch(out, 10, statuses, 3)),
            Frames.build(out -> ResponseEncoder.writeLookupPrefix(out, 11, 7,
                new TierKind[] {TierKind.CPU, TierKind.NVME}, new int[] {5, 2}, new int[] {5, 2}, 2)),
            Frames.build(out -> ResponseEncoder.writeLookupPrefix(out, 12, 0, new TierKind[0], new int[0],
                new int[0], 0)),
            Frames.build(out -> ResponseEncoder.writePong(out, 13)),
            Frames.build(out -> ResponseEncoder.writeError(out, 0x02, 14, ErrorCode.UNKNOWN_NAMESPACE,
                "namespace 00ff… not registered — é")),
            Frames.build(out -> ResponseEncoder.writeError(out, 0x7F, 15, ErrorCode.UNKNOWN_OP, "op 0x7f")));
        RecordingResponseListener rec = new RecordingResponseListener();
        Frames.feed(wire, 1, new ResponseDecoder(ProtocolLimits.DEFAULTS, rec)::decode);
        assertEquals(List.of("put id=10 count=3", "status 0 OK", "status 1 CHECKSUM_MISMATCH",
            "status 2 BACK_PRESSURE", "end PUT_BATCH id=10",
            "lookup id=11 prefix=7 tiers=2", "tier CPU run=5 inPrefix=5", "tier NVME run=2 inPrefix=2",
            "end LOOKUP_PREFIX id=11",
            "lookup id=12 prefix=0 tiers=0", "end LOOKUP_PREFIX id=12",
            "end PING id=13",
            "error op=2 id=14 UNKNOWN_NAMESPACE: namespace 00ff… not registered — é",
            "error op=127 id=15 UNKNOWN_OP: op 0x7f"), rec.events);
    }

    @Test
    void skippedResponseLeavesTheStreamInStep() {
        byte[] wire = Frames.concat(getResponse(1, new byte[][] {new byte[500]}, new int[] {0}),
            Frames.build(out -> ResponseEncoder.writePong(out, 2)));
        RecordingResponseListener rec = new RecordingResponseListener();
        rec.acceptResponses = false;
        Frames.feed(wire, 64, new ResponseDecoder(ProtocolLimits.DEFAULTS, rec)::decode);
        assertEquals(List.of("get id=1 count=1", "end PING id=2"), rec.events);
    }
}
