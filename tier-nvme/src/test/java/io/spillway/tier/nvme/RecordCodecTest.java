package io.spillway.tier.nvme;

import static io.spillway.tier.nvme.TestBlocks.NS;
import static io.spillway.tier.nvme.TestBlocks.crc;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.ByteBuffer;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

class RecordCodecTest {
    static Stream<Arguments> cases() {
        Stream.Builder<Arguments> b = Stream.builder();
        for (Compression c : Compression.values()) {
            for (int size : new int[] {0, 1, 2, 3, 7, 8, 9, 15, 17, 4096, 65_537, 2 << 20}) {
                b.add(Arguments.of(c, size, true));
                b.add(Arguments.of(c, size, false));
            }
        }
        return b.build();
    }

    @ParameterizedTest(name = "{0} size={1} bf16={2}")
    @MethodSource("cases")
    void encodeThenDecodeIsExact(Compression compression, int size, boolean bf16) {
        DirectBufferPool pool = new DirectBufferPool(1 << 20);
        RecordCodec codec = new RecordCodec(compression, pool);
        byte[] raw = bf16 ? TestBlocks.bf16Like(size, size) : TestBlocks.random(size, size);
        ByteBuffer record = ByteBuffer.allocateDirect(BlockRecord.HEADER_BYTES + size);
        int length = codec.encode(NS, ByteBuffer.wrap(raw), crc(raw), record);

        assertNull(BlockRecord.validateHeader(record, length, size));
        assertEquals(size, BlockRecord.rawLength(record));
        assertEquals(NS, BlockRecord.namespace(record));
        assertEquals(crc(raw), BlockRecord.payloadCrc(record));
        Compression stored = BlockRecord.compression(record);
        if (stored == Compression.NONE) {
            assertEquals(BlockRecord.HEADER_BYTES + size, length);
        } else {
            assertEquals(compression, stored);
            assertTrue(length < BlockRecord.HEADER_BYTES + size, "kept only when smaller");
        }
        if (!bf16 && size > 64) {
            assertEquals(Compression.NONE, stored, "random bytes are stored raw");
        }

        byte[] back = new byte[size];
        if (stored == Compression.NONE) {
            record.get(BlockRecord.HEADER_BYTES, back);
        } else {
            ByteBuffer out = ByteBuffer.allocateDirect(Math.max(size, 1));
            codec.decompress(record, out);
            out.get(0, back);
        }
        assertArrayEquals(raw, back);
    }

    @Test
    void shuffleOnBf16BeatsPlainLz4() {
        byte[] raw = TestBlocks.bf16Like(42, 2 << 20);
        int plain = encodedLength(Compression.LZ4, raw);
        int shuffled = encodedLength(Compression.LZ4_SHUFFLE2, raw);
        assertTrue(shuffled < plain, "shuffled " + shuffled + " vs plain " + plain);
        assertTrue(shuffled < raw.length * 0.9, "shuffle+LZ4 shrinks bf16-like data: " + shuffled);
    }

    @Test
    void shuffleMatchesNaiveDefinition() {
        for (int size : new int[] {0, 1, 5, 8, 13, 64, 1001}) {
            byte[] raw = TestBlocks.random(size, size);
            ByteBuffer out = ByteBuffer.allocate(size);
            RecordCodec.ByteShuffle.shuffle2(ByteBuffer.wrap(raw), 0, out, 0, size);
            byte[] expected = new byte[size];
            int k = 0;
            for (int i = 0; i < size; i += 2) {
                expected[k++] = raw[i];
            }
            for (int i = 1; i < size; i += 2) {
                expected[k++] = raw[i];
            }
            assertArrayEquals(expected, out.array(), "size " + size);
            ByteBuffer back = ByteBuffer.allocate(size);
            RecordCodec.ByteShuffle.unshuffle2(out, 0, back, 0, size);
            assertArrayEquals(raw, back.array());
        }
    }

    private static int encodedLength(Compression c, byte[] raw) {
        ByteBuffer record = ByteBuffer.allocateDirect(BlockRecord.HEADER_BYTES + raw.length);
        return new RecordCodec(c, new DirectBufferPool(0)).encode(NS, ByteBuffer.wrap(raw), crc(raw), record);
    }
}
