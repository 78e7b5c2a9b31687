package io.spillway.perf.adapter;

import java.io.EOFException;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.SocketChannel;

/**
 * The raw loopback protocol of the TCP ceiling: a 16-byte header (op, count, block bytes, 0, little-endian), the
 * request's block ids (8 bytes each), then for a put the blocks' bytes. A put is answered with the stored count
 * (4 bytes), a get with the blocks' bytes back to back. Nothing else: the least work a block store could do.
 */
final class TcpWire {
    static final int OP_PUT = 1;
    static final int OP_GET = 2;
    static final int HEADER_BYTES = 16;
    static final int MAX_BATCH = 4096;

    private TcpWire() {
    }

    static ByteBuffer headerBuffer() {
        return ByteBuffer.allocateDirect(HEADER_BYTES + 8 * MAX_BATCH).order(ByteOrder.LITTLE_ENDIAN);
    }

    /** Fills {@code header} (cleared and flipped) with the request header and ids. */
    static void writeHeader(ByteBuffer header, int op, long[] ids, int count, int blockBytes) {
        if (count > MAX_BATCH) {
            throw new IllegalArgumentException("tcp batch must be <= " + MAX_BATCH + ", got " + count);
        }
        header.clear();
        header.putInt(op).putInt(count).putInt(blockBytes).putInt(0);
        for (int i = 0; i < count; i++) {
            header.putLong(ids[i]);
        }
        header.flip();
    }

    static void writeFully(SocketChannel channel, ByteBuffer[] buffers) throws IOException {
        long left = 0;
        for (ByteBuffer b : buffers) {
            left += b.remaining();
        }
        while (left > 0) {
            left -= channel.write(buffers);
        }
    }

    static void writeFully(SocketChannel channel, ByteBuffer buffer) throws IOException {
        while (buffer.hasRemaining()) {
            channel.write(buffer);
        }
    }

    static void readFully(SocketChannel channel, ByteBuffer buffer) throws IOException {
        while (buffer.hasRemaining()) {
            if (channel.read(buffer) < 0) {
                throw new EOFException("connection closed with " + buffer.remaining() + " bytes still expected");
            }
        }
    }
}
