package io.spillway.perf.harness;

import io.spillway.perf.adapter.BenchTarget;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import java.util.concurrent.atomic.LongAdder;

/**
 * Drives a {@link BenchTarget} with closed-loop workers (one request in flight per thread) for one phase, and
 * reports through a {@link ProgressLine} once a second. The same harness, threads and batches drive every target.
 *
 * <p>The latency of a request covers the target call only: stamping before a put and verifying after a get happen
 * outside the timed section.
 */
public final class LoadHarness implements SliceRunner {
    /** A worker gives up after this many request failures in a row (the target is gone). */
    private static final int MAX_CONSECUTIVE_ERRORS = 5;
    /** Fresh put ids start here, far from the working set {@code [0, blocks)}. */
    private static final long FRESH_ID_BASE = 1L << 40;
    /** How long a preload keeps retrying blocks a target refuses. */
    private static final long PRELOAD_RETRY_NANOS = 60_000_000_000L;

    private final BenchTarget target;
    private final ProgressLine progress;
    private final AtomicLong freshIds = new AtomicLong(FRESH_ID_BASE);

    public LoadHarness(BenchTarget target, ProgressLine progress) {
        this.target = target;
        this.progress = progress;
    }

    /** Writes every block of the working set once, {@code batch} blocks per request; returns the seconds taken. */
    public double preload(long blocks, int blockBytes, int batch, int threads) throws InterruptedException {
        AtomicLong next = new AtomicLong();
        AtomicReference<Throwable> failure = new AtomicReference<>();
        long start = System.nanoTime();
        List<Thread> workers = new ArrayList<>();
        for (int w = 0; w < threads; w++) {
            int worker = w;
            workers.add(startThread("preload-" + w, () -> {
                Batch b = new Batch(batch, blockBytes, target::allocate);
                while (failure.get() == null) {
                    long first = next.getAndAdd(batch);
                    if (first >= blocks) {
                        return;
                    }
                    int n = (int) Math.min(batch, blocks - first);
                    Batch use = n == batch ? b : new Batch(n, blockBytes, target::allocate);
                    for (int i = 0; i < n; i++) {
                        use.ids[i] = first + i;
                    }
                    use.stampSources();
                    try {
                        putUntilStored(worker, use);
                    } catch (Exception e) {
                        failure.compareAndSet(null, e);
                    }
                }
            }));
        }
        long total = blocks;
        while (isAnyAlive(workers)) {
            joinAll(workers, 1000);
            progress.preload(target.name(), Math.min(next.get(), total), total, System.nanoTime() - start);
        }
        progress.finish();
        if (failure.get() != null) {
            throw new IllegalStateException("preload of " + blocks + " blocks into " + target.name() + " failed: "
                + failure.get(), failure.get());
        }
        return (System.nanoTime() - start) / 1e9;
    }

    /**
     * Puts the batch again until every block is stored: a target may refuse blocks for a while (Spillway answers
     * BACK_PRESSURE while demotion catches up); blocks already stored are kept, as keys are immutable.
     */
    private void putUntilStored(int worker, Batch batch) throws Exception {
        long deadline = System.nanoTime() + PRELOAD_RETRY_NANOS;
        long backoffMillis = 1;
        while (true) {
            int stored = target.put(worker, batch);
            if (stored == batch.size()) {
                return;
            }
            if (System.nanoTime() > deadline) {
                throw new IllegalStateException("preload: " + target.name() + " still stores only " + stored + " of "
                    + batch.size() + " blocks after " + PRELOAD_RETRY_NANOS / 1_000_000_000L
                    + " s of retries (tier full or back-pressured; is the working set larger than the target?)");
            }
            Thread.sleep(backoffMillis);
            backoffMillis = Math.min(100, backoffMillis * 2);
        }
    }

    /** Runs one phase: warm-up, then the measured duration. */
    public PhaseResult run(PhaseSpec spec) throws InterruptedException {
        return runSlice(spec).result();
    }

    /**
     * Runs one phase (or one slice of an interleaved phase) like {@link #run}, and returns the measured latency
     * histograms beside the result, so that slices can be merged into exact percentiles ({@link PhaseMerger}).
     */
    @Override
    public PhaseSlice runSlice(PhaseSpec spec) throws InterruptedException {
        OpStats gets = new OpStats();
        OpStats puts = new OpStats();
        LongAdder errors = new LongAdder();
        AtomicReference<String> firstError = new AtomicReference<>();
        PhaseClock clock = new PhaseClock();

        List<Thread> workers = new ArrayList<>();
        for (int w = 0; w < spec.threads(); w++) {
            int worker = w;
            workers.add(startThread(target.name() + "-" + spec.name() + "-" + w,
                () -> work(worker, spec, clock, gets, puts, errors, firstError)));
        }

        long startNanos = System.nanoTime();
        long warmupEnd = startNanos + spec.warmup().toNanos();
        long end = warmupEnd + spec.duration().toNanos();
        long measureStart = spec.warmup().isZero() ? startNanos : -1;
        if (measureStart >= 0) {
            clock.measuring = true;
        }
        long lastGetBytes = 0;
        long lastPutBytes = 0;
        long lastTick = startNanos;
        while (true) {
            long now = System.nanoTime();
            if (now >= end || !isAnyAlive(workers)) {
                break;
            }
            long next = Math.min(end, Math.min(lastTick + 1_000_000_000L, measureStart < 0 ? warmupEnd : end));
            joinAll(workers, Math.max(1, (next - now) / 1_000_000));
            now = System.nanoTime();
            if (measureStart < 0 && now >= warmupEnd) {
                // end of warm-up: workers record nothing until now, so counters and latencies start together
                clock.measuring = true;
                measureStart = now;
                lastTick = now;
                lastGetBytes = 0;
                lastPutBytes = 0;
                continue;
            }
            if (now - lastTick >= 1_000_000_000L || now >= end) {
                boolean measuring = measureStart >= 0;
                long getBytes = gets.bytes.sum();
                long putBytes = puts.bytes.sum();
                double secs = (now - lastTick) / 1e9;
                progress.tick(target.name(), spec.name(), measuring,
                    (now - (measuring ? measureStart : startNanos)) / 1e9,
                    (measuring ? spec.duration() : spec.warmup()).toMillis() / 1e3, secs,
                    (getBytes - lastGetBytes) / secs / 1e9, (putBytes - lastPutBytes) / secs / 1e9,
                    gets.latency.sampleInterval(measuring), puts.latency.sampleInterval(measuring), errors.sum());
                lastGetBytes = getBytes;
                lastPutBytes = putBytes;
                lastTick = now;
            }
        }
        clock.measuring = false;
        long stopNanos = System.nanoTime();
        clock.stop = true;
        for (Thread t : workers) {
            t.join();
        }
        progress.finish();
        gets.latency.sampleInterval(measureStart >= 0);
        puts.latency.sampleInterval(measureStart >= 0);
        double seconds = measureStart >= 0 ? (stopNanos - measureStart) / 1e9 : 0;
        PhaseResult result = new PhaseResult(target.name(), spec, seconds, gets.result(seconds),
            puts.result(seconds), errors.sum(), firstError.get());
        return new PhaseSlice(result, gets.latency.total(), puts.latency.total());
    }

    private void work(int worker, PhaseSpec spec, PhaseClock clock, OpStats gets, OpStats puts, LongAdder errors,
                      AtomicReference<String> firstError) {
        Batch batch = new Batch(spec.batch(), spec.blockBytes(), target::allocate);
        ThreadLocalRandom random = ThreadLocalRandom.current();
        int consecutiveErrors = 0;
        while (!clock.stop) {
            boolean read = spec.readRatio() >= 1.0 || (spec.readRatio() > 0 && random.nextDouble() < spec.readRatio());
            try {
                if (read) {
                    chooseReadIds(batch, spec.blocks(), random);
                    batch.resetResults();
                    long t0 = System.nanoTime();
                    int hits = target.get(worker, batch);
                    long t1 = System.nanoTime();
                    if (clock.measuring) {
                        recordGet(batch, hits, t1 - t0, gets, firstError);
                    }
                } else {
                    chooseWriteIds(batch, spec, random);
                    batch.stampSources();
                    long t0 = System.nanoTime();
                    int stored = target.put(worker, batch);
                    long t1 = System.nanoTime();
                    if (clock.measuring) {
                        puts.latency.record(t1 - t0);
                        puts.requests.increment();
                        puts.blocks.add(stored);
                        puts.bytes.add((long) stored * spec.blockBytes());
                        puts.refused.add(batch.size() - stored);
                    }
                }
                consecutiveErrors = 0;
            } catch (Exception e) {
                errors.increment();
                firstError.compareAndSet(null, target.name() + " " + (read ? "get" : "put") + ": " + e);
                if (++consecutiveErrors >= MAX_CONSECUTIVE_ERRORS) {
                    return;
                }
            }
        }
    }

    private static void recordGet(Batch batch, int hits, long nanos, OpStats gets, AtomicReference<String> firstError) {
        gets.latency.record(nanos);
        gets.requests.increment();
        long bytes = 0;
        int good = 0;
        for (int i = 0; i < batch.size(); i++) {
            if (batch.results[i] == null) {
                continue;
            }
            String problem = BlockPattern.check(batch.results[i], batch.ids[i], batch.blockBytes());
            if (problem == null) {
                good++;
                bytes += batch.blockBytes();
            } else {
                gets.verifyFailures.increment();
                firstError.compareAndSet(null, "verify: " + problem);
            }
        }
        gets.blocks.add(good);
        gets.bytes.add(bytes);
        gets.misses.add(batch.size() - hits);
    }

    private static void chooseReadIds(Batch batch, long blocks, ThreadLocalRandom random) {
        if (batch.size() == 1) {
            batch.ids[0] = random.nextLong(blocks);
            return;
        }
        // a run of consecutive ids (as a prompt's prefix chain is), wrapping at the end of the working set
        long first = random.nextLong(blocks);
        for (int i = 0; i < batch.size(); i++) {
            batch.ids[i] = (first + i) % blocks;
        }
    }

    private void chooseWriteIds(Batch batch, PhaseSpec spec, ThreadLocalRandom random) {
        if (spec.writes() == WritePattern.FRESH) {
            long first = freshIds.getAndAdd(batch.size());
            for (int i = 0; i < batch.size(); i++) {
                batch.ids[i] = first + i;
            }
        } else {
            chooseReadIds(batch, Math.max(spec.blocks(), batch.size()), random);
        }
    }

    private static Thread startThread(String name, Runnable body) {
        Thread t = new Thread(body, name);
        t.setDaemon(true);
        t.start();
        return t;
    }

    private static boolean isAnyAlive(List<Thread> threads) {
        for (Thread t : threads) {
            if (t.isAlive()) {
                return true;
            }
        }
        return false;
    }

    private static void joinAll(List<Thread> threads, long millis) throws InterruptedException {
        long deadline = System.currentTimeMillis() + millis;
        for (Thread t : threads) {
            long left = deadline - System.currentTimeMillis();
            if (left <= 0) {
                return;
            }
            t.join(left);
        }
    }

    /** The workers' view of the phase: whether to record, whether to stop. */
    private static final class PhaseClock {
        volatile boolean measuring;
        volatile boolean stop;
    }
}
