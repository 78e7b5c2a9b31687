package io.spillway.event.vllm;

import java.util.List;
import java.util.Objects;

/**
 * One msgpack payload of a vLLM KV-event stream: {@code EventBatch(ts, events, data_parallel_rank)}.
 *
 * @param ts               the publisher's wall-clock time in seconds since the epoch
 * @param events           the events, in the order the engine produced them
 * @param dataParallelRank the publisher's data-parallel rank, or {@code null} (vLLM before DP support)
 */
public record VllmEventBatch(double ts, List<VllmEvent> events, Integer dataParallelRank) {
    public VllmEventBatch {
        events = List.copyOf(Objects.requireNonNull(events, "events"));
        if (dataParallelRank != null && dataParallelRank < 0) {
            throw new IllegalArgumentException("dataParallelRank must be >= 0, got " + dataParallelRank);
        }
    }
}
