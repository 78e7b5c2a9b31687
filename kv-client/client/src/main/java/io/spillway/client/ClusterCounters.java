package io.spillway.client;

import java.util.concurrent.atomic.LongAdder;

/**
 * What a {@link ClusterKvClient} did beyond plain requests, for tests, benchmarks and metrics. Monotonic counts
 * since the client was opened; safe to read from any thread.
 */
public final class ClusterCounters {
    final LongAdder attempts = new LongAdder();
    final LongAdder retries = new LongAdder();
    final LongAdder redirects = new LongAdder();
    final LongAdder refreshes = new LongAdder();
    final LongAdder refreshFailures = new LongAdder();
    final LongAdder repairs = new LongAdder();
    final LongAdder repairsDropped = new LongAdder();
    final LongAdder failovers = new LongAdder();
    final LongAdder deadNodeSkips = new LongAdder();

    ClusterCounters() {
    }

    /** Data-plane requests sent to members (every batch to every node, first tries and retries alike). */
    public long attempts() { return attempts.sum(); }
    /** Put retry rounds: a round re-sends the blocks not yet stored on every owner. */
    public long retries() { return retries.sum(); }
    /** Blocks or keys a node answered {@code NOT_OWNER} (the client's map was stale). */
    public long redirects() { return redirects.sum(); }
    /** Partition maps fetched successfully (coalesced refreshes count once). */
    public long refreshes() { return refreshes.sum(); }
    /** Refreshes in which no seed or member answered. */
    public long refreshFailures() { return refreshFailures.sum(); }
    /** Blocks copied by read repair to an owner that had missed them (acknowledged OK). */
    public long repairs() { return repairs.sum(); }
    /** Read repairs not attempted because {@code readRepairConcurrency} repairs were already in flight. */
    public long repairsDropped() { return repairsDropped.sum(); }
    /** Keys a get asked of a later owner after an earlier one missed, refused or failed. */
    public long failovers() { return failovers.sum(); }
    /** Requests not sent to a node because it refused a connection less than {@code deadNodeSkipMs} ago. */
    public long deadNodeSkips() { return deadNodeSkips.sum(); }

    @Override
    public String toString() {
        return "ClusterCounters{attempts=" + attempts() + ", retries=" + retries() + ", redirects=" + redirects()
            + ", refreshes=" + refreshes() + ", refreshFailures=" + refreshFailures() + ", repairs=" + repairs()
            + ", repairsDropped=" + repairsDropped() + ", failovers=" + failovers() + ", deadNodeSkips="
            + deadNodeSkips() + "}";
    }
}
