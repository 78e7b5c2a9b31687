package io.spillway.perf.eval.sidebyside;

import java.util.List;

/** A router reached by ext_proc, started over a given set of pods. */
interface ComparedRouter extends AutoCloseable {
    String name();

    int extProcPort();

    /**
     * Blocks stored the router has learned from the pods' KV events so far, or -1 when it takes no KV events (then
     * nothing waits for them).
     */
    long eventBlocksSeen() throws Exception;

    /** Starts a router over {@code pods}; KV events, where it takes them, arrive on {@code eventsPort}. */
    interface Factory {
        String name();

        ComparedRouter start(List<String> pods, int eventsPort, int[] ports, String model) throws Exception;
    }
}
