package io.spillway.listener;

/** What {@link ReadDeadline} asks of a connection's protocol handler. Event-loop confined. */
public interface RequestProgress {
    /** Requests read whole (or answered at their header and skipped) so far; only ever grows. */
    long requestsRead();

    /** True when nothing of a request is buffered: every byte read so far belongs to requests read whole. */
    boolean betweenRequests();

    /** True while a request read whole still waits for its answer (the connection is not idle then). */
    boolean waiting();
}
