package io.spillway.tier.nvme;

import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.atomic.LongAdder;

/**
 * Whether the NVMe tier can write now, and why not. Three faults stop writes: free space on the tier's file system
 * below {@code spillway.nvme.minFreeBytes} (checked on a timer, before RocksDB meets the full disk itself), a RocksDB
 * background error (a flush or compaction that failed, after which RocksDB refuses every write), and a database that
 * could not be reopened. Reads go on in every state but the last. A put refused for any of them answers
 * {@code BACK_PRESSURE}, so the CPU tier keeps the block queued for demotion and retries it later.
 *
 * <p>Written by the tier's health timer, RocksDB's listener thread and the writing threads: state changes are
 * synchronized (so a recovery is counted once), reads are of volatile fields and {@link LongAdder}s, lock-free.
 */
public final class NvmeHealth {
    private final LongAdder backgroundErrors = new LongAdder();
    private final LongAdder refusedWrites = new LongAdder();
    private final LongAdder writeErrors = new LongAdder();
    private final LongAdder reopens = new LongAdder();
    private final LongAdder lostOnReopen = new LongAdder();
    private final LongAdder recoveries = new LongAdder();
    private volatile String lowSpace;
    private volatile String backgroundError;
    private volatile String unavailable;
    private volatile boolean wasDegraded;

    /** Free space seen by the health timer: {@code reason} when below the floor, {@code null} when enough. */
    synchronized void freeSpace(String reason) {
        lowSpace = reason;
        noteTransition();
    }

    /** RocksDB reported a background error: writes stop until the database is reopened. */
    synchronized void backgroundError(String reason) {
        backgroundErrors.increment();
        backgroundError = reason;
        noteTransition();
    }

    /** A write threw: the database refuses writes (its background error, or the disk) until reopened. */
    synchronized void writeFailed(String reason) {
        writeErrors.increment();
        if (backgroundError == null) {
            backgroundError = "write failed: " + reason;
        }
        noteTransition();
    }

    /** A put was refused because the tier cannot write now. */
    void refused() {
        refusedWrites.increment();
    }

    /** The database was reopened after a background error; {@code lost} blocks were not on disk and are gone. */
    synchronized void reopened(long lost) {
        reopens.increment();
        lostOnReopen.add(lost);
        backgroundError = null;
        unavailable = null;
        noteTransition();
    }

    /** Reopening failed: nothing can be read or written until a later attempt succeeds. */
    synchronized void reopenFailed(String reason) {
        unavailable = reason;
        noteTransition();
    }

    /** Whether a put may go to RocksDB now. */
    boolean writable() {
        return lowSpace == null && backgroundError == null && unavailable == null;
    }

    /** Whether the database must be reopened to write again and there is room to do so. */
    boolean needsReopen() {
        return (backgroundError != null || unavailable != null) && lowSpace == null;
    }

    /**
     * Empty while the tier is healthy; else a sentence naming the NVMe tier and every reason it cannot write, for
     * the node's {@code /ready} detail and logs.
     */
    public Optional<String> degradation() {
        List<String> reasons = new ArrayList<>(3);
        String u = unavailable;
        String b = backgroundError;
        String l = lowSpace;
        if (u != null) {
            reasons.add(u);
        }
        if (b != null) {
            reasons.add(b);
        }
        if (l != null) {
            reasons.add(l);
        }
        if (reasons.isEmpty()) {
            return Optional.empty();
        }
        return Optional.of("nvme tier degraded (" + (u != null ? "reads and writes refused" : "writes refused, reads "
            + "served") + "): " + String.join("; ", reasons));
    }

    public boolean degraded() {
        return !writable();
    }

    /** RocksDB background errors reported (a failed flush or compaction). */
    public long backgroundErrors() {
        return backgroundErrors.sum();
    }

    /** Puts refused with {@code BACK_PRESSURE} because the tier could not write (each attempt counted). */
    public long refusedWrites() {
        return refusedWrites.sum();
    }

    /** Puts whose RocksDB write threw. */
    public long writeErrors() {
        return writeErrors.sum();
    }

    /** Times the database was reopened to clear a background error. */
    public long reopens() {
        return reopens.sum();
    }

    /** Blocks lost by reopening: written to the memtable but never flushed to disk before the error. */
    public long lostOnReopen() {
        return lostOnReopen.sum();
    }

    /** Times the tier went from degraded back to writable. */
    public long recoveries() {
        return recoveries.sum();
    }

    private void noteTransition() {
        boolean degraded = !writable();
        if (wasDegraded && !degraded) {
            recoveries.increment();
        }
        wasDegraded = degraded;
    }
}
