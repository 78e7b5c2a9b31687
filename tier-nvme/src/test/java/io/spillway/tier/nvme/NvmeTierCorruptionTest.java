package io.spillway.tier.nvme;

import static io.spillway.tier.nvme.TestBlocks.NS;
import static io.spillway.tier.nvme.TestBlocks.assertServes;
import static io.spillway.tier.nvme.TestBlocks.context;
import static io.spillway.tier.nvme.TestBlocks.crc;
import static io.spillway.tier.nvme.TestBlocks.key;
import static io.spillway.tier.nvme.TestBlocks.random;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.spillway.protocol.ErrorCode;
import io.spillway.tier.BlockHandle;
import java.io.IOException;
import java.io.RandomAccessFile;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Comparator;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class NvmeTierCorruptionTest {
    static final int BLOCKS = 16;
    static final int SIZE = 64 * 1024;

    @TempDir
    Path dir;

    /** Flips bytes in the middle of the file that holds the values: the largest .sst, or the .blob file. */
    @ParameterizedTest(name = "blobFiles={0}")
    @ValueSource(booleans = {false, true})
    void corruptBytesOnDiskAreMissesCountedAndDeleted(boolean blobFiles) throws IOException {
        NvmeTierContext ctx = context(dir).blobFiles(blobFiles).build();
        try (NvmeTier tier = NvmeTier.open(ctx)) {
            for (int i = 0; i < BLOCKS; i++) {
                byte[] b = random(i, SIZE);
                assertEquals(ErrorCode.OK, tier.put(NS, key(i), ByteBuffer.wrap(b), crc(b)));
            }
        }
        Path file = largestFile(blobFiles ? ".blob" : ".sst");
        flipMiddleBytes(file, 256);

        try (NvmeTier tier = NvmeTier.open(ctx)) {
            assertEquals(BLOCKS, tier.counters().blocks.get(), "the index comes from meta, untouched");
            int served = 0;
            int missed = 0;
            for (int i = 0; i < BLOCKS; i++) {
                try (BlockHandle h = tier.get(NS, key(i))) {
                    if (h == null) {
                        missed++;
                        assertFalse(tier.contains(key(i)), "corrupt block " + i + " is deleted");
                    } else {
                        served++;
                        assertArrayEquals(random(i, SIZE), TestBlocks.bytes(h));
                    }
                }
            }
            assertTrue(missed >= 1, "the flipped bytes hit at least one value");
            assertTrue(served >= 1, "other blocks are still served");
            assertEquals(missed, tier.counters().corrupt.sum());
            assertEquals(missed, tier.counters().misses.sum());
            assertEquals(served, tier.counters().blocks.get());

            for (int i = 0; i < BLOCKS; i++) {
                if (!tier.contains(key(i))) {
                    assertNull(tier.get(NS, key(i)));
                }
            }
            assertEquals(missed, tier.counters().corrupt.sum(), "a deleted corrupt block is not counted again");

            byte[] fresh = random(99, SIZE);
            assertEquals(ErrorCode.OK, tier.put(NS, key(0), ByteBuffer.wrap(fresh), crc(fresh)));
            assertTrue(tier.contains(key(0)), "the tier still takes puts after dropping corrupt blocks");
        }
    }

    @Test
    void payloadCrcMismatchIsCorrupt() {
        try (NvmeTier tier = NvmeTier.open(context(dir).build())) {
            byte[] b = random(1, 5000);
            assertEquals(ErrorCode.OK, tier.storeBlock(NS, key(1), ByteBuffer.wrap(b), crc(b) ^ 0x10));
            byte[] good = random(2, 5000);
            tier.put(NS, key(2), ByteBuffer.wrap(good), crc(good));

            assertNull(tier.get(NS, key(1)));
            assertEquals(1, tier.counters().corrupt.sum());
            assertEquals(1, tier.counters().misses.sum());
            assertFalse(tier.contains(key(1)));
            assertEquals(1, tier.counters().blocks.get());
            assertServes(tier, key(2), good);
        }
    }

    @Test
    void flippedPayloadByteInStoredRecordIsCorrupt() throws Exception {
        assertRecordEditIsCorrupt(r -> r[BlockRecord.HEADER_BYTES + 100] ^= 1);
    }

    @Test
    void flippedHeaderByteIsCorrupt() throws Exception {
        assertRecordEditIsCorrupt(r -> r[BlockRecord.RAW_LENGTH_OFFSET + 3] ^= 1);
    }

    @Test
    void badMagicIsCorrupt() throws Exception {
        assertRecordEditIsCorrupt(r -> r[0] = 'X');
    }

    @Test
    void truncatedRecordIsCorrupt() throws Exception {
        try (NvmeTier tier = NvmeTier.open(context(dir).build())) {
            byte[] b = random(1, 5000);
            tier.put(NS, key(1), ByteBuffer.wrap(b), crc(b));
            byte[] record = tier.store().recordBytes(key(1));
            tier.store().putRecordBytes(key(1), Arrays.copyOf(record, 30));
            assertNull(tier.get(NS, key(1)));
            assertEquals(1, tier.counters().corrupt.sum());
        }
    }

    @Test
    void corruptCompressedPayloadIsCorrupt() throws Exception {
        try (NvmeTier tier = NvmeTier.open(context(dir).compression(Compression.LZ4_SHUFFLE2).build())) {
            byte[] b = TestBlocks.bf16Like(1, 100_000);
            tier.put(NS, key(1), ByteBuffer.wrap(b), crc(b));
            byte[] record = tier.store().recordBytes(key(1));
            assertTrue(record.length < BlockRecord.HEADER_BYTES + b.length, "stored compressed");
            for (int i = BlockRecord.HEADER_BYTES; i < record.length; i += 97) {
                record[i] ^= 0x5A;
            }
            tier.store().putRecordBytes(key(1), record);
            assertNull(tier.get(NS, key(1)));
            assertEquals(1, tier.counters().corrupt.sum());
            assertFalse(tier.contains(key(1)));
        }
    }

    interface RecordEdit {
        void apply(byte[] record);
    }

    private void assertRecordEditIsCorrupt(RecordEdit edit) throws Exception {
        try (NvmeTier tier = NvmeTier.open(context(dir).build())) {
            byte[] b = random(1, 5000);
            tier.put(NS, key(1), ByteBuffer.wrap(b), crc(b));
            byte[] record = tier.store().recordBytes(key(1));
            edit.apply(record);
            tier.store().putRecordBytes(key(1), record);
            assertNull(tier.get(NS, key(1)));
            assertEquals(1, tier.counters().corrupt.sum());
            assertFalse(tier.contains(key(1)));
            assertNull(tier.store().recordBytes(key(1)), "corrupt record deleted from RocksDB");
            assertEquals(0, tier.counters().bytes.get());
        }
    }

    private Path largestFile(String suffix) throws IOException {
        try (Stream<Path> files = Files.list(dir)) {
            return files.filter(p -> p.getFileName().toString().endsWith(suffix))
                .max(Comparator.comparingLong(p -> p.toFile().length()))
                .orElseThrow(() -> new AssertionError("no " + suffix + " file in " + dir));
        }
    }

    private static void flipMiddleBytes(Path file, int count) throws IOException {
        try (RandomAccessFile raf = new RandomAccessFile(file.toFile(), "rw")) {
            long middle = raf.length() / 2;
            byte[] bytes = new byte[count];
            raf.seek(middle);
            raf.readFully(bytes);
            for (int i = 0; i < count; i++) {
                bytes[i] ^= (byte) 0xFF;
            }
            raf.seek(middle);
            raf.write(bytes);
        }
    }
}
