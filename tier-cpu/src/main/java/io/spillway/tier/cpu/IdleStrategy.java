package io.spillway.tier.cpu;

import java.util.concurrent.TimeUnit;

/** What a duty cycle does after a call to {@link Agent#doWork()}: idle when no work was done, else carry on. */
public interface IdleStrategy {
    /**
     * Idles if {@code workCount} is 0, else resets any back-off.
     *
     * @param workCount the value the last {@link Agent#doWork()} returned
     */
    void idle(int workCount);

    /** Forgets any back-off state. */
    void reset();

    /** Spins, then yields, then parks for doubling periods up to {@code maxParkNanos}. */
    static IdleStrategy backoff(long maxParkNanos) {
        return new BackoffIdleStrategy(maxParkNanos);
    }

    /** Parks for {@code parkNanos} each time there is no work. */
    static IdleStrategy sleeping(long parkNanos) {
        return new SleepingIdleStrategy(parkNanos);
    }

    /** Yields the processor each time there is no work. */
    static IdleStrategy yielding() {
        return new YieldingIdleStrategy();
    }

    /**
     * The strategy for a name used in properties: {@code backoff}, {@code sleeping} or {@code yielding}.
     *
     * @throws IllegalArgumentException naming the unknown value
     */
    static IdleStrategy fromName(String name, long maxParkMicros) {
        long nanos = TimeUnit.MICROSECONDS.toNanos(maxParkMicros);
        switch (name) {
            case "backoff":
                return backoff(nanos);
            case "sleeping":
                return sleeping(nanos);
            case "yielding":
                return yielding();
            default:
                throw new IllegalArgumentException(
                    "idle strategy must be one of backoff, sleeping, yielding, got '" + name + "'");
        }
    }
}
