package io.spillway.bridge.agent;

import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.concurrent.atomic.AtomicLong;

/** What the agent counts, answered by {@code stats}: everything it skipped or could not do is here. */
final class AgentCounters {
    /** Steps not copied, or a save's bytes not sent, because the connector had fenced their generation. */
    final AtomicLong fencedSteps = new AtomicLong();
    /** Device copies that failed to start or ended in an error (the step's blocks fail; the loop goes on). */
    final AtomicLong failedCopies = new AtomicLong();
    /** Cluster reads that failed as a whole (the step's blocks fail). */
    final AtomicLong failedGets = new AtomicLong();
    /** Blocks a cluster write did not store (refused, or the write failed): a later miss, never wrong bytes. */
    final AtomicLong failedPuts = new AtomicLong();
    /** Commands or completions that threw on the loop thread, caught there. */
    final AtomicLong loopErrors = new AtomicLong();
    /** Connections refused because the connecting process's user is not the agent's nor a peer uid. */
    final AtomicLong refusedPeers = new AtomicLong();
    /** Request lines longer than {@code spillway.agent.maxRequestBytes}: answered with an error, connection closed. */
    final AtomicLong oversizedRequests = new AtomicLong();
    final AtomicLong savedBlocks = new AtomicLong();
    final AtomicLong loadedBlocks = new AtomicLong();

    ObjectNode writeTo(ObjectNode out) {
        return out.put("fenced_steps", fencedSteps.get()).put("failed_copies", failedCopies.get())
            .put("failed_gets", failedGets.get()).put("failed_puts", failedPuts.get())
            .put("loop_errors", loopErrors.get()).put("refused_peers", refusedPeers.get())
            .put("oversized_requests", oversizedRequests.get()).put("saved_blocks", savedBlocks.get())
            .put("loaded_blocks", loadedBlocks.get());
    }
}
