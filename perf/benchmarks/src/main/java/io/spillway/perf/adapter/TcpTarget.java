package io.spillway.perf.adapter;

import io.spillway.perf.harness.Batch;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.SocketChannel;
import java.util.ArrayList;
import java.util.List;

/**
 * The ceiling: the same blocks over the same number of loopback TCP connections to a {@link TcpSinkServer},
 * with no store behind it. Whatever a real target reaches is a fraction of this.
 */
public final class TcpTarget implements BenchTarget {
    private final String host;
    private final int port;
    private final int connections;
    private ConnectionSlots<Connection> slots;

    public TcpTarget(String host, int port, int connections) {
        this.host = host;
        this.port = port;
        this.connections = connections;
    }

    @Override
    public String name() {
        return "tcp";
    }

    @Override
    public void open(int workers) throws IOException {
        List<Connection> list = new ArrayList<>();
        for (int i = 0; i < connections; i++) {
            SocketChannel ch = SocketChannel.open(new InetSocketAddress(host, port));
            ch.socket().setTcpNoDelay(true);
            list.add(new Connection(ch));
        }
        slots = new ConnectionSlots<>(list);
    }

    @Override
    public int put(int worker, Batch batch) throws Exception {
        Connection c = slots.take();
        try {
            TcpWire.writeHeader(c.header, TcpWire.OP_PUT, batch.ids, batch.size(), batch.blockBytes());
            ByteBuffer[] out = c.gather(batch);
            TcpWire.writeFully(c.channel, out);
            c.reply.clear();
            TcpWire.readFully(c.channel, c.reply);
            return c.reply.getInt(0);
        } finally {
            slots.giveBack(c);
        }
    }

    @Override
    public int get(int worker, Batch batch) throws Exception {
        Connection c = slots.take();
        try {
            TcpWire.writeHeader(c.header, TcpWire.OP_GET, batch.ids, batch.size(), batch.blockBytes());
            TcpWire.writeFully(c.channel, c.header);
            for (int i = 0; i < batch.size(); i++) {
                ByteBuffer dest = batch.results[i];
                dest.limit(dest.position() + batch.blockBytes());
                TcpWire.readFully(c.channel, dest);
                dest.flip();
            }
            return batch.size();
        } finally {
            slots.giveBack(c);
        }
    }

    @Override
    public void close() {
        if (slots != null) {
            slots.close();
        }
    }

    private static final class Connection implements AutoCloseable {
        final SocketChannel channel;
        final ByteBuffer header = TcpWire.headerBuffer();
        final ByteBuffer reply = ByteBuffer.allocateDirect(4).order(ByteOrder.LITTLE_ENDIAN);
        ByteBuffer[] gather = new ByteBuffer[0];

        Connection(SocketChannel channel) {
            this.channel = channel;
        }

        /** Header then each source's bytes, as views so the sources' positions do not move. */
        ByteBuffer[] gather(Batch batch) {
            if (gather.length != batch.size() + 1) {
                gather = new ByteBuffer[batch.size() + 1];
            }
            gather[0] = header;
            for (int i = 0; i < batch.size(); i++) {
                gather[i + 1] = batch.sources[i].duplicate();
            }
            return gather;
        }

        @Override
        public void close() throws IOException {
            channel.close();
        }
    }
}
