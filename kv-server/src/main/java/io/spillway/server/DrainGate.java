package io.spillway.server;

import java.util.concurrent.TimeUnit;

/**
 * Counts data-plane requests from their first byte to the completion of their response write, and the node's
 * drain state: once draining, new requests are answered {@code SHUTTING_DOWN} and {@link #awaitIdle} waits for the
 * ones already running.
 */
final class DrainGate {
    private final Object lock = new Object();
    private int running;
    private volatile boolean draining;

    /** Starts a request; {@code false} when the node is draining (answer {@code SHUTTING_DOWN} instead). */
    boolean begin() {
        synchronized (lock) {
            if (draining) {
                return false;
            }
            running++;
            return true;
        }
    }

    void end() {
        synchronized (lock) {
            running--;
            if (running == 0) {
                lock.notifyAll();
            }
        }
    }

    boolean draining() {
        return draining;
    }

    void drain() {
        draining = true;
    }

    int running() {
        synchronized (lock) {
            return running;
        }
    }

    /** Waits until no request runs or {@code timeoutMillis} pass; returns whether it went idle. */
    boolean awaitIdle(long timeoutMillis) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(timeoutMillis);
        synchronized (lock) {
            while (running > 0) {
                long left = deadline - System.nanoTime();
                if (left <= 0) {
                    return false;
                }
                TimeUnit.NANOSECONDS.timedWait(lock, left);
            }
            return true;
        }
    }
}
