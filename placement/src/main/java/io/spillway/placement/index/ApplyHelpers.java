package io.spillway.placement.index;

import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.LongAdder;
import java.util.concurrent.locks.LockSupport;
import org.jspecify.annotations.Nullable;

/**
 * Threads that take parts (runs of shards) of a large write batch while its caller takes others: parts are claimed
 * one at a time from a shared counter, so a helper that is slow to wake costs nothing (the caller claims them all)
 * and the caller waits only for parts a helper has already begun. One batch at a time: a second caller that finds
 * the helpers busy writes its own batch alone. A helper spins for {@link #SPIN_NANOS} after its last batch (a steady
 * feed keeps it awake), then parks until the next one is offered.
 */
final class ApplyHelpers implements AutoCloseable {
    static final long SPIN_NANOS = TimeUnit.MICROSECONDS.toNanos(200);

    /** One batch's parts to write: claimed by index from {@link #next}, finished ones counted in {@link #done}. */
    static final class Job {
        final int op;
        final int id;
        final int to;
        final KeyBatch batch;
        final int first;
        final AtomicInteger next = new AtomicInteger();
        final AtomicInteger done = new AtomicInteger();
        final AtomicInteger result = new AtomicInteger();
        volatile @Nullable Throwable failure;

        Job(int op, int id, int to, KeyBatch batch, int first) {
            this.op = op;
            this.id = id;
            this.to = to;
            this.batch = batch;
            this.first = first;
        }
    }

    /** Writes one claimed part of a job; the index. */
    interface PartWriter {
        int write(int part, Job job);
    }

    private final PartWriter writer;
    private final int parts;
    private final Thread[] threads;
    private final AtomicBoolean busy = new AtomicBoolean();
    private volatile @Nullable Job posted;
    private volatile boolean closed;
    private final AtomicInteger parked = new AtomicInteger();
    /** Parts written by helper threads (not callers) since creation. */
    final LongAdder helped = new LongAdder();

    ApplyHelpers(PartWriter writer, int parts, int count, String name) {
        this.writer = writer;
        this.parts = parts;
        this.threads = new Thread[count];
        for (int i = 0; i < count; i++) {
            Thread t = new Thread(this::run, name + "-" + i);
            t.setDaemon(true);
            threads[i] = t;
            t.start();
        }
    }

    /** Offers {@code job} to the helpers; false when another caller's batch has them (write it alone then). */
    boolean offer(Job job) {
        if (closed || !busy.compareAndSet(false, true)) {
            return false;
        }
        posted = job;
        if (parked.get() > 0) {
            for (Thread t : threads) {
                LockSupport.unpark(t);
            }
        }
        return true;
    }

    /**
     * Claims and writes parts of {@code job} until none is left: the caller's part, or a helper's; returns how many
     * it wrote. Its changes and parts are added to the job's totals once, at the end (fewer contended writes).
     */
    int work(Job job) {
        int mask = parts - 1;
        int written = 0;
        int changed = 0;
        try {
            for (int i; (i = job.next.getAndIncrement()) < parts; written++) {
                changed += writer.write((job.first + i) & mask, job);
            }
        } catch (Throwable t) {
            job.failure = t;
            written++;
            while (job.next.getAndIncrement() < parts) {
                written++; // claimed, so that the caller stops waiting: the job failed anyway
            }
        } finally {
            job.result.addAndGet(changed);
            job.done.addAndGet(written);
        }
        return written;
    }

    /** After the caller's own {@link #work}: waits for the parts helpers began, then frees the helpers. */
    void finish(Job job) {
        for (int spins = 0; job.done.get() < parts; spins++) {
            if (spins < 10_000) {
                Thread.onSpinWait();
            } else {
                Thread.yield(); // the helper lost its core mid-part (more threads than cores): give it back
            }
        }
        busy.set(false);
    }

    private void run() {
        Job last = null;
        long idleSince = System.nanoTime();
        while (!closed) {
            Job job = posted;
            if (job != null && job != last) {
                last = job;
                helped.add(work(job));
                idleSince = System.nanoTime();
            } else if (System.nanoTime() - idleSince < SPIN_NANOS) {
                Thread.onSpinWait();
            } else {
                park(last);
                idleSince = System.nanoTime();
            }
        }
    }

    private void park(@Nullable Job last) {
        parked.incrementAndGet();
        Job job = posted; // read after announcing the park: an offer after this read sees parked > 0 and unparks
        if (job == last && !closed) {
            LockSupport.park(this);
        }
        parked.decrementAndGet();
    }

    @Override
    public void close() {
        closed = true;
        for (Thread t : threads) {
            LockSupport.unpark(t);
        }
        for (Thread t : threads) {
            try {
                t.join(1_000);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return;
            }
        }
    }
}
