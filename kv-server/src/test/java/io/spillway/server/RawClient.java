package io.spillway.server;

import io.spillway.key.BlockKey;
import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.OutputStream;
import java.net.Socket;
import java.net.SocketException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.zip.CRC32C;

/**
 * A client that writes protocol bytes by hand on a plain {@link Socket} and parses answers by hand, independent of
 * kv-client's codec, so tests can send exactly the broken frames they mean to.
 */
final class RawClient implements AutoCloseable {
    static final int PUT = 1;
    static final int GET = 2;
    static final int LOOKUP = 3;
    static final int PING = 4;

    record Frame(int op, int flags, int status, int requestId, byte[] body) {
        ByteBuffer le() {
            return ByteBuffer.wrap(body).order(ByteOrder.LITTLE_ENDIAN);
        }

        String message() {
            ByteBuffer b = le();
            int n = b.getShort() & 0xFFFF;
            return new String(body, 2, n, StandardCharsets.UTF_8);
        }

        int[] putStatuses() {
            ByteBuffer b = le();
            int[] s = new int[b.getInt()];
            for (int i = 0; i < s.length; i++) {
                s[i] = b.getShort() & 0xFFFF;
            }
            return s;
        }

        List<Entry> entries() {
            ByteBuffer b = le();
            int n = b.getInt();
            List<Entry> out = new ArrayList<>(n);
            for (int i = 0; i < n; i++) {
                int status = b.getShort() & 0xFFFF;
                int tier = b.get();
                b.get();
                byte[] bytes = new byte[b.getInt()];
                int crc = b.getInt();
                b.get(bytes);
                out.add(new Entry(status, tier, bytes, crc));
            }
            return out;
        }
    }

    record Entry(int status, int tier, byte[] bytes, int crc) {
    }

    private final Socket socket;
    private final DataInputStream in;
    private final OutputStream out;

    RawClient(int port) throws IOException {
        socket = new Socket("127.0.0.1", port);
        socket.setSoTimeout(10_000);
        in = new DataInputStream(socket.getInputStream());
        out = socket.getOutputStream();
    }

    void write(byte[] bytes) throws IOException {
        out.write(bytes);
        out.flush();
    }

    Frame read() throws IOException {
        byte[] h = new byte[16];
        in.readFully(h);
        ByteBuffer b = ByteBuffer.wrap(h).order(ByteOrder.LITTLE_ENDIAN);
        int magic = b.getShort(0) & 0xFFFF;
        if (magic != 0x5753 || b.get(2) != 1) {
            throw new IOException("bad response header " + HexFormat.of().formatHex(h));
        }
        byte[] body = new byte[b.getInt(12)];
        in.readFully(body);
        return new Frame(b.get(3) & 0xFF, b.getShort(4) & 0xFFFF, b.getShort(6) & 0xFFFF, b.getInt(8), body);
    }

    /** True when the server closed the connection (end of stream or reset) before sending anything more. */
    boolean closedByServer() throws IOException {
        try {
            return in.read() < 0;
        } catch (EOFException | SocketException e) {
            return true;
        }
    }

    @Override
    public void close() throws IOException {
        socket.close();
    }

    static byte[] header(int magic, int version, int op, int requestId, long bodyLength) {
        return ByteBuffer.allocate(16).order(ByteOrder.LITTLE_ENDIAN).putShort((short) magic).put((byte) version)
            .put((byte) op).putShort((short) 0).putShort((short) 0).putInt(requestId).putInt((int) bodyLength)
            .array();
    }

    static int crc(byte[] bytes) {
        CRC32C c = new CRC32C();
        c.update(bytes);
        return (int) c.getValue();
    }

    static byte[] putFrame(int requestId, BlockKey ns, BlockKey[] keys, byte[][] blocks) {
        int[] crcs = new int[blocks.length];
        for (int i = 0; i < blocks.length; i++) {
            crcs[i] = crc(blocks[i]);
        }
        return putFrame(requestId, ns, keys, blocks, crcs);
    }

    static byte[] putFrame(int requestId, BlockKey ns, BlockKey[] keys, byte[][] blocks, int[] crcs) {
        ByteArrayOutputStream body = new ByteArrayOutputStream();
        body.writeBytes(ns.toBytes());
        body.writeBytes(le(keys.length));
        for (int i = 0; i < keys.length; i++) {
            body.writeBytes(keys[i].toBytes());
            body.writeBytes(le(blocks[i].length));
            body.writeBytes(le(crcs[i]));
            body.writeBytes(blocks[i]);
        }
        return frame(PUT, requestId, body.toByteArray());
    }

    static byte[] keysFrame(int op, int requestId, BlockKey ns, BlockKey... keys) {
        ByteArrayOutputStream body = new ByteArrayOutputStream();
        body.writeBytes(ns.toBytes());
        body.writeBytes(le(keys.length));
        for (BlockKey k : keys) {
            body.writeBytes(k.toBytes());
        }
        return frame(op, requestId, body.toByteArray());
    }

    static byte[] frame(int op, int requestId, byte[] body) {
        ByteArrayOutputStream f = new ByteArrayOutputStream();
        f.writeBytes(header(0x5753, 1, op, requestId, body.length));
        f.writeBytes(body);
        return f.toByteArray();
    }

    static byte[] le(int v) {
        return ByteBuffer.allocate(4).order(ByteOrder.LITTLE_ENDIAN).putInt(v).array();
    }
}
