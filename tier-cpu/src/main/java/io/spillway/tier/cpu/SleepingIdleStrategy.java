package io.spillway.tier.cpu;

import java.util.concurrent.locks.LockSupport;

/** Parks for a fixed period whenever there was no work. */
final class SleepingIdleStrategy implements IdleStrategy {
    private final long parkNanos;

    SleepingIdleStrategy(long parkNanos) {
        if (parkNanos <= 0) {
            throw new IllegalArgumentException("parkNanos must be > 0, got " + parkNanos);
        }
        this.parkNanos = parkNanos;
    }

    @Override
    public void idle(int workCount) {
        if (workCount == 0) {
            LockSupport.parkNanos(parkNanos);
        }
    }

    @Override
    public void reset() {
    }

    @Override
    public String toString() {
        return "sleeping(parkNanos=" + parkNanos + ")";
    }
}
