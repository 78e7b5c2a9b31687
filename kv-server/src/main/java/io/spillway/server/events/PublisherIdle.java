package io.spillway.server.events;

import io.spillway.event.aeron.FeedMedia;
import org.agrona.concurrent.IdleStrategy;

/**
 * How the publisher agent waits: while keys or a refused message wait, a short backoff (a few spins, then sleeps up
 * to {@code busyMaxParkMicros}); when there is nothing to publish, one sleep until the next heartbeat that the first
 * change mark cuts short ({@link ChangeMarks#sleepUntilMarked}). An idle node's publisher so wakes ten times a
 * second, not ten thousand, and a change still reaches the wire within a wake-up.
 */
final class PublisherIdle implements IdleStrategy {
    private final EventPublisher publisher;
    private final ChangeMarks marks;
    private final IdleStrategy busy;

    PublisherIdle(EventPublisher publisher, ChangeMarks marks, long busyMaxParkMicros) {
        this.publisher = publisher;
        this.marks = marks;
        this.busy = FeedMedia.idleStrategy(busyMaxParkMicros);
    }

    @Override
    public void idle(int workCount) {
        if (workCount > 0) {
            busy.reset();
        } else {
            idle();
        }
    }

    @Override
    public void idle() {
        if (publisher.canSleep()) {
            busy.reset();
            marks.sleepUntilMarked(publisher.nanosToHeartbeat());
        } else {
            busy.idle();
        }
    }

    @Override
    public void reset() {
        busy.reset();
    }

    @Override
    public String alias() {
        return "publisher-idle";
    }
}
