package io.spillway.perf.adapter;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.spillway.perf.harness.Batch;
import io.spillway.perf.harness.BlockPattern;
import io.spillway.perf.harness.LoadHarness;
import io.spillway.perf.harness.PhaseResult;
import io.spillway.perf.harness.PhaseSpec;
import io.spillway.perf.harness.ProgressLine;
import io.spillway.perf.harness.WritePattern;
import java.nio.ByteBuffer;
import java.time.Duration;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** The harness end to end against the raw TCP target and its sink server, in-process on loopback. */
class TcpTargetHarnessTest {
    private static final int BLOCK = 64 * 1024;

    private TcpSinkServer sink;
    private TcpTarget target;

    @BeforeEach
    void start() throws Exception {
        sink = TcpSinkServer.start("127.0.0.1", 0);
        target = new TcpTarget("127.0.0.1", sink.port(), 2);
        target.open(2);
    }

    @AfterEach
    void stop() {
        target.close();
        sink.close();
    }

    private static PhaseSpec spec(double readRatio, int batch) {
        return new PhaseSpec("test", BLOCK, batch, 2, readRatio, 16, WritePattern.FRESH, Duration.ofMillis(100),
            Duration.ofMillis(400));
    }

    @Test
    void mixedPhaseMovesVerifiedBytesBothWays() throws Exception {
        RecordingTarget recording = new RecordingTarget(target, 0);
        LoadHarness harness = new LoadHarness(recording, ProgressLine.silent());
        harness.preload(16, BLOCK, 4, 2);
        assertEquals(preloaded(16), recording.stored(), "every block of the working set put once, stamped with its id");
        assertTrue(recording.largestBatch() <= 4, "batches of at most 4: " + recording.largestBatch());
        assertEquals(4, recording.puts(), "16 blocks in batches of 4");
        PhaseResult r = harness.run(spec(0.5, 1));

        assertTrue(r.clean(), "errors=" + r.errors() + " first=" + r.firstError());
        assertTrue(r.get().requests() > 0 && r.put().requests() > 0, "both ops ran: " + r);
        assertEquals(r.get().blocks() * BLOCK, r.get().bytes());
        assertEquals(r.put().blocks() * BLOCK, r.put().bytes());
        assertEquals(0, r.get().misses());
        assertEquals(0, r.get().verifyFailures());
        assertTrue(r.seconds() >= 0.35 && r.seconds() < 5, "measured window " + r.seconds());
        assertTrue(r.get().gigabytesPerSecond() > 0);
        assertEquals(r.get().requests(), r.get().latency().count());
    }

    @Test
    void aPreloadPutsRefusedBlocksAgainUntilTheyAreStored() throws Exception {
        RecordingTarget refusing = new RecordingTarget(target, 3); // as Spillway's BACK_PRESSURE while it demotes
        new LoadHarness(refusing, ProgressLine.silent()).preload(10, BLOCK, 4, 1);
        assertEquals(preloaded(10), refusing.stored());
        assertEquals(3 + 3, refusing.puts(), "three refused, then 4 + 4 + 2 stored");
    }

    /** Block {@code i} stored once, for every {@code i} below {@code blocks}. */
    private static Map<Long, Integer> preloaded(int blocks) {
        Map<Long, Integer> once = new TreeMap<>();
        for (long i = 0; i < blocks; i++) {
            once.put(i, 1);
        }
        return once;
    }

    @Test
    void batchGetsCountBlocksAndRequestsApart() throws Exception {
        PhaseResult r = new LoadHarness(target, ProgressLine.silent()).run(spec(1.0, 8));
        assertTrue(r.clean(), String.valueOf(r.firstError()));
        assertTrue(r.get().requests() > 0);
        assertEquals(r.get().requests() * 8, r.get().blocks());
        assertEquals(0, r.put().requests());
    }

    @Test
    void corruptedBytesAreCaughtByVerification() throws Exception {
        BenchTarget corrupting = new CorruptingTarget(target);
        PhaseResult r = new LoadHarness(corrupting, ProgressLine.silent()).run(spec(1.0, 1));
        assertTrue(r.get().verifyFailures() > 0);
        assertEquals(0, r.get().blocks(), "no corrupted block may count as moved");
        assertNotNull(r.firstError());
        assertTrue(r.firstError().startsWith("verify:"), r.firstError());
    }

    @Test
    void aDeadServerEndsTheWorkersWithErrorsInsteadOfHanging() throws Exception {
        sink.close();
        PhaseResult r = new LoadHarness(target, ProgressLine.silent()).run(spec(1.0, 1));
        assertTrue(r.errors() > 0);
        assertTrue(!r.clean());
    }

    /**
     * Passes puts through to the TCP target (whose sink keeps nothing) and records which blocks it stored, how often,
     * and whether each source held its own id; refuses the first {@code refusals} puts (stores none of the batch).
     */
    private static final class RecordingTarget implements BenchTarget {
        private final BenchTarget inner;
        private final AtomicInteger refusalsLeft;
        private final AtomicInteger puts = new AtomicInteger();
        private final AtomicInteger largestBatch = new AtomicInteger();
        private final Map<Long, Integer> stored = new ConcurrentHashMap<>();

        RecordingTarget(BenchTarget inner, int refusals) {
            this.inner = inner;
            this.refusalsLeft = new AtomicInteger(refusals);
        }

        @Override
        public String name() {
            return "recording";
        }

        @Override
        public void open(int workers) {
        }

        @Override
        public int put(int worker, Batch batch) throws Exception {
            puts.incrementAndGet();
            largestBatch.accumulateAndGet(batch.size(), Math::max);
            if (refusalsLeft.getAndUpdate(n -> Math.max(0, n - 1)) > 0) {
                return 0;
            }
            int n = inner.put(worker, batch);
            for (int i = 0; i < n; i++) {
                String wrong = BlockPattern.check(batch.sources[i].duplicate(), batch.ids[i], batch.blockBytes());
                stored.merge(wrong == null ? batch.ids[i] : -1 - batch.ids[i], 1, Integer::sum);
            }
            return n;
        }

        @Override
        public int get(int worker, Batch batch) throws Exception {
            return inner.get(worker, batch);
        }

        /** Stored block id to times stored; a block whose source did not hold its id shows as {@code -1 - id}. */
        Map<Long, Integer> stored() {
            return new TreeMap<>(stored);
        }

        int puts() {
            return puts.get();
        }

        int largestBatch() {
            return largestBatch.get();
        }

        @Override
        public void close() {
        }
    }

    /** Passes everything through, but flips the last byte of every block a get returns. */
    private record CorruptingTarget(BenchTarget inner) implements BenchTarget {
        @Override
        public String name() {
            return "corrupting";
        }

        @Override
        public void open(int workers) {
        }

        @Override
        public int put(int worker, Batch batch) throws Exception {
            return inner.put(worker, batch);
        }

        @Override
        public int get(int worker, Batch batch) throws Exception {
            int hits = inner.get(worker, batch);
            for (ByteBuffer b : batch.results) {
                int last = b.limit() - 1;
                b.put(last, (byte) ~b.get(last));
            }
            return hits;
        }

        @Override
        public void close() {
        }
    }
}
