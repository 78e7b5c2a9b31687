package io.spillway.router.vllm;

import java.util.concurrent.atomic.LongAdder;

/**
 * What the vLLM event subscriber has seen and done, since it started. Written by the subscriber's one thread, read
 * from any (metrics, tests).
 */
public final class VllmSubscriberCounters {
    final LongAdder batches = new LongAdder();
    final LongAdder events = new LongAdder();
    final LongAdder blocksStored = new LongAdder();
    final LongAdder blocksRemoved = new LongAdder();
    final LongAdder allBlocksCleared = new LongAdder();
    final LongAdder gaps = new LongAdder();
    final LongAdder replayRequests = new LongAdder();
    final LongAdder replayedBatches = new LongAdder();
    final LongAdder duplicateBatches = new LongAdder();
    final LongAdder replayTimeouts = new LongAdder();
    final LongAdder unrecoverableGaps = new LongAdder();
    final LongAdder publisherRestarts = new LongAdder();
    final LongAdder podClears = new LongAdder();
    final LongAdder unknownParents = new LongAdder();
    final LongAdder unknownAliases = new LongAdder();
    final LongAdder skippedBlocks = new LongAdder();
    final LongAdder unmappableBlocks = new LongAdder();
    final LongAdder aliasEvictions = new LongAdder();
    final LongAdder decodeErrors = new LongAdder();
    final LongAdder malformedFrames = new LongAdder();
    final LongAdder malformedEvents = new LongAdder();
    final LongAdder unknownEvents = new LongAdder();
    final LongAdder unknownModelEvents = new LongAdder();
    final LongAdder unknownMediumEvents = new LongAdder();
    final LongAdder otherGroupEvents = new LongAdder();
    final LongAdder blockSizeMismatches = new LongAdder();
    final LongAdder rejectedEvents = new LongAdder();
    final LongAdder remoteEvents = new LongAdder();
    final LongAdder unknownLocalityEvents = new LongAdder();
    final LongAdder ownershipOverflowEvents = new LongAdder();
    final LongAdder unmatchedRemovals = new LongAdder();
    final LongAdder saturatedCounts = new LongAdder();

    /** Live and replayed batches applied (decoded or not). */
    public long batches() {
        return batches.sum();
    }

    /** Events read from decoded batches. */
    public long events() {
        return events.sum();
    }

    /** Block locations added to the index (a location-only store counts too). */
    public long blocksStored() {
        return blocksStored.sum();
    }

    /** Block locations removed from the index by {@code BlockRemoved}. */
    public long blocksRemoved() {
        return blocksRemoved.sum();
    }

    /** {@code AllBlocksCleared} events applied. */
    public long allBlocksCleared() {
        return allBlocksCleared.sum();
    }

    /** Sequence gaps seen on a live stream (seq > last + 1). */
    public long gaps() {
        return gaps.sum();
    }

    /** Replay requests sent. */
    public long replayRequests() {
        return replayRequests.sum();
    }

    /** Batches received on a replay socket (duplicates included, the end marker not). */
    public long replayedBatches() {
        return replayedBatches.sum();
    }

    /** Batches skipped because their seq was already applied. */
    public long duplicateBatches() {
        return duplicateBatches.sum();
    }

    /** Replays that did not end in time. */
    public long replayTimeouts() {
        return replayTimeouts.sum();
    }

    /** Gaps no replay could fill (no replay endpoint, the ring had moved on, a timeout): each cleared its pods. */
    public long unrecoverableGaps() {
        return unrecoverableGaps.sum();
    }

    /** Live seqs that went backwards: a restarted publisher, whose pods were cleared. */
    public long publisherRestarts() {
        return publisherRestarts.sum();
    }

    /** Times a pod's locations and aliases were all dropped (AllBlocksCleared, gaps, restarts, removal). */
    public long podClears() {
        return podClears.sum();
    }

    /** {@code BlockStored} events whose parent hash had no alias: their blocks were skipped. */
    public long unknownParents() {
        return unknownParents.sum();
    }

    /** Hashes of location-only stores and of removals that had no alias. */
    public long unknownAliases() {
        return unknownAliases.sum();
    }

    /** Blocks skipped because their parent was unknown. */
    public long skippedBlocks() {
        return skippedBlocks.sum();
    }

    /** Blocks skipped because their extra keys (multimodal, prompt embeds, a LoRA id alone) have no Spillway form. */
    public long unmappableBlocks() {
        return unmappableBlocks.sum();
    }

    /** Aliases dropped at a pod's bound (their locations were retracted from the index). */
    public long aliasEvictions() {
        return aliasEvictions.sum();
    }

    /** Payloads that failed to decode. */
    public long decodeErrors() {
        return decodeErrors.sum();
    }

    /** Messages with the wrong frame count or sequence frame. */
    public long malformedFrames() {
        return malformedFrames.sum();
    }

    /** Decoded events that make no sense (token count not blocks times block size). */
    public long malformedEvents() {
        return malformedEvents.sum();
    }

    /** Events the decoder rejected (a bad field): each skipped alone, the rest of its batch applied. */
    public long rejectedEvents() {
        return rejectedEvents.sum();
    }

    /** Events with {@code locality} {@code REMOTE}: blocks in a medium outside the pod, not indexed at it. */
    public long remoteEvents() {
        return remoteEvents.sum();
    }

    /** Events with a {@code locality} that is neither {@code LOCAL} nor {@code REMOTE}: skipped. */
    public long unknownLocalityEvents() {
        return unknownLocalityEvents.sum();
    }

    /** Events of a pod's ninth or later medium-and-owner pair ({@link Residencies#MAX}): skipped. */
    public long ownershipOverflowEvents() {
        return ownershipOverflowEvents.sum();
    }

    /** Removed hashes the pod had not announced at that medium and owner: nothing to take away. */
    public long unmatchedRemovals() {
        return unmatchedRemovals.sum();
    }

    /** Announcements not counted because the block's count at that residency was already 255. */
    public long saturatedCounts() {
        return saturatedCounts.sum();
    }

    /** Events with a tag the decoder does not know. */
    public long unknownEvents() {
        return unknownEvents.sum();
    }

    /** Events of a model with no configured namespace. */
    public long unknownModelEvents() {
        return unknownModelEvents.sum();
    }

    /** Events whose medium is none of GPU, CPU, storage. */
    public long unknownMediumEvents() {
        return unknownMediumEvents.sum();
    }

    /** Events of a KV cache group other than 0 (hybrid models' extra groups). */
    public long otherGroupEvents() {
        return otherGroupEvents.sum();
    }

    /** {@code BlockStored} events whose block size differs from their namespace's. */
    public long blockSizeMismatches() {
        return blockSizeMismatches.sum();
    }

    @Override
    public String toString() {
        return "VllmSubscriberCounters{batches=" + batches() + ", events=" + events() + ", stored=" + blocksStored()
            + ", removed=" + blocksRemoved() + ", gaps=" + gaps() + ", replays=" + replayRequests()
            + ", unrecoverableGaps=" + unrecoverableGaps() + ", unknownParents=" + unknownParents()
            + ", decodeErrors=" + decodeErrors() + ", rejectedEvents=" + rejectedEvents() + ", malformedFrames="
            + malformedFrames() + "}";
    }
}
