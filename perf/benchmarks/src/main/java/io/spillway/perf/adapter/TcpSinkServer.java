package io.spillway.perf.adapter;

import io.spillway.perf.harness.BlockPattern;
import java.io.IOException;
import java.lang.System.Logger;
import java.lang.System.Logger.Level;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.ClosedChannelException;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;

/**
 * The far end of the TCP ceiling ({@link TcpWire}): drains put bytes into a scratch buffer, answers gets by
 * streaming a stamped block per id. One thread per connection, blocking I/O, no copies beyond the socket's.
 * Runs in-process ({@link #start}) or as a child process ({@link #main}: prints {@code LISTENING <port>}).
 *
 * <p>With a working set ({@code --working-set-bytes}, {@link #start(String, int, long)}) the same wire moves the
 * bytes from and to memory as a store must: a put lands each block in its slot of a set of that many bytes (slot
 * {@code id mod slots}), a get streams the id's slot. Without one, a put drains into one reused 1 MiB buffer and a
 * get streams one reused block: both stay in the CPU's caches, which no store's working set does.
 */
public final class TcpSinkServer implements AutoCloseable {
    private static final Logger LOG = System.getLogger(TcpSinkServer.class.getName());
    private static final int SCRATCH_BYTES = 1 << 20;

    private final ServerSocketChannel server;
    private final List<SocketChannel> connections = new CopyOnWriteArrayList<>();
    /** Bytes of the memory-backed working set, or 0 for the cache-hot buffers. */
    private final long workingSetBytes;
    /** The working set's slots by block size, allocated on first use. */
    private final Map<Integer, ByteBuffer[]> slotsBySize = new ConcurrentHashMap<>();
    private volatile boolean closed;

    private TcpSinkServer(ServerSocketChannel server, long workingSetBytes) {
        this.server = server;
        this.workingSetBytes = workingSetBytes;
    }

    /** Listens on {@code host:port} ({@code 0}: any free port) and serves in background threads. */
    public static TcpSinkServer start(String host, int port) throws IOException {
        return start(host, port, 0);
    }

    /**
     * As {@link #start(String, int)}, moving blocks from and to a working set of {@code workingSetBytes} in memory
     * ({@code 0}: the cache-hot buffers).
     */
    public static TcpSinkServer start(String host, int port, long workingSetBytes) throws IOException {
        if (workingSetBytes < 0) {
            throw new IllegalArgumentException("working set must be >= 0 bytes, got " + workingSetBytes);
        }
        ServerSocketChannel ch = ServerSocketChannel.open();
        ch.bind(new InetSocketAddress(host, port), 64);
        TcpSinkServer s = new TcpSinkServer(ch, workingSetBytes);
        Thread acceptor = new Thread(s::acceptLoop, "tcp-sink-accept");
        acceptor.setDaemon(true);
        acceptor.start();
        return s;
    }

    public int port() {
        try {
            return ((InetSocketAddress) server.getLocalAddress()).getPort();
        } catch (IOException e) {
            throw new IllegalStateException("sink server has no address", e);
        }
    }

    private void acceptLoop() {
        while (!closed) {
            try {
                SocketChannel c = server.accept();
                c.socket().setTcpNoDelay(true);
                connections.add(c);
                Thread t = new Thread(() -> serve(c), "tcp-sink-conn");
                t.setDaemon(true);
                t.start();
            } catch (ClosedChannelException e) {
                return;
            } catch (IOException e) {
                if (!closed) {
                    LOG.log(Level.WARNING, "tcp sink: accept failed: " + e);
                }
                return;
            }
        }
    }

    private void serve(SocketChannel c) {
        ByteBuffer header = TcpWire.headerBuffer();
        ByteBuffer scratch = ByteBuffer.allocateDirect(SCRATCH_BYTES);
        ByteBuffer reply = ByteBuffer.allocateDirect(4).order(ByteOrder.LITTLE_ENDIAN);
        ByteBuffer block = null;
        try (c) {
            while (!closed) {
                header.clear().limit(TcpWire.HEADER_BYTES);
                TcpWire.readFully(c, header);
                int op = header.getInt(0);
                int count = header.getInt(4);
                int blockBytes = header.getInt(8);
                if (count < 0 || count > TcpWire.MAX_BATCH || blockBytes < 0) {
                    throw new IOException("bad request: op=" + op + " count=" + count + " blockBytes=" + blockBytes);
                }
                header.limit(TcpWire.HEADER_BYTES + 8 * count);
                TcpWire.readFully(c, header);
                if (op == TcpWire.OP_PUT) {
                    if (workingSetBytes > 0) {
                        for (int i = 0; i < count; i++) {
                            ByteBuffer slot = slot(header.getLong(TcpWire.HEADER_BYTES + 8 * i), blockBytes);
                            TcpWire.readFully(c, slot.limit(blockBytes));
                        }
                    } else {
                        long left = (long) count * blockBytes;
                        while (left > 0) {
                            scratch.clear().limit((int) Math.min(scratch.capacity(), left));
                            TcpWire.readFully(c, scratch);
                            left -= scratch.limit();
                        }
                    }
                    reply.clear();
                    reply.putInt(0, count);
                    TcpWire.writeFully(c, reply);
                } else if (op == TcpWire.OP_GET) {
                    if (workingSetBytes == 0 && (block == null || block.capacity() != blockBytes)) {
                        block = ByteBuffer.allocateDirect(blockBytes);
                        BlockPattern.fillTemplate(block);
                    }
                    for (int i = 0; i < count; i++) {
                        long id = header.getLong(TcpWire.HEADER_BYTES + 8 * i);
                        ByteBuffer source = workingSetBytes > 0 ? slot(id, blockBytes) : block;
                        BlockPattern.stamp(source, id, blockBytes);
                        TcpWire.writeFully(c, source);
                    }
                } else {
                    throw new IOException("unknown op " + op);
                }
            }
        } catch (IOException e) {
            // client went away (normal at the end of a phase) or sent garbage: drop the connection
        } finally {
            connections.remove(c);
        }
    }

    /**
     * The slot of block {@code id} (a view of its own; position 0), the set of {@code blockBytes}-byte slots made and
     * filled on first use. Ids below the slot count (the bench's working set) each have a slot of their own.
     */
    private ByteBuffer slot(long id, int blockBytes) {
        ByteBuffer[] slots = slotsBySize.computeIfAbsent(blockBytes, size -> {
            long n = Math.max(1, workingSetBytes / size);
            if (n > Integer.MAX_VALUE - 8) {
                throw new IllegalArgumentException("working set of " + workingSetBytes + " bytes is too many blocks of "
                    + size);
            }
            ByteBuffer[] made = new ByteBuffer[(int) n];
            for (int i = 0; i < made.length; i++) {
                made[i] = ByteBuffer.allocateDirect(size);
                BlockPattern.fillTemplate(made[i]);
            }
            return made;
        });
        return slots[(int) Math.floorMod(id, (long) slots.length)].duplicate();
    }

    @Override
    public void close() {
        closed = true;
        try {
            server.close();
        } catch (IOException ignored) {
            // already closed
        }
        for (SocketChannel c : connections) {
            try {
                c.close();
            } catch (IOException ignored) {
                // already closed
            }
        }
    }

    /** {@code TcpSinkServer [--bind ADDR] [--port N] [--working-set-bytes N]}: serves until killed. */
    public static void main(String[] args) throws Exception {
        String host = "127.0.0.1";
        int port = 0;
        long workingSet = 0;
        for (int i = 0; i < args.length; i++) {
            switch (args[i]) {
                case "--bind" -> host = args[++i];
                case "--port" -> port = Integer.parseInt(args[++i]);
                case "--working-set-bytes" -> workingSet = Long.parseLong(args[++i]);
                default -> throw new IllegalArgumentException("unknown option " + args[i]
                    + " (use --bind, --port, --working-set-bytes)");
            }
        }
        TcpSinkServer s = start(host, port, workingSet);
        System.out.println("LISTENING " + s.port());
        System.out.flush();
        Thread.currentThread().join();
    }
}
