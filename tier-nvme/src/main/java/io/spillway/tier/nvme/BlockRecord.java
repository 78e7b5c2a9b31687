package io.spillway.tier.nvme;

import io.spillway.key.BlockKey;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.zip.CRC32C;

/**
 * Layout of one stored block: a 40-byte header, then the stored payload. All integers big-endian.
 *
 * <pre>
 *  offset size field
 *   0      4   magic          0x53504E56 ("SPNV")
 *   4      1   version        1
 *   5      1   flags          bits 0-1: {@link Compression} flag of the payload (0 = stored raw)
 *   6      2   reserved       0
 *   8     16   namespace id   {@link BlockKey} bytes
 *  24      4   raw length     bytes of the block as the caller gave them
 *  28      4   stored length  bytes of payload that follow the header
 *  32      4   payload CRC32C CRC32C of the raw (uncompressed) bytes
 *  36      4   header CRC32C  CRC32C of header bytes 0..35
 * </pre>
 *
 * Static helpers over a buffer in the style of a flyweight: they read and write at absolute indexes and never move
 * the buffer's position.
 */
final class BlockRecord {
    static final int MAGIC = 0x53504E56;
    static final byte VERSION = 1;
    static final int HEADER_BYTES = 40;

    static final int MAGIC_OFFSET = 0;
    static final int VERSION_OFFSET = 4;
    static final int FLAGS_OFFSET = 5;
    static final int NAMESPACE_OFFSET = 8;
    static final int RAW_LENGTH_OFFSET = 24;
    static final int STORED_LENGTH_OFFSET = 28;
    static final int PAYLOAD_CRC_OFFSET = 32;
    static final int HEADER_CRC_OFFSET = 36;

    private static final int COMPRESSION_MASK = 0x3;

    private BlockRecord() {
    }

    /** Writes the header at index 0 of {@code record} (big-endian), including its own CRC. */
    static void writeHeader(ByteBuffer record, BlockKey namespace, Compression stored, int rawLength,
                            int storedLength, int payloadCrc) {
        ByteBuffer b = bigEndian(record);
        b.putInt(MAGIC_OFFSET, MAGIC);
        b.put(VERSION_OFFSET, VERSION);
        b.put(FLAGS_OFFSET, (byte) stored.flag());
        b.putShort(FLAGS_OFFSET + 1, (short) 0);
        namespace.write(b, NAMESPACE_OFFSET);
        b.putInt(RAW_LENGTH_OFFSET, rawLength);
        b.putInt(STORED_LENGTH_OFFSET, storedLength);
        b.putInt(PAYLOAD_CRC_OFFSET, payloadCrc);
        b.putInt(HEADER_CRC_OFFSET, headerCrc(b));
    }

    /**
     * Checks magic, version, header CRC, a known compression flag and lengths that agree with {@code recordLength}
     * and {@code maxRawLength}. Returns {@code null} when the header is sound, else what is wrong.
     */
    static String validateHeader(ByteBuffer record, int recordLength, int maxRawLength) {
        if (recordLength < HEADER_BYTES) {
            return "record of " + recordLength + " bytes is shorter than its header";
        }
        ByteBuffer b = bigEndian(record);
        if (b.getInt(MAGIC_OFFSET) != MAGIC) {
            return "bad magic 0x" + Integer.toHexString(b.getInt(MAGIC_OFFSET));
        }
        if (b.get(VERSION_OFFSET) != VERSION) {
            return "unsupported version " + b.get(VERSION_OFFSET);
        }
        if (b.getInt(HEADER_CRC_OFFSET) != headerCrc(b)) {
            return "header CRC mismatch";
        }
        if (compression(b) == null) {
            return "unknown compression flag " + (b.get(FLAGS_OFFSET) & COMPRESSION_MASK);
        }
        int raw = rawLength(b);
        int stored = storedLength(b);
        if (raw < 0 || raw > maxRawLength || stored < 0 || stored != recordLength - HEADER_BYTES) {
            return "lengths raw=" + raw + " stored=" + stored + " disagree with record of " + recordLength + " bytes";
        }
        if (compression(b) == Compression.NONE && stored != raw) {
            return "uncompressed record with raw=" + raw + " stored=" + stored;
        }
        return null;
    }

    static BlockKey namespace(ByteBuffer record) {
        return BlockKey.read(record, NAMESPACE_OFFSET);
    }

    static Compression compression(ByteBuffer record) {
        return Compression.fromFlag(record.get(FLAGS_OFFSET) & COMPRESSION_MASK);
    }

    static int rawLength(ByteBuffer record) {
        return bigEndian(record).getInt(RAW_LENGTH_OFFSET);
    }

    static int storedLength(ByteBuffer record) {
        return bigEndian(record).getInt(STORED_LENGTH_OFFSET);
    }

    static int payloadCrc(ByteBuffer record) {
        return bigEndian(record).getInt(PAYLOAD_CRC_OFFSET);
    }

    /** CRC32C of {@code length} bytes of {@code buffer} from {@code index}, without moving its position. */
    static int crc32c(ByteBuffer buffer, int index, int length) {
        CRC32C crc = new CRC32C();
        crc.update(buffer.duplicate().limit(index + length).position(index));
        return (int) crc.getValue();
    }

    private static int headerCrc(ByteBuffer b) {
        return crc32c(b, 0, HEADER_CRC_OFFSET);
    }

    private static ByteBuffer bigEndian(ByteBuffer b) {
        return b.order() == ByteOrder.BIG_ENDIAN ? b : b.duplicate().order(ByteOrder.BIG_ENDIAN);
    }
}
