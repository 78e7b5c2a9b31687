package io.spillway.perf.eval;

import io.spillway.placement.index.Medium;
import io.spillway.placement.routing.Pod;
import io.spillway.placement.routing.PodRole;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;

/**
 * A simulated vLLM pod in virtual time: continuous batching over a GPU block pool with an LRU prefix cache, as
 * {@link EngineParams} sizes and prices it. A request is admitted when a sequence slot and KV blocks for its prompt
 * and output are free; its leading blocks found in the GPU cache are hits, and with a cluster, the blocks after them
 * that the cluster holds are loaded (asynchronously, the request waiting for them) when loading is worth it. Each
 * step decodes a token for every decoding sequence and prefills chunks within the step's token budget; a prompt's
 * blocks enter the cache when its prefill ends (its first token), and blocks the cache evicts are offloaded to the
 * cluster. What is cached and dropped goes to {@link BlockEvents}.
 *
 * <p>Simplifications: the cache evicts by recency alone (vLLM never evicts a running sequence's blocks; here a
 * prompt larger than what is free may push out blocks of running sequences, which only costs later hits); output
 * tokens are not cached.
 */
final class SimPod {
    /** One request on this pod. */
    static final class Seq {
        final SimRequest request;
        final int requestIndex;
        int reserved;
        int prefillLeft;
        int chunk;
        int generated;
        int gpuHitTokens;
        int cpuHitTokens;
        int nvmeHitTokens;
        /** Told each token as it is generated (a live request's stream), or null. */
        final TokenSink sink;

        Seq(SimRequest request, int requestIndex) {
            this(request, requestIndex, null);
        }

        Seq(SimRequest request, int requestIndex, TokenSink sink) {
            this.request = request;
            this.requestIndex = requestIndex;
            this.sink = sink;
        }
    }

    /** Where a sequence's tokens go as they are generated. */
    interface TokenSink {
        /** Token number {@code generated} (from 1) came out at {@code now}; {@code last} when it is the final one. */
        void token(int generated, boolean last, long now);
    }

    /** What a pod tells the run. */
    interface Listener {
        void firstToken(Seq seq, long now);

        void finished(Seq seq, long now);
    }

    final int index;
    final String id;
    private final EngineParams params;
    private final IntLru gpu;
    private final ClusterTiers cluster;
    private final BlockEvents events;
    private final EngineClock clock;
    private final Listener listener;
    private final ArrayDeque<Seq> waiting = new ArrayDeque<>();
    private final List<Seq> prefilling = new ArrayList<>();
    private final List<Seq> decoding = new ArrayList<>();
    private int loading;
    private int reservedBlocks;
    private boolean stepping;
    /** Inside {@link #admit}: a request whose fetch ends at once joins the step being planned. */
    private boolean admitting;
    /** Prompt tokens admitted, and of them those found in the GPU cache (vLLM's prefix-cache counters). */
    private long queriedTokens;
    private long gpuHitTokens;

    SimPod(int index, EngineParams params, ClusterTiers cluster, BlockEvents events, EngineClock clock,
           Listener listener) {
        this.index = index;
        this.id = podId(index);
        this.params = params;
        this.gpu = new IntLru(params.gpuBlocks());
        this.cluster = cluster;
        this.events = events;
        this.clock = clock;
        this.listener = listener;
    }

    /** The id of pod {@code index}: an {@code <ip>:<port>}, as vLLM's KV events name their pod. */
    static String podId(int index) {
        return "10.1." + (index >> 8) + "." + (index & 255) + ":8000";
    }

    /** The pod as the router's scorers see it now. */
    Pod view() {
        return new Pod(id, id, PodRole.BOTH, true, waiting.size(), running(), kvUsage(), 0);
    }

    int waiting() {
        return waiting.size();
    }

    /** The share of the GPU's blocks that admitted sequences hold (vLLM's {@code kv_cache_usage_perc}). */
    double kvUsage() {
        return Math.min(1.0, reservedBlocks / (double) params.gpuBlocks());
    }

    long queriedTokens() {
        return queriedTokens;
    }

    long gpuHitTokens() {
        return gpuHitTokens;
    }

    int running() {
        return prefilling.size() + decoding.size() + loading;
    }

    /** A request routed here. */
    void submit(Seq seq, long now) {
        waiting.add(seq);
        if (!stepping) {
            startStep(now);
        }
    }

    private void startStep(long now) {
        admit(now);
        int decodes = decoding.size();
        int budget = Math.max(0, params.stepTokenBudget() - decodes);
        int prefill = 0;
        for (Seq seq : prefilling) {
            seq.chunk = Math.min(seq.prefillLeft, budget);
            budget -= seq.chunk;
            prefill += seq.chunk;
        }
        if (decodes == 0 && prefill == 0) {
            stepping = false;
            return;
        }
        stepping = true;
        clock.at(now + params.stepNanos(prefill, decodes), this::endStep);
    }

    private void endStep(long now) {
        for (int i = 0; i < decoding.size(); ) {
            Seq seq = decoding.get(i);
            ++seq.generated;
            if (seq.sink != null) {
                seq.sink.token(seq.generated, seq.generated >= seq.request.outputTokens(), now);
            }
            if (seq.generated >= seq.request.outputTokens()) {
                finish(seq, now);
                decoding.set(i, decoding.get(decoding.size() - 1));
                decoding.remove(decoding.size() - 1);
            } else {
                i++;
            }
        }
        List<Seq> started = new ArrayList<>();
        for (int i = 0; i < prefilling.size(); ) {
            Seq seq = prefilling.get(i);
            seq.prefillLeft -= seq.chunk;
            seq.chunk = 0;
            if (seq.prefillLeft == 0) {
                prefilling.remove(i);
                started.add(seq);
            } else {
                i++;
            }
        }
        for (Seq seq : started) {
            store(seq.request.blocks(), 0, seq.request.blocks().length);
            seq.generated = 1;
            listener.firstToken(seq, now);
            if (seq.sink != null) {
                seq.sink.token(1, seq.request.outputTokens() == 1, now);
            }
            if (seq.generated >= seq.request.outputTokens()) {
                finish(seq, now);
            } else {
                decoding.add(seq);
            }
        }
        startStep(now);
    }

    private void finish(Seq seq, long now) {
        reservedBlocks -= seq.reserved;
        listener.finished(seq, now);
    }

    /** Admits waiting requests in order while a slot and their KV blocks are free (one always, on an idle pod). */
    private void admit(long now) {
        while (!waiting.isEmpty() && running() < params.maxRunning()) {
            Seq seq = waiting.peek();
            int need = (seq.request.inputTokens() + seq.request.outputTokens() + BlockSpace.TOKENS_PER_BLOCK - 1)
                / BlockSpace.TOKENS_PER_BLOCK;
            if (reservedBlocks + need > params.gpuBlocks() && running() > 0) {
                return;
            }
            waiting.poll();
            seq.reserved = need;
            reservedBlocks += need;
            admitting = true;
            try {
                start(seq, now);
            } finally {
                admitting = false;
            }
        }
    }

    /** Finds the request's hits and, with a cluster, loads what is worth loading before its prefill. */
    private void start(Seq seq, long now) {
        int[] blocks = seq.request.blocks();
        int g = 0;
        while (g < blocks.length && gpu.touch(blocks[g])) {
            g++;
        }
        if (cluster == null || g == blocks.length) {
            ready(seq, g, 0, 0);
            return;
        }
        int hits = g;
        loading++;
        cluster.fetch(blocks, g, (cpu, nvme, at) -> {
            loading--;
            store(blocks, hits, hits + cpu + nvme);
            ready(seq, hits, cpu, nvme);
            if (!admitting && !stepping) {
                startStep(at);
            }
        });
    }

    /** The request's hits are known (and loaded): it waits for its prefill. */
    private void ready(Seq seq, int gpuBlocks, int cpuBlocks, int nvmeBlocks) {
        int input = seq.request.inputTokens();
        int t = BlockSpace.TOKENS_PER_BLOCK;
        // at least the prompt's last token is computed, as vLLM does when the whole prompt is cached
        int over = Math.max(0, (gpuBlocks + cpuBlocks + nvmeBlocks) * t - (input - 1));
        seq.gpuHitTokens = gpuBlocks * t;
        seq.nvmeHitTokens = nvmeBlocks * t;
        seq.cpuHitTokens = cpuBlocks * t;
        int fromNvme = Math.min(over, seq.nvmeHitTokens);
        seq.nvmeHitTokens -= fromNvme;
        over -= fromNvme;
        int fromCpu = Math.min(over, seq.cpuHitTokens);
        seq.cpuHitTokens -= fromCpu;
        seq.gpuHitTokens -= over - fromCpu;
        seq.prefillLeft = input - seq.gpuHitTokens - seq.cpuHitTokens - seq.nvmeHitTokens;
        queriedTokens += input;
        gpuHitTokens += seq.gpuHitTokens;
        prefilling.add(seq);
    }

    /** Puts blocks {@code [from, to)} in the GPU cache; what it evicts goes to the cluster. */
    private void store(int[] blocks, int from, int to) {
        for (int b = from; b < to; b++) {
            int block = blocks[b];
            if (gpu.touch(block)) {
                continue;
            }
            events.stored(index, block);
            int evicted = gpu.add(block);
            if (evicted >= 0) {
                events.removed(index, evicted);
                if (cluster != null) {
                    cluster.offload(evicted);
                }
            }
        }
    }
}
