package io.spillway.perf.adapter;

import io.spillway.perf.harness.Batch;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;
import redis.clients.jedis.Jedis;
import redis.clients.jedis.Pipeline;
import redis.clients.jedis.Response;

/**
 * The Redis baseline (Jedis): SET/GET of {@code byte[]} values; a batch of n blocks is n pipelined SETs or GETs on
 * one connection, flushed and awaited together. Jedis returns a fresh array per GET, which the adapter hands back
 * as the result without copying it again.
 */
public final class RedisTarget implements BenchTarget {
    private static final int TIMEOUT_MILLIS = 30_000;

    private final String host;
    private final int port;
    private final int connections;
    private ConnectionSlots<Jedis> slots;

    public RedisTarget(String host, int port, int connections) {
        this.host = host;
        this.port = port;
        this.connections = connections;
    }

    @Override
    public String name() {
        return "redis";
    }

    @Override
    public void open(int workers) {
        List<Jedis> list = new ArrayList<>();
        for (int i = 0; i < connections; i++) {
            Jedis j = new Jedis(host, port, TIMEOUT_MILLIS);
            j.ping();
            list.add(j);
        }
        slots = new ConnectionSlots<>(list);
    }

    /** Jedis sends {@code byte[]}: heap buffers whose array is exactly the block. */
    @Override
    public ByteBuffer allocate(int bytes) {
        return ByteBuffer.allocate(bytes);
    }

    @Override
    public int put(int worker, Batch batch) throws InterruptedException {
        Jedis j = slots.take();
        try {
            if (batch.size() == 1) {
                j.set(key(batch.ids[0]), value(batch.sources[0]));
            } else {
                Pipeline p = j.pipelined();
                for (int i = 0; i < batch.size(); i++) {
                    p.set(key(batch.ids[i]), value(batch.sources[i]));
                }
                p.sync();
            }
            return batch.size();
        } finally {
            slots.giveBack(j);
        }
    }

    @Override
    public int get(int worker, Batch batch) throws InterruptedException {
        Jedis j = slots.take();
        try {
            if (batch.size() == 1) {
                return accept(batch, 0, j.get(key(batch.ids[0])));
            }
            Pipeline p = j.pipelined();
            List<Response<byte[]>> responses = new ArrayList<>(batch.size());
            for (int i = 0; i < batch.size(); i++) {
                responses.add(p.get(key(batch.ids[i])));
            }
            p.sync();
            int hits = 0;
            for (int i = 0; i < batch.size(); i++) {
                hits += accept(batch, i, responses.get(i).get());
            }
            return hits;
        } finally {
            slots.giveBack(j);
        }
    }

    private static int accept(Batch batch, int i, byte[] value) {
        batch.results[i] = value == null ? null : ByteBuffer.wrap(value);
        return value == null ? 0 : 1;
    }

    /** The whole backing array; the harness's heap buffers are exactly one block long. */
    private static byte[] value(ByteBuffer block) {
        byte[] array = block.array();
        if (block.arrayOffset() != 0 || block.position() != 0 || block.limit() != array.length) {
            throw new IllegalArgumentException("redis values must be whole heap arrays");
        }
        return array;
    }

    static byte[] key(long id) {
        byte[] k = new byte[11];
        k[0] = 's';
        k[1] = 'w';
        k[2] = ':';
        for (int i = 0; i < 8; i++) {
            k[3 + i] = (byte) (id >>> (56 - 8 * i));
        }
        return k;
    }

    @Override
    public void close() {
        if (slots != null) {
            slots.close();
        }
    }
}
