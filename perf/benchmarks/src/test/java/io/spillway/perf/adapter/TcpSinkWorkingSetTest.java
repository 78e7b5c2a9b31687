package io.spillway.perf.adapter;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;

import io.spillway.perf.harness.BlockPattern;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.SocketChannel;
import org.junit.jupiter.api.Test;

/**
 * The memory-backed TCP ceiling ({@code --tcp-ceiling memory}): a put's bytes land in the id's slot of the working
 * set and a get of that id streams them back, where the cache-hot ceiling drains puts and streams one template.
 */
class TcpSinkWorkingSetTest {
    private static final int BLOCK = 64 * 1024;

    @Test
    void aGetStreamsThePutBytesOfItsIdFromTheWorkingSet() throws Exception {
        try (TcpSinkServer sink = TcpSinkServer.start("127.0.0.1", 0, 4L * BLOCK);
             SocketChannel ch = SocketChannel.open(new InetSocketAddress("127.0.0.1", sink.port()))) {
            ByteBuffer one = block(1, (byte) 0x11);
            ByteBuffer two = block(2, (byte) 0x22);
            put(ch, new long[] {1, 2}, one, two);
            assertEquals(one.duplicate().clear(), get(ch, 1), "block 1 as put");
            assertEquals(two.duplicate().clear(), get(ch, 2), "block 2 as put");
            assertNull(BlockPattern.check(get(ch, 2), 2, BLOCK), "a got block passes the bench's own check");
        }
    }

    @Test
    void theCacheHotCeilingDrainsPutsAndStreamsItsTemplate() throws Exception {
        try (TcpSinkServer sink = TcpSinkServer.start("127.0.0.1", 0);
             SocketChannel ch = SocketChannel.open(new InetSocketAddress("127.0.0.1", sink.port()))) {
            ByteBuffer one = block(1, (byte) 0x11);
            put(ch, new long[] {1}, one);
            ByteBuffer got = get(ch, 1);
            assertNull(BlockPattern.check(got, 1, BLOCK));
            assertNotEquals(one.duplicate().clear(), got, "nothing of the put is kept");
        }
    }

    @Test
    void aNegativeWorkingSetIsRefused() {
        assertThrows(IllegalArgumentException.class, () -> TcpSinkServer.start("127.0.0.1", 0, -1));
    }

    /** A stamped block of {@code id} whose other bytes are all {@code fill}. */
    private static ByteBuffer block(long id, byte fill) {
        ByteBuffer b = ByteBuffer.allocateDirect(BLOCK);
        while (b.hasRemaining()) {
            b.put(fill);
        }
        BlockPattern.stamp(b, id, BLOCK);
        return b;
    }

    private static void put(SocketChannel ch, long[] ids, ByteBuffer... blocks) throws Exception {
        ByteBuffer header = TcpWire.headerBuffer();
        TcpWire.writeHeader(header, TcpWire.OP_PUT, ids, ids.length, BLOCK);
        ByteBuffer[] out = new ByteBuffer[blocks.length + 1];
        out[0] = header;
        for (int i = 0; i < blocks.length; i++) {
            out[i + 1] = blocks[i].duplicate().clear();
        }
        TcpWire.writeFully(ch, out);
        ByteBuffer reply = ByteBuffer.allocate(4);
        TcpWire.readFully(ch, reply);
    }

    private static ByteBuffer get(SocketChannel ch, long id) throws Exception {
        ByteBuffer header = TcpWire.headerBuffer();
        TcpWire.writeHeader(header, TcpWire.OP_GET, new long[] {id}, 1, BLOCK);
        TcpWire.writeFully(ch, header);
        ByteBuffer got = ByteBuffer.allocateDirect(BLOCK);
        TcpWire.readFully(ch, got);
        return got.flip();
    }
}
