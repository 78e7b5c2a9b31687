package io.spillway.event.vllm;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import io.spillway.event.vllm.VllmDecodeException.Reason;
import java.util.Arrays;
import java.util.Random;
import org.junit.jupiter.api.Test;

/** Bad payloads fail with one exception type, a reason and the place; nothing else escapes. */
class VllmEventDecoderRejectsTest {
    private final VllmEventDecoder decoder = new VllmEventDecoder();

    @Test
    void everyTruncationOfBothFixturesIsTruncated() {
        for (String fixture : new String[] {VllmHexFixtureTest.POSITIONAL, VllmHexFixtureTest.TAGGED_MAP}) {
            byte[] whole = VllmHexFixtureTest.hex(fixture);
            for (int n = 0; n < whole.length; n++) {
                byte[] prefix = Arrays.copyOf(whole, n);
                VllmDecodeException e = assertThrows(VllmDecodeException.class, () -> decoder.decode(prefix),
                    "prefix of " + n + " bytes");
                assertEquals(Reason.TRUNCATED, e.reason(), "prefix of " + n + " bytes: " + e.getMessage());
            }
        }
    }

    @Test
    void trailingBytesAreMalformed() {
        byte[] whole = VllmHexFixtureTest.hex(VllmHexFixtureTest.POSITIONAL + "c0");

        assertReject(Reason.MALFORMED, "batch: 1 trailing bytes", whole);
    }

    @Test
    void wrongTypesNameTheField() {
        assertReject(Reason.WRONG_TYPE, "batch: expected the batch as an array or a map, got STRING",
            VllmPayloads.create().str("x").bytes());
        assertReject(Reason.WRONG_TYPE, "ts: expected a number, got STRING",
            VllmPayloads.create().array(2).str("now").array(0).bytes());
        assertReject(Reason.WRONG_TYPE, "events: expected an array of events, got MAP",
            VllmPayloads.create().array(2).dbl(0).map(0).bytes());
        assertReject(Reason.WRONG_TYPE, "events[0]: expected an event as an array or a map, got INTEGER",
            batchOf(VllmPayloads.create().integer(1)));
        assertReject(Reason.WRONG_TYPE, "events[0].type: expected the event tag as a string, got INTEGER",
            batchOf(VllmPayloads.create().array(1).integer(1)));
        assertReject(Reason.WRONG_TYPE, "events[0].block_hashes[1]: expected an int or bytes block hash, got STRING",
            batchOf(stored(5).array(2).integer(1).str("h").nil().ints(1, 2).integer(1)));
        assertReject(Reason.WRONG_TYPE, "events[0].token_ids[1]: expected an int token id, got FLOAT",
            batchOf(stored(5).array(1).integer(1).nil().array(2).integer(1).dbl(2.0).integer(2)));
        assertReject(Reason.WRONG_TYPE, "events[0].block_size: expected an int, got STRING",
            batchOf(stored(5).array(1).integer(1).nil().ints(1).str("16")));
        assertReject(Reason.WRONG_TYPE, "events[0].medium: expected a string or nil, got INTEGER",
            batchOf(stored(7).array(1).integer(1).nil().ints(1).integer(1).nil().integer(3)));
        assertReject(Reason.WRONG_TYPE, "events[0].extra_keys[0]: expected a block's extra keys as an array or nil",
            batchOf(stored(9).array(1).integer(1).nil().ints(1).integer(1).nil().nil().nil().array(1).str("x")));
        assertReject(Reason.WRONG_TYPE, "events[0]: expected a string map key, got INTEGER",
            batchOf(VllmPayloads.create().map(1).integer(1).integer(2)));
        assertReject(Reason.WRONG_TYPE, "data_parallel_rank: expected an int, got STRING",
            VllmPayloads.create().array(3).dbl(0).array(0).str("0").bytes());
    }

    @Test
    void missingFields() {
        assertReject(Reason.MISSING_FIELD, "batch: a batch is [ts, events, data_parallel_rank?], got 1 elements",
            VllmPayloads.create().array(1).dbl(0).bytes());
        assertReject(Reason.MISSING_FIELD, "batch: a batch map needs 'ts' and 'events'",
            VllmPayloads.create().map(1).key("ts").dbl(0).bytes());
        assertReject(Reason.MISSING_FIELD, "events[0]: an array event starts with its tag",
            batchOf(VllmPayloads.create().array(0)));
        assertReject(Reason.MISSING_FIELD, "events[0]: a map event has no 'type' key",
            batchOf(VllmPayloads.create().map(1).key("block_hashes").array(0)));
        assertReject(Reason.MISSING_FIELD, "events[0]: BlockStored has no 'block_size'",
            batchOf(stored(4).array(1).integer(1).nil().ints(1)));
        assertReject(Reason.MISSING_FIELD, "events[0]: BlockRemoved has no 'block_hashes'",
            batchOf(VllmPayloads.create().map(1).key("type").str("BlockRemoved")));
    }

    @Test
    void badValues() {
        assertReject(Reason.BAD_VALUE, "events[0].token_ids[0]: token id -1 out of range",
            batchOf(stored(5).array(1).integer(1).nil().ints(-1).integer(1)));
        assertReject(Reason.BAD_VALUE, "events[0].token_ids[0]: token id 2147483648 out of range",
            batchOf(stored(5).array(1).integer(1).nil().array(1).integer(1L << 31).integer(1)));
        assertReject(Reason.BAD_VALUE, "events[0].block_size: 0 out of range",
            batchOf(stored(5).array(1).integer(1).nil().ints(1).integer(0)));
        assertReject(Reason.BAD_VALUE, "events[0].block_hashes[0]: a bytes block hash is empty",
            batchOf(stored(5).array(1).bin().nil().ints(1).integer(1)));
        assertReject(Reason.BAD_VALUE, "events[0].extra_keys: one entry per block expected, got 2 for 1 blocks",
            batchOf(stored(9).array(1).integer(1).nil().ints(1).integer(1).nil().nil().nil()
                .array(2).nil().nil()));
        assertReject(Reason.BAD_VALUE, "data_parallel_rank: -1 out of range",
            VllmPayloads.create().array(3).dbl(0).array(0).integer(-1).bytes());
    }

    @Test
    void oversizeArraysAndStrings() {
        VllmEventDecoder small = new VllmEventDecoder(new VllmEventDecoder.Limits(2, 2, 4, 16, 2));

        assertReject(small, Reason.TOO_LARGE, "events: an array of 3 elements, over the limit of 2",
            VllmPayloads.create().array(2).dbl(0).array(3).array(1).str("AllBlocksCleared")
                .array(1).str("AllBlocksCleared").array(1).str("AllBlocksCleared").bytes());
        assertReject(small, Reason.TOO_LARGE, "events[0].block_hashes: an array of 3 elements, over the limit of 2",
            batchOf(stored(5).ints(1, 2, 3)));
        assertReject(small, Reason.TOO_LARGE, "events[0].token_ids: an array of 5 elements, over the limit of 4",
            batchOf(stored(5).ints(1).nil().ints(1, 2, 3, 4, 5)));
        assertReject(small, Reason.TOO_LARGE, "events[0].medium: a string of 17 bytes, over the limit of 16",
            batchOf(stored(7).ints(1).nil().ints(1).integer(1).nil().str("12345678901234567")));
        assertReject(Reason.TOO_LARGE, "events[0].block_hashes[0]: a bytes block hash of 65 bytes, over 64",
            batchOf(stored(5).array(1).bin(new byte[65]).nil().ints(1).integer(1)));
        // A count larger than the bytes left is caught before anything is allocated.
        assertReject(Reason.TRUNCATED, "events[0].token_ids: an array of 4194304 elements with",
            VllmHexFixtureTest.hex("92cb0000000000000000" + "91" + "95ab426c6f636b53746f726564" + "9101" + "c0"
                + "dd00400000" + "01"));
    }

    @Test
    void notMsgpackOrNotUtf8() {
        assertReject(Reason.MALFORMED, "batch: byte 0xc1 is not msgpack", new byte[] {(byte) 0xc1});
        assertReject(Reason.MALFORMED, "events[0].type: a string that is not UTF-8",
            VllmHexFixtureTest.hex("92cb0000000000000000" + "91" + "91" + "a2c328"));
        assertReject(Reason.TRUNCATED, "batch: the payload ends where a value is expected", new byte[0]);
    }

    @Test
    void sequenceFrames() {
        assertEquals(0x0102030405060708L, VllmWire.readSeq(new byte[] {1, 2, 3, 4, 5, 6, 7, 8}));
        assertEquals(VllmWire.END_OF_REPLAY, VllmWire.readSeq(VllmWire.seqBytes(-1)));
        VllmDecodeException e = assertThrows(VllmDecodeException.class, () -> VllmWire.readSeq(new byte[7]));
        assertEquals(Reason.MALFORMED, e.reason());
    }

    /** Random bytes and random mutations of the fixtures only ever fail with VllmDecodeException. */
    @Test
    void garbageNeverEscapesAsAnotherException() {
        Random random = new Random(42);
        byte[][] fixtures = {VllmHexFixtureTest.hex(VllmHexFixtureTest.POSITIONAL),
            VllmHexFixtureTest.hex(VllmHexFixtureTest.TAGGED_MAP)};
        for (int round = 0; round < 20_000; round++) {
            byte[] input;
            if (round % 2 == 0) {
                input = new byte[random.nextInt(64)];
                random.nextBytes(input);
            } else {
                input = fixtures[random.nextInt(2)].clone();
                for (int flips = 1 + random.nextInt(3); flips > 0; flips--) {
                    input[random.nextInt(input.length)] = (byte) random.nextInt(256);
                }
            }
            try {
                decoder.decode(input);
            } catch (VllmDecodeException expected) {
                assertTrue(expected.getMessage().length() > 0);
            } catch (RuntimeException e) {
                fail("input " + java.util.HexFormat.of().formatHex(input) + " escaped as " + e, e);
            }
        }
    }

    /** A positional BlockStored of {@code elements} elements, its tag written. */
    private static VllmPayloads stored(int elements) {
        return VllmPayloads.create().array(elements).str("BlockStored");
    }

    private static byte[] batchOf(VllmPayloads event) {
        byte[] e = event.bytes();
        byte[] head = VllmPayloads.create().array(2).dbl(0).array(1).bytes();
        byte[] all = Arrays.copyOf(head, head.length + e.length);
        System.arraycopy(e, 0, all, head.length, e.length);
        return all;
    }

    private void assertReject(Reason reason, String messagePart, byte[] payload) {
        assertReject(decoder, reason, messagePart, payload);
    }

    private static void assertReject(VllmEventDecoder decoder, Reason reason, String messagePart, byte[] payload) {
        VllmDecodeException e = assertThrows(VllmDecodeException.class, () -> decoder.decode(payload));
        assertEquals(reason, e.reason(), e.getMessage());
        assertTrue(e.getMessage().contains(messagePart), "'" + e.getMessage() + "' should contain '"
            + messagePart + "'");
    }
}
