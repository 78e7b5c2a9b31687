package io.spillway.perf.cluster;

import io.spillway.client.GetResult;
import io.spillway.client.KvClient;
import io.spillway.client.PutResult;
import io.spillway.key.BlockKey;
import io.spillway.perf.history.History;
import io.spillway.perf.history.HistoryLog;
import io.spillway.perf.history.ValueId;
import io.spillway.protocol.ErrorCode;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.BitSet;
import java.util.List;
import java.util.SplittableRandom;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Mixed load that checks every byte: each worker puts batches of new blocks (bytes derived from the key, see
 * {@link BlockBytes}) and reads back random blocks it has had acknowledged. A get of an acknowledged block that
 * misses or fails counts as a failed get; a hit with bytes that are not the key's counts as a wrong block. Counts go
 * to a {@link Timeline} per second. Public for the container tests (deploy/container-tests), which run it against
 * nodes in containers. With {@link #recordHistory(int)} every operation also goes to a {@link History} that
 * {@link io.spillway.perf.history.HistoryChecker} checks (docs/reliability.md).
 */
public final class VerifyingLoad {
    private final KvClient client;
    private final BlockKey namespace;
    private final int blockBytes;
    private final int batch;
    private final double putShare;
    private final int keysPerWorker;
    private final List<Worker> workers = new ArrayList<>();
    private final AtomicBoolean stop = new AtomicBoolean();
    private final AtomicLong wrong = new AtomicLong();
    private final List<String> wrongExamples = new ArrayList<>();
    private final ValueId finalValueId = new ValueId();
    private HistoryLog finalLog;

    /**
     * @param keysPerWorker each worker's key space: once every key has been put, puts go round again (a put of a
     *                      key already stored is acknowledged without change), so the working set stays bounded
     */
    public VerifyingLoad(KvClient client, BlockKey namespace, int blockBytes, int batch, double putShare, int threads,
                  int keysPerWorker, long seed) {
        if (keysPerWorker < batch) {
            throw new IllegalArgumentException("keys per worker " + keysPerWorker + " below the batch " + batch);
        }
        this.keysPerWorker = keysPerWorker;
        this.client = client;
        this.namespace = namespace;
        this.blockBytes = blockBytes;
        this.batch = batch;
        this.putShare = putShare;
        for (int i = 0; i < threads; i++) {
            workers.add(new Worker(i, seed));
        }
    }

    /**
     * Records every operation of the next run (one entry per block: a batch of {@code batch} blocks is {@code batch}
     * entries) into logs preallocated for {@code opsPerWorker} entries per worker, about 46 bytes each; a worker whose
     * log is full stops recording and counts the drops. {@link #verifyAll()}'s final reads are recorded too, as
     * process {@code threads}, room for two final reads of every key. Call before {@link #start}.
     */
    public void recordHistory(int opsPerWorker) {
        for (Worker w : workers) {
            w.log = new HistoryLog(w.id, opsPerWorker);
        }
        finalLog = new HistoryLog(workers.size(), Math.multiplyExact(2 * keysPerWorker, workers.size()));
    }

    /** The history recorded since {@link #recordHistory(int)}; call after {@link #stop()}. */
    public History history() {
        List<HistoryLog> logs = new ArrayList<>();
        for (Worker w : workers) {
            if (w.log == null) {
                throw new IllegalStateException("no history recorded: call recordHistory before start");
            }
            logs.add(w.log);
        }
        logs.add(finalLog);
        return History.of(logs);
    }

    /** Runs the workers until {@link #stop()}, counting into {@code timeline}. */
    public void start(Timeline timeline) {
        stop.set(false);
        for (Worker w : workers) {
            w.timeline = timeline;
            w.thread = new Thread(w, "load-" + w.id);
            w.thread.setDaemon(true);
            w.thread.start();
        }
    }

    public void stop() throws InterruptedException {
        stop.set(true);
        for (Worker w : workers) {
            if (w.thread != null) {
                w.thread.join();
                w.thread = null;
            }
        }
    }

    public long wrongBlocks() {
        return wrong.get();
    }

    public synchronized List<String> wrongExamples() {
        return List.copyOf(wrongExamples);
    }

    public long ackedBlocks() {
        long n = 0;
        for (Worker w : workers) {
            n += w.acked.cardinality();
        }
        return n;
    }

    /** Reads every acknowledged block once: {@code [hits, misses, failed, wrong]}. */
    public long[] verifyAll() {
        long[] out = new long[4];
        ByteBuffer[] dst = buffers();
        for (Worker w : workers) {
            List<BlockKey> keys = new ArrayList<>();
            for (int s = w.acked.nextSetBit(0); s >= 0; s = w.acked.nextSetBit(s + 1)) {
                keys.add(w.key(s));
                if (keys.size() == batch) {
                    check(keys, dst, out);
                    keys.clear();
                }
            }
            if (!keys.isEmpty()) {
                check(keys, dst, out);
            }
        }
        return out;
    }

    private void check(List<BlockKey> keys, ByteBuffer[] dst, long[] out) {
        BlockKey[] k = keys.toArray(BlockKey[]::new);
        ByteBuffer[] d = Arrays.copyOf(dst, k.length);
        for (ByteBuffer b : d) {
            b.clear();
        }
        long invoked = System.nanoTime();
        try {
            GetResult r = client.get(namespace, k, d).join();
            long now = System.nanoTime();
            for (int i = 0; i < k.length; i++) {
                if (finalLog != null) {
                    ErrorCode status = r.statuses()[i];
                    finalLog.record(History.GET, status == ErrorCode.OK ? History.OK
                            : status == ErrorCode.NOT_FOUND ? History.MISS : History.FAIL, k[i].hi(), k[i].lo(),
                        invoked, now, status == ErrorCode.OK ? finalValueId.of(d[i]) : History.NO_VALUE);
                }
                if (r.statuses()[i] == ErrorCode.OK) {
                    if (BlockBytes.matches(k[i], d[i], blockBytes)) {
                        out[0]++;
                    } else {
                        out[3]++;
                        recordWrong(k[i], "verification");
                    }
                } else if (r.statuses()[i] == ErrorCode.NOT_FOUND) {
                    out[1]++;
                } else {
                    out[2]++;
                }
            }
        } catch (RuntimeException e) {
            out[2] += k.length;
            if (finalLog != null) {
                long now = System.nanoTime();
                for (BlockKey key : k) {
                    finalLog.record(History.GET, History.INFO, key.hi(), key.lo(), invoked, now, History.NO_VALUE);
                }
            }
        }
    }

    private ByteBuffer[] buffers() {
        ByteBuffer[] b = new ByteBuffer[batch];
        for (int i = 0; i < batch; i++) {
            b[i] = ByteBuffer.allocateDirect(blockBytes);
        }
        return b;
    }

    private synchronized void recordWrong(BlockKey key, String where) {
        wrong.incrementAndGet();
        if (wrongExamples.size() < 10) {
            wrongExamples.add(key + " (" + where + ")");
        }
    }

    private final class Worker implements Runnable {
        final int id;
        final SplittableRandom random;
        final BitSet acked = new BitSet();
        final long salt;
        final ValueId valueId = new ValueId();
        final long[] values = new long[batch];
        int next;
        HistoryLog log;
        Timeline timeline;
        Thread thread;

        Worker(int id, long seed) {
            this.id = id;
            this.random = new SplittableRandom(seed * 31 + id);
            this.salt = new SplittableRandom(seed ^ 0x5eedL).nextLong() + id;
        }

        BlockKey key(int seq) {
            SplittableRandom r = new SplittableRandom(salt * 1_000_003L + seq);
            return new BlockKey(r.nextLong(), r.nextLong());
        }

        @Override
        public void run() {
            ByteBuffer[] dst = buffers();
            ByteBuffer[] src = buffers();
            while (!stop.get()) {
                if (acked.isEmpty() || random.nextDouble() < putShare) {
                    put(src);
                } else {
                    get(dst);
                }
            }
        }

        private void put(ByteBuffer[] src) {
            BlockKey[] keys = new BlockKey[batch];
            int first = next;
            next += batch;
            int[] seqs = new int[batch];
            for (int i = 0; i < batch; i++) {
                seqs[i] = (first + i) % keysPerWorker;
                keys[i] = key(seqs[i]);
                src[i].clear();
                BlockBytes.fill(keys[i], src[i], blockBytes);
                if (log != null) {
                    values[i] = valueId.of(src[i]);
                }
            }
            long invoked = log == null ? 0 : System.nanoTime();
            try {
                PutResult r = client.put(namespace, keys, src).join();
                long now = System.nanoTime();
                long ok = 0;
                for (int i = 0; i < batch; i++) {
                    ErrorCode status = r.statuses()[i];
                    if (status == ErrorCode.OK) {
                        acked.set(seqs[i]);
                        ok++;
                    }
                    if (log != null) {
                        byte outcome = status == ErrorCode.OK ? History.OK
                            : status.category() == ErrorCode.Category.RETRYABLE ? History.INFO : History.FAIL;
                        log.record(History.PUT, outcome, keys[i].hi(), keys[i].lo(), invoked, now, values[i]);
                    }
                }
                timeline.add(now, Timeline.PUTS_OK, ok);
                timeline.add(now, Timeline.PUTS_FAILED, batch - ok);
                timeline.add(now, Timeline.OPS, ok);
                timeline.add(now, Timeline.BYTES, ok * blockBytes);
            } catch (RuntimeException e) {
                long now = System.nanoTime();
                timeline.add(now, Timeline.PUTS_FAILED, batch);
                if (log != null) {
                    for (int i = 0; i < batch; i++) {
                        log.record(History.PUT, History.INFO, keys[i].hi(), keys[i].lo(), invoked, now, values[i]);
                    }
                }
            }
        }

        private void get(ByteBuffer[] dst) {
            BlockKey[] keys = new BlockKey[batch];
            for (int i = 0; i < batch; i++) {
                int seq = random.nextInt(Math.min(next, keysPerWorker));
                seq = acked.nextSetBit(seq);
                if (seq < 0) {
                    seq = acked.nextSetBit(0);
                }
                keys[i] = key(seq);
                dst[i].clear();
            }
            long invoked = log == null ? 0 : System.nanoTime();
            try {
                GetResult r = client.get(namespace, keys, dst).join();
                if (log != null) {
                    recordGets(keys, dst, r, invoked, System.nanoTime());
                }
                long ok = 0;
                for (int i = 0; i < batch; i++) {
                    if (r.statuses()[i] == ErrorCode.OK) {
                        if (BlockBytes.matches(keys[i], dst[i], blockBytes)) {
                            ok++;
                        } else {
                            recordWrong(keys[i], "load");
                            timeline.add(System.nanoTime(), Timeline.WRONG, 1);
                        }
                    }
                }
                long now = System.nanoTime();
                timeline.add(now, Timeline.GETS_OK, ok);
                timeline.add(now, Timeline.GETS_FAILED, batch - ok);
                timeline.add(now, Timeline.OPS, ok);
                timeline.add(now, Timeline.BYTES, ok * blockBytes);
            } catch (RuntimeException e) {
                long now = System.nanoTime();
                timeline.add(now, Timeline.GETS_FAILED, batch);
                if (log != null) {
                    for (int i = 0; i < batch; i++) {
                        log.record(History.GET, History.INFO, keys[i].hi(), keys[i].lo(), invoked, now,
                            History.NO_VALUE);
                    }
                }
            }
        }

        private void recordGets(BlockKey[] keys, ByteBuffer[] dst, GetResult r, long invoked, long now) {
            for (int i = 0; i < batch; i++) {
                ErrorCode status = r.statuses()[i];
                byte outcome = status == ErrorCode.OK ? History.OK
                    : status == ErrorCode.NOT_FOUND ? History.MISS : History.FAIL;
                long v = status == ErrorCode.OK ? valueId.of(dst[i]) : History.NO_VALUE;
                log.record(History.GET, outcome, keys[i].hi(), keys[i].lo(), invoked, now, v);
            }
        }
    }
}
