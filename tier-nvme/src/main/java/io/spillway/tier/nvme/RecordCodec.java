package io.spillway.tier.nvme;

import io.spillway.key.BlockKey;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import net.jpountz.lz4.LZ4Compressor;
import net.jpountz.lz4.LZ4Exception;
import net.jpountz.lz4.LZ4Factory;
import net.jpountz.lz4.LZ4SafeDecompressor;

/**
 * Turns a block's raw bytes into a {@link BlockRecord} and back, applying the configured {@link Compression}. A
 * compressed payload is kept only when strictly smaller than the raw bytes. Thread-safe.
 */
final class RecordCodec {
    private static final LZ4Factory LZ4 = LZ4Factory.fastestInstance();

    private final Compression compression;
    private final DirectBufferPool pool;
    private final LZ4Compressor compressor = LZ4.fastCompressor();
    private final LZ4SafeDecompressor decompressor = LZ4.safeDecompressor();

    RecordCodec(Compression compression, DirectBufferPool pool) {
        this.compression = compression;
        this.pool = pool;
    }

    /**
     * Writes header and payload for {@code src}'s remaining bytes into {@code record} from index 0 (its capacity must
     * be at least {@code HEADER_BYTES + src.remaining()}); returns the record's length. {@code src} is not moved.
     */
    int encode(BlockKey namespace, ByteBuffer src, int payloadCrc, ByteBuffer record) {
        int raw = src.remaining();
        int stored = compression == Compression.NONE || raw == 0 ? -1 : tryCompress(src, record);
        Compression used = compression;
        if (stored < 0) {
            used = Compression.NONE;
            stored = raw;
            record.put(BlockRecord.HEADER_BYTES, src, src.position(), raw);
        }
        BlockRecord.writeHeader(record, namespace, used, raw, stored, payloadCrc);
        return BlockRecord.HEADER_BYTES + stored;
    }

    /** Compressed length written after the header, or -1 when compression would not shrink the block. */
    private int tryCompress(ByteBuffer src, ByteBuffer record) {
        int raw = src.remaining();
        ByteBuffer input = src;
        int inputOffset = src.position();
        ByteBuffer scratch = null;
        try {
            if (compression == Compression.LZ4_SHUFFLE2) {
                scratch = pool.acquire(raw);
                ByteShuffle.shuffle2(src, src.position(), scratch, 0, raw);
                input = scratch;
                inputOffset = 0;
            }
            return compressor.compress(input, inputOffset, raw, record, BlockRecord.HEADER_BYTES, raw - 1);
        } catch (LZ4Exception doesNotShrink) {
            return -1;
        } finally {
            if (scratch != null) {
                pool.release(scratch);
            }
        }
    }

    /**
     * Decompresses a validated compressed record into {@code out} from index 0 (capacity at least its raw length).
     *
     * @throws LZ4Exception when the payload is not valid LZ4 or does not inflate to the raw length
     */
    void decompress(ByteBuffer record, ByteBuffer out) {
        int raw = BlockRecord.rawLength(record);
        int stored = BlockRecord.storedLength(record);
        Compression c = BlockRecord.compression(record);
        ByteBuffer target = c == Compression.LZ4_SHUFFLE2 ? pool.acquire(raw) : out;
        try {
            int n = decompressor.decompress(record, BlockRecord.HEADER_BYTES, stored, target, 0, raw);
            if (n != raw) {
                throw new LZ4Exception("payload inflated to " + n + " bytes, header says " + raw);
            }
            if (target != out) {
                ByteShuffle.unshuffle2(target, 0, out, 0, raw);
            }
        } finally {
            if (target != out) {
                pool.release(target);
            }
        }
    }

    /** Byte shuffle for 2-byte elements: even-index bytes first, then odd-index bytes. */
    static final class ByteShuffle {
        private ByteShuffle() {
        }

        static void shuffle2(ByteBuffer src, int srcIndex, ByteBuffer dst, int dstIndex, int length) {
            ByteBuffer s = src.duplicate().order(ByteOrder.LITTLE_ENDIAN);
            ByteBuffer d = dst.duplicate().order(ByteOrder.LITTLE_ENDIAN);
            int evens = (length + 1) / 2;
            int bulk = length & ~7;
            for (int i = 0; i < bulk; i += 8) {
                long v = s.getLong(srcIndex + i);
                d.putInt(dstIndex + i / 2, gatherEven(v));
                d.putInt(dstIndex + evens + i / 2, gatherEven(v >>> 8));
            }
            for (int i = bulk; i < length; i++) {
                d.put(dstIndex + ((i & 1) == 0 ? i / 2 : evens + i / 2), s.get(srcIndex + i));
            }
        }

        static void unshuffle2(ByteBuffer src, int srcIndex, ByteBuffer dst, int dstIndex, int length) {
            ByteBuffer s = src.duplicate().order(ByteOrder.LITTLE_ENDIAN);
            ByteBuffer d = dst.duplicate().order(ByteOrder.LITTLE_ENDIAN);
            int evens = (length + 1) / 2;
            int bulk = length & ~7;
            for (int i = 0; i < bulk; i += 8) {
                long even = s.getInt(srcIndex + i / 2) & 0xFFFFFFFFL;
                long odd = s.getInt(srcIndex + evens + i / 2) & 0xFFFFFFFFL;
                d.putLong(dstIndex + i, spread(even) | spread(odd) << 8);
            }
            for (int i = bulk; i < length; i++) {
                d.put(dstIndex + i, s.get(srcIndex + ((i & 1) == 0 ? i / 2 : evens + i / 2)));
            }
        }

        /** Bytes 0, 2, 4, 6 of {@code v} packed into an int (little-endian). */
        private static int gatherEven(long v) {
            return (int) ((v & 0xFFL) | (v >>> 8 & 0xFF00L) | (v >>> 16 & 0xFF0000L) | (v >>> 24 & 0xFF000000L));
        }

        /** Inverse of {@link #gatherEven}: the int's four bytes placed at bytes 0, 2, 4, 6. */
        private static long spread(long x) {
            return (x & 0xFFL) | (x & 0xFF00L) << 8 | (x & 0xFF0000L) << 16 | (x & 0xFF000000L) << 24;
        }
    }
}
