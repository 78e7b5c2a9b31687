package io.spillway.perf.eval;

import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.function.LongConsumer;

/**
 * Wall-clock time for live simulated pods: every action on one thread, at its time. Requests from other threads
 * come in through {@link #execute}, so the pods a clock drives see one thread only.
 */
final class WallClock implements EngineClock, AutoCloseable {
    private final long origin = System.nanoTime();
    private final ScheduledExecutorService thread;

    WallClock(String name) {
        thread = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread t = new Thread(r, name);
            t.setDaemon(true);
            return t;
        });
    }

    @Override
    public long now() {
        return System.nanoTime() - origin;
    }

    @Override
    public void at(long time, LongConsumer action) {
        long delay = time - now();
        thread.schedule(() -> action.accept(Math.max(time, now())), Math.max(0, delay), TimeUnit.NANOSECONDS);
    }

    /** Runs {@code action} on the clock's thread with the time then. */
    void execute(LongConsumer action) {
        thread.execute(() -> action.accept(now()));
    }

    /** Stops the clock and waits (a second at most) for the action running, so what it used can be closed. */
    @Override
    public void close() {
        thread.shutdownNow();
        try {
            thread.awaitTermination(1, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
