package io.spillway.event.vllm;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import io.spillway.event.vllm.VllmDecodeException.Reason;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;

/**
 * Bad input: a broken payload or batch envelope fails with one exception type, a reason and the place, nothing else
 * escapes; a bad event is rejected alone, with the same reason and place, and the batch's other events decode.
 */
class VllmEventDecoderRejectsTest {
    private final VllmEventDecoder decoder = new VllmEventDecoder();

    /**
     * Every event that breaks a rule makes one VllmDecodeException (it is then kept as a Rejected event): with a
     * captured stack each cost the router ~1 KB more, and a fuzzed 431-byte payload of 256 bad events went over the
     * fuzz target's allocation bound (finding-256-rejected-events in the corpus; 382 KB decoded before, 212 KB after).
     */
    @Test
    void aDecodeErrorCarriesNoStackTrace() {
        VllmDecodeException e = assertThrows(VllmDecodeException.class, () -> decoder.decode(new byte[] {(byte) 0x93}));
        assertEquals(0, e.getStackTrace().length, "no stack captured per bad event");
        assertEquals(0, new VllmDecodeException(Reason.BAD_VALUE, "x", new IllegalStateException()).getStackTrace()
            .length);
    }

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
    void wrongTypesOfTheBatchFailIt() {
        assertReject(Reason.WRONG_TYPE, "batch: expected the batch as an array or a map, got STRING",
            VllmPayloads.create().str("x").bytes());
        assertReject(Reason.WRONG_TYPE, "ts: expected a number, got STRING",
            VllmPayloads.create().array(2).str("now").array(0).bytes());
        assertReject(Reason.WRONG_TYPE, "events: expected an array of events, got MAP",
            VllmPayloads.create().array(2).dbl(0).map(0).bytes());
        assertReject(Reason.WRONG_TYPE, "data_parallel_rank: expected an int, got STRING",
            VllmPayloads.create().array(3).dbl(0).array(0).str("0").bytes());
    }

    @Test
    void wrongTypesInAnEventRejectThatEventAlone() {
        assertRejectedEvent(Reason.WRONG_TYPE, "events[0]: expected an event as an array or a map, got INTEGER",
            VllmPayloads.create().integer(1));
        assertRejectedEvent(Reason.WRONG_TYPE, "events[0].type: expected the event tag as a string, got INTEGER",
            VllmPayloads.create().array(1).integer(1));
        assertRejectedEvent(Reason.WRONG_TYPE,
            "events[0].block_hashes[1]: expected an int or bytes block hash, got STRING",
            stored(5).array(2).integer(1).str("h").nil().ints(1, 2).integer(1));
        assertRejectedEvent(Reason.WRONG_TYPE, "events[0].token_ids[1]: expected an int token id, got FLOAT",
            stored(5).array(1).integer(1).nil().array(2).integer(1).dbl(2.0).integer(2));
        assertRejectedEvent(Reason.WRONG_TYPE, "events[0].block_size: expected an int, got STRING",
            stored(5).array(1).integer(1).nil().ints(1).str("16"));
        assertRejectedEvent(Reason.WRONG_TYPE, "events[0].medium: expected a string or nil, got INTEGER",
            stored(7).array(1).integer(1).nil().ints(1).integer(1).nil().integer(3));
        assertRejectedEvent(Reason.WRONG_TYPE,
            "events[0].extra_keys[0]: expected a block's extra keys as an array or nil",
            stored(9).array(1).integer(1).nil().ints(1).integer(1).nil().nil().nil().array(1).str("x"));
        assertRejectedEvent(Reason.WRONG_TYPE, "events[0]: expected a string map key, got INTEGER",
            VllmPayloads.create().map(1).integer(1).integer(2));
        assertRejectedEvent(Reason.WRONG_TYPE, "events[0].locality: expected a string or nil, got INTEGER",
            storedMap(1).key("locality").integer(1));
        assertRejectedEvent(Reason.WRONG_TYPE,
            "events[0].lookahead_token_ids[0]: expected an array of token ids, got INTEGER",
            storedMap(1).key("lookahead_token_ids").array(1).integer(5));
    }

    @Test
    void missingFields() {
        assertReject(Reason.MISSING_FIELD, "batch: a batch is [ts, events, data_parallel_rank?], got 1 elements",
            VllmPayloads.create().array(1).dbl(0).bytes());
        assertReject(Reason.MISSING_FIELD, "batch: a batch map needs 'ts' and 'events'",
            VllmPayloads.create().map(1).key("ts").dbl(0).bytes());
        assertRejectedEvent(Reason.MISSING_FIELD, "events[0]: an array event starts with its tag",
            VllmPayloads.create().array(0));
        assertRejectedEvent(Reason.MISSING_FIELD, "events[0]: a map event has no 'type' key",
            VllmPayloads.create().map(1).key("block_hashes").array(0));
        assertRejectedEvent(Reason.MISSING_FIELD, "events[0]: BlockStored has no 'block_size'",
            stored(4).array(1).integer(1).nil().ints(1));
        assertRejectedEvent(Reason.MISSING_FIELD, "events[0]: BlockRemoved has no 'block_hashes'",
            VllmPayloads.create().map(1).key("type").str("BlockRemoved"));
    }

    @Test
    void badValuesRejectTheirEvent() {
        assertRejectedEvent(Reason.BAD_VALUE, "events[0].token_ids[0]: token id -1 out of range",
            stored(5).array(1).integer(1).nil().ints(-1).integer(1));
        assertRejectedEvent(Reason.BAD_VALUE, "events[0].token_ids[0]: token id 4294967296 out of range",
            stored(5).array(1).integer(1).nil().array(1).integer(1L << 32).integer(1));
        assertRejectedEvent(Reason.BAD_VALUE, "events[0].block_size: -1 out of range",
            stored(5).array(1).integer(1).nil().array(0).integer(-1));
        assertRejectedEvent(Reason.BAD_VALUE, "events[0].block_size: 0 with 1 token ids",
            stored(5).array(1).integer(1).nil().ints(1).integer(0));
        assertRejectedEvent(Reason.BAD_VALUE, "events[0].block_hashes[0]: a bytes block hash is empty",
            stored(5).array(1).bin().nil().ints(1).integer(1));
        assertRejectedEvent(Reason.BAD_VALUE, "events[0].extra_keys: one entry per block expected, got 2 for 1 blocks",
            stored(9).array(1).integer(1).nil().ints(1).integer(1).nil().nil().nil().array(2).nil().nil());
        assertRejectedEvent(Reason.BAD_VALUE, "events[0].lookahead_token_ids[0][1]: token id -3 out of range",
            storedMap(1).key("lookahead_token_ids").array(1).ints(4, -3));
        assertReject(Reason.BAD_VALUE, "data_parallel_rank: -1 out of range",
            VllmPayloads.create().array(3).dbl(0).array(0).integer(-1).bytes());
    }

    @Test
    void aPlaceholderWithoutTokensMayHaveBlockSizeZero() {
        VllmEventBatch batch = decoder.decode(batchOf(stored(5).array(1).integer(7).nil().array(0).integer(0)));

        VllmEvent.BlockStored e = (VllmEvent.BlockStored) batch.events().get(0);
        assertEquals(0, e.blockSize());
        assertEquals(0, e.tokenCount());
        assertEquals(List.of(EngineBlockHash.ofLong(7)), e.blockHashes());
    }

    @Test
    void oversizeArraysAndStrings() {
        VllmEventDecoder small = new VllmEventDecoder(new VllmEventDecoder.Limits(2, 2, 4, 16, 2));

        assertReject(small, Reason.TOO_LARGE, "events: an array of 3 elements, over the limit of 2",
            VllmPayloads.create().array(2).dbl(0).array(3).array(1).str("AllBlocksCleared")
                .array(1).str("AllBlocksCleared").array(1).str("AllBlocksCleared").bytes());
        assertRejectedEvent(small, Reason.TOO_LARGE,
            "events[0].block_hashes: an array of 3 elements, over the limit of 2",
            stored(5).ints(1, 2, 3).nil().ints(1).integer(1));
        assertRejectedEvent(small, Reason.TOO_LARGE, "events[0].token_ids: an array of 5 elements, over the limit of 4",
            stored(5).ints(1).nil().ints(1, 2, 3, 4, 5).integer(5));
        assertRejectedEvent(small, Reason.TOO_LARGE, "events[0].medium: a string of 17 bytes, over the limit of 16",
            stored(7).ints(1).nil().ints(1).integer(1).nil().str("12345678901234567"));
        assertRejectedEvent(new VllmEventDecoder(new VllmEventDecoder.Limits(2, 2, 4, 64, 2)), Reason.TOO_LARGE,
            "events[0].lookahead_token_ids: 6 token ids, over the limit of 4",
            storedMap(1).key("lookahead_token_ids").array(2).ints(1, 2, 3).ints(4, 5, 6));
        assertRejectedEvent(Reason.TOO_LARGE, "events[0].block_hashes[0]: a bytes block hash of 65 bytes, over 64",
            stored(5).array(1).bin(new byte[65]).nil().ints(1).integer(1));
        // A count larger than the bytes left is caught before anything is allocated; the event has no end to skip to.
        assertReject(Reason.TRUNCATED, "events[0].token_ids: an array of 4194304 elements with",
            VllmHexFixtureTest.hex("92cb0000000000000000" + "91" + "95ab426c6f636b53746f726564" + "9101" + "c0"
                + "dd00400000" + "01"));
    }

    @Test
    void notMsgpackOrNotUtf8() {
        assertReject(Reason.MALFORMED, "batch: byte 0xc1 is not msgpack", new byte[] {(byte) 0xc1});
        assertReject(Reason.MALFORMED, "events[0]: byte 0xc1 is not msgpack",
            VllmHexFixtureTest.hex("92cb0000000000000000" + "92" + "c1" + "91b0416c6c426c6f636b73436c6561726564"));
        assertRejected(decoder, Reason.MALFORMED, "events[0].type: a string that is not UTF-8",
            VllmHexFixtureTest.hex("91" + "a2c328"));
        assertReject(Reason.TRUNCATED, "batch: the payload ends where a value is expected", new byte[0]);
    }

    /** Every event of a batch that breaks one rule after another is rejected alone; the good ones between survive. */
    @Test
    void manyBadEventsAmongGoodOnesCostOnlyThemselves() {
        byte[] payload = VllmPayloads.create().array(2).dbl(0).array(5)
            .array(5).str("BlockStored").array(1).integer(1).nil().ints(-1).integer(1)
            .array(3).str("BlockRemoved").array(1).integer(9).str("CPU")
            .map(2).key("type").str("BlockStored").key("block_hashes").str("not a list")
            .array(1).str("AllBlocksCleared")
            .array(2).integer(3).str("x")
            .bytes();

        List<VllmEvent> events = decoder.decode(payload).events();

        assertEquals(5, events.size());
        assertEquals(Reason.BAD_VALUE, ((VllmEvent.Rejected) events.get(0)).reason());
        assertEquals("BlockStored", events.get(0).tag());
        assertEquals(new VllmEvent.BlockRemoved(List.of(EngineBlockHash.ofLong(9)), "CPU", null), events.get(1));
        assertEquals(Reason.WRONG_TYPE, ((VllmEvent.Rejected) events.get(2)).reason());
        assertEquals(new VllmEvent.AllBlocksCleared(), events.get(3));
        assertEquals(new VllmEvent.Rejected("", Reason.WRONG_TYPE,
            "WRONG_TYPE: events[4].type: expected the event tag as a string, got INTEGER"), events.get(4));
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
                fail("input " + HexFormat.of().formatHex(input) + " escaped as " + e, e);
            }
        }
    }

    /** A positional BlockStored of {@code elements} elements, its tag written. */
    private static VllmPayloads stored(int elements) {
        return VllmPayloads.create().array(elements).str("BlockStored");
    }

    /** A map BlockStored with every required field and {@code extra} more entries to follow. */
    private static VllmPayloads storedMap(int extra) {
        return VllmPayloads.create().map(8 + extra).key("type").str("BlockStored").key("block_hashes").ints(1)
            .key("parent_block_hash").nil().key("token_ids").ints(1, 2).key("block_size").integer(2)
            .key("lora_id").nil().key("medium").nil().key("lora_name").nil();
    }

    private static byte[] batchOf(VllmPayloads event) {
        return batchOf(event.bytes());
    }

    private static byte[] batchOf(byte[] event) {
        byte[] head = VllmPayloads.create().array(2).dbl(0).array(1).bytes();
        byte[] all = Arrays.copyOf(head, head.length + event.length);
        System.arraycopy(event, 0, all, head.length, event.length);
        return all;
    }

    /** {@code [0.0, [event, AllBlocksCleared]]}. */
    private static byte[] withAGoodEventAfter(byte[] event) {
        byte[] head = VllmPayloads.create().array(2).dbl(0).array(2).bytes();
        byte[] tail = VllmPayloads.create().array(1).str("AllBlocksCleared").bytes();
        byte[] all = Arrays.copyOf(head, head.length + event.length + tail.length);
        System.arraycopy(event, 0, all, head.length, event.length);
        System.arraycopy(tail, 0, all, head.length + event.length, tail.length);
        return all;
    }

    private void assertRejectedEvent(Reason reason, String messagePart, VllmPayloads event) {
        assertRejectedEvent(decoder, reason, messagePart, event);
    }

    private static void assertRejectedEvent(VllmEventDecoder decoder, Reason reason, String messagePart,
                                            VllmPayloads event) {
        assertRejected(decoder, reason, messagePart, event.bytes());
    }

    /** {@code event}, then a good one: the first is rejected with {@code reason}, the second still decodes. */
    private static void assertRejected(VllmEventDecoder decoder, Reason reason, String messagePart, byte[] event) {
        List<VllmEvent> events = decoder.decode(withAGoodEventAfter(event)).events();
        assertEquals(2, events.size());
        VllmEvent.Rejected rejected = assertInstanceOf(VllmEvent.Rejected.class, events.get(0));
        assertEquals(reason, rejected.reason(), rejected.message());
        assertTrue(rejected.message().contains(messagePart), "'" + rejected.message() + "' should contain '"
            + messagePart + "'");
        assertEquals(new VllmEvent.AllBlocksCleared(), events.get(1), "the event after the rejected one still decodes");
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
