package io.spillway.server;

import io.netty.channel.Channel;

/**
 * Back pressure for one connection: reading stops (AUTO_READ off) while any reason holds — the outbound side is
 * not writable, or too many of its requests wait on the tier executor — and resumes when none does.
 * Event-loop confined.
 */
final class ReadGate {
    static final int UNWRITABLE = 1;
    static final int TOO_MANY_IN_FLIGHT = 2;

    private final Channel channel;
    private final ServerMetrics metrics;
    private int reasons;
    private long pauses;

    ReadGate(Channel channel, ServerMetrics metrics) {
        this.channel = channel;
        this.metrics = metrics;
    }

    void pause(int reason) {
        if (reasons == 0) {
            pauses++;
            metrics.readPaused();
            channel.config().setAutoRead(false);
        }
        reasons |= reason;
    }

    void resume(int reason) {
        if ((reasons & reason) == 0) {
            return;
        }
        reasons &= ~reason;
        if (reasons == 0) {
            channel.config().setAutoRead(true);
        }
    }

    boolean paused() {
        return reasons != 0;
    }

    /** How many times reading was paused (for tests and debugging). */
    long pauses() {
        return pauses;
    }
}
