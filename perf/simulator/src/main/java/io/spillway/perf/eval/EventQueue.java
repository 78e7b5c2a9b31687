package io.spillway.perf.eval;

import java.util.PriorityQueue;
import java.util.function.LongConsumer;

/**
 * Virtual time: actions in order of their time, ties in the order they were scheduled, so a run is the same for
 * the same inputs.
 */
final class EventQueue implements EngineClock {
    private record Event(long time, long order, LongConsumer action) {
    }

    private final PriorityQueue<Event> events = new PriorityQueue<>((a, b) -> a.time != b.time
        ? Long.compare(a.time, b.time) : Long.compare(a.order, b.order));
    private long scheduled;
    private long now;

    @Override
    public void at(long time, LongConsumer action) {
        events.add(new Event(Math.max(time, now), scheduled++, action));
    }

    @Override
    public long now() {
        return now;
    }

    /** Runs every action, those they schedule included; returns the time of the last. */
    long run() {
        Event e;
        while ((e = events.poll()) != null) {
            now = e.time;
            e.action.accept(now);
        }
        return now;
    }
}
