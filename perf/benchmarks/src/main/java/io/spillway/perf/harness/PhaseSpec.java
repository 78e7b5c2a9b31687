package io.spillway.perf.harness;

import java.time.Duration;

/**
 * One measured phase: {@code threads} workers issue requests of {@code batch} blocks of {@code blockBytes} for
 * {@code warmup + duration}; a request is a get with probability {@code readRatio}, else a put. Gets read random
 * ids of the working set {@code [0, blocks)}; puts follow {@code writes}.
 */
public record PhaseSpec(String name, int blockBytes, int batch, int threads, double readRatio, long blocks,
                        WritePattern writes, Duration warmup, Duration duration) {

    public PhaseSpec {
        if (blockBytes < BlockPattern.MIN_BLOCK_BYTES) {
            throw new IllegalArgumentException("block size must be >= " + BlockPattern.MIN_BLOCK_BYTES + " bytes, got "
                + blockBytes);
        }
        if (batch <= 0 || threads <= 0) {
            throw new IllegalArgumentException("batch and threads must be > 0, got batch=" + batch + " threads="
                + threads);
        }
        if (readRatio < 0 || readRatio > 1) {
            throw new IllegalArgumentException("read ratio must be in [0, 1], got " + readRatio);
        }
        if (blocks < batch && readRatio > 0) {
            throw new IllegalArgumentException("working set (" + blocks + " blocks) must hold at least one batch ("
                + batch + ")");
        }
        if (duration.isZero() || duration.isNegative() || warmup.isNegative()) {
            throw new IllegalArgumentException("duration must be > 0 and warmup >= 0, got duration=" + duration
                + " warmup=" + warmup);
        }
    }

    /** The same phase with another warm-up and measured duration (e.g. one slice of an interleaved phase). */
    public PhaseSpec timed(Duration newWarmup, Duration newDuration) {
        return new PhaseSpec(name, blockBytes, batch, threads, readRatio, blocks, writes, newWarmup, newDuration);
    }

    public PhaseSpec named(String newName) {
        return new PhaseSpec(newName, blockBytes, batch, threads, readRatio, blocks, writes, warmup, duration);
    }
}
