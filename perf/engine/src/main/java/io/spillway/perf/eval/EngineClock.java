package io.spillway.perf.eval;

import java.util.function.LongConsumer;

/**
 * The time a simulated pod runs in: virtual ({@link EventQueue}, as fast as the events go) or wall-clock
 * ({@link WallClock}, for pods that serve real requests). Actions run one at a time, so a pod needs no locks.
 */
interface EngineClock {
    /** Nanoseconds since the clock started. */
    long now();

    /** Runs {@code action} with the time at {@code time} (not before now). */
    void at(long time, LongConsumer action);
}
