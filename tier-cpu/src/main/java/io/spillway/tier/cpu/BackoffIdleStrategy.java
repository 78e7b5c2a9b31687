package io.spillway.tier.cpu;

import java.util.concurrent.locks.LockSupport;

/** Spins a little, yields a little, then parks for doubling periods; not thread-safe (one per duty cycle). */
final class BackoffIdleStrategy implements IdleStrategy {
    private static final int MAX_SPINS = 10;
    private static final int MAX_YIELDS = 5;
    private static final long MIN_PARK_NANOS = 1_000;

    private final long maxParkNanos;
    private int spins;
    private int yields;
    private long parkNanos = MIN_PARK_NANOS;

    BackoffIdleStrategy(long maxParkNanos) {
        if (maxParkNanos < MIN_PARK_NANOS) {
            throw new IllegalArgumentException("maxParkNanos must be >= " + MIN_PARK_NANOS + ", got " + maxParkNanos);
        }
        this.maxParkNanos = maxParkNanos;
    }

    @Override
    public void idle(int workCount) {
        if (workCount > 0) {
            reset();
        } else if (spins < MAX_SPINS) {
            spins++;
            Thread.onSpinWait();
        } else if (yields < MAX_YIELDS) {
            yields++;
            Thread.yield();
        } else {
            LockSupport.parkNanos(parkNanos);
            parkNanos = Math.min(parkNanos << 1, maxParkNanos);
        }
    }

    @Override
    public void reset() {
        spins = 0;
        yields = 0;
        parkNanos = MIN_PARK_NANOS;
    }

    @Override
    public String toString() {
        return "backoff(maxParkNanos=" + maxParkNanos + ")";
    }
}
