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
    final LongAdder hedges = new LongAdder();
    final LongAdder slowPuts = new LongAdder();
    final LongAdder standInBlocks = new LongAdder();
    final LongAdder suspectSkips = new LongAdder();
    final LongAdder suspected = new LongAdder();
    final LongAdder recovered = new LongAdder();

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
    /** Get requests abandoned at their member's hedge delay, their keys asked of the next owner or a stand-in. */
    public long hedges() { return hedges.sum(); }
    /** Put requests to a member that passed their quick timeout; their blocks went to the next round. */
    public long slowPuts() { return slowPuts.sum(); }
    /** Block copies sent to a stand-in in place of a suspect or slow owner. */
    public long standInBlocks() { return standInBlocks.sum(); }
    /** Keys or blocks not sent to a suspect member because another owner or a stand-in could take them. */
    public long suspectSkips() { return suspectSkips.sum(); }
    /** Times a member became suspect ({@code suspectAfterSlowReplies} slow answers in a row). */
    public long suspected() { return suspected.sum(); }
    /** Times a suspect member answered a probe within the hedge cap and was cleared. */
    public long recovered() { return recovered.sum(); }

    @Override
    public String toString() {
        return "ClusterCounters{attempts=" + attempts() + ", retries=" + retries() + ", redirects=" + redirects()
            + ", refreshes=" + refreshes() + ", refreshFailures=" + refreshFailures() + ", repairs=" + repairs()
            + ", repairsDropped=" + repairsDropped() + ", failovers=" + failovers() + ", deadNodeSkips="
            + deadNodeSkips() + ", hedges=" + hedges() + ", slowPuts=" + slowPuts() + ", standInBlocks="
            + standInBlocks() + ", suspectSkips=" + suspectSkips() + ", suspected=" + suspected() + ", recovered="
            + recovered() + "}";
    }
}
