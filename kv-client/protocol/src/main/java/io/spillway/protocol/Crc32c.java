package io.spillway.protocol;

import io.netty.buffer.ByteBuf;
import java.nio.ByteBuffer;
import java.util.zip.CRC32C;

/** CRC32C (Castagnoli) of block bytes in a {@link ByteBuf} or {@link ByteBuffer}, without moving their indexes. */
public final class Crc32c {
    private Crc32c() {
    }

    /** CRC32C of the buffer's remaining bytes; its position is not moved. */
    public static int of(ByteBuffer buffer) {
        CRC32C crc = new CRC32C();
        crc.update(buffer.duplicate());
        return (int) crc.getValue();
    }

    public static int of(ByteBuf buffer, int index, int length) {
        CRC32C crc = new CRC32C();
        update(crc, buffer, index, length);
        return (int) crc.getValue();
    }

    /** Feeds {@code length} bytes at {@code index} to {@code crc}; the buffer's indexes are not moved. */
    public static void update(CRC32C crc, ByteBuf buffer, int index, int length) {
        if (length == 0) {
            return;
        }
        if (buffer.hasArray()) {
            crc.update(buffer.array(), buffer.arrayOffset() + index, length);
        } else if (buffer.nioBufferCount() == 1) {
            // The internal NIO view is reused by the buffer, so this allocates nothing; CRC32C moves only its position.
            crc.update(buffer.internalNioBuffer(index, length));
        } else {
            for (ByteBuffer b : buffer.nioBuffers(index, length)) {
                crc.update(b);
            }
        }
    }

    /** The value to compare with a wire CRC32C field. */
    public static int value(CRC32C crc) {
        return (int) crc.getValue();
    }
}
