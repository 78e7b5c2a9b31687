package io.spillway.perf.eval;

import io.spillway.key.Namespace;
import io.spillway.perf.sim.MooncakeTrace;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Random;
import java.util.SplittableRandom;

/** The evaluation's workloads. */
public final class Workloads {
    /** The model the simulated pods serve: its namespace roots every block key. */
    public static final Namespace NAMESPACE = Namespace.builder().tenant("eval").modelId("meta-llama/Llama-3.1-8B-Instruct")
        .layers(32).kvHeads(8).headDim(128).build();

    private Workloads() {
    }

    /**
     * Mooncake's conversation trace (or any file of its format), read where it lies: each 512-token trace block
     * becomes 32 blocks of 16 deterministic tokens; arrivals are the trace's timestamps; the output lengths are the
     * trace's. At most {@code limit} requests. Named after the file (conversation_trace.jsonl, a held-out
     * synthetic trace's own name), so reports say which trace they ran.
     */
    public static Workload mooncake(Path trace, int limit) throws IOException {
        return mooncake(trace, limit, String.valueOf(trace.getFileName()));
    }

    /**
     * {@link #mooncake(Path, int)}, named {@code name} in reports (a copied file's own name may not say what it is).
     */
    public static Workload mooncake(Path trace, int limit, String name) throws IOException {
        BlockSpace space = new BlockSpace(NAMESPACE, 512);
        List<SimRequest> requests = new ArrayList<>();
        for (MooncakeTrace.Row row : MooncakeTrace.rows(trace)) {
            if (requests.size() == limit) {
                break;
            }
            if (row.inputTokens() == 0) {
                continue;
            }
            requests.add(new SimRequest(row.timestampMillis() * 1_000_000L, row.inputTokens(),
                Math.max(1, row.outputTokens()), space.blocksOf(row.hashIds(), row.inputTokens())));
        }
        return new Workload(name, requests, space);
    }

    /**
     * An Azure trace as it is: its arrivals and lengths, every prompt its own (the traces hold no prefix
     * information, so nothing is shared and no policy can hit): a load pattern. At most {@code limit} requests.
     */
    public static Workload azure(Path trace, int limit) throws IOException {
        int t = BlockSpace.TOKENS_PER_BLOCK;
        BlockSpace space = new BlockSpace(NAMESPACE, t);
        List<SimRequest> requests = new ArrayList<>();
        int next = 0;
        for (AzureTrace.Row row : AzureTrace.rows(trace, limit)) {
            if (row.inputTokens() == 0) {
                continue;
            }
            int[] ids = new int[(row.inputTokens() + t - 1) / t];
            for (int b = 0; b < ids.length; b++) {
                ids[b] = next++;
            }
            requests.add(new SimRequest(row.arrivalNanos(), row.inputTokens(), Math.max(1, row.outputTokens()),
                space.blocksOf(ids, row.inputTokens())));
        }
        return new Workload("azure-" + trace.getFileName(), requests, space);
    }

    /**
     * {@code workload}'s requests arriving when {@code trace}'s do: the i-th request at the i-th row's arrival (the
     * trace's first rows; it must have as many). For the shared-prefix workload with Azure's bursts.
     */
    public static Workload arrivingAs(Workload workload, Path trace) throws IOException {
        List<AzureTrace.Row> rows = AzureTrace.rows(trace, workload.requests().size());
        if (rows.size() < workload.requests().size()) {
            throw new IllegalArgumentException(trace + " has " + rows.size() + " rows for "
                + workload.requests().size() + " requests");
        }
        List<SimRequest> requests = new ArrayList<>();
        for (int i = 0; i < workload.requests().size(); i++) {
            SimRequest r = workload.requests().get(i);
            requests.add(r.arrivingAt(rows.get(i).arrivalNanos()));
        }
        return new Workload(workload.name() + "@" + trace.getFileName(), requests, workload.space());
    }

    /**
     * llm-d's shared-prefix workload: {@code groups} groups of {@code users} users; each user sends its group's
     * shared context followed by a question of its own and gets {@code outputTokens} tokens back; the prompts go
     * in a seeded shuffled order with Poisson arrivals at {@code qps}.
     */
    public static Workload sharedPrefix(int groups, int users, int contextTokens, int questionTokens,
                                        int outputTokens, double qps, long seed) {
        if (groups < 1 || users < 1 || contextTokens < 0 || questionTokens < 1 || !(qps > 0)) {
            throw new IllegalArgumentException("groups and users must be >= 1, context >= 0, question >= 1 and qps "
                + "> 0; got " + groups + ", " + users + ", " + contextTokens + ", " + questionTokens + ", " + qps);
        }
        int t = BlockSpace.TOKENS_PER_BLOCK;
        BlockSpace space = new BlockSpace(NAMESPACE, t);
        int input = contextTokens + questionTokens;
        int contextBlocks = contextTokens / t; // a block that straddles context and question is the user's own
        int ownBlocks = (input + t - 1) / t - contextBlocks;
        List<int[]> prompts = new ArrayList<>();
        int next = 0;
        for (int g = 0; g < groups; g++) {
            int context = next;
            next += contextBlocks;
            for (int u = 0; u < users; u++) {
                int[] ids = new int[contextBlocks + ownBlocks];
                for (int b = 0; b < contextBlocks; b++) {
                    ids[b] = context + b;
                }
                for (int b = contextBlocks; b < ids.length; b++) {
                    ids[b] = next++;
                }
                prompts.add(ids);
            }
        }
        Collections.shuffle(prompts, new Random(seed));
        SplittableRandom arrivals = new SplittableRandom(seed);
        List<SimRequest> requests = new ArrayList<>();
        double at = 0;
        for (int[] ids : prompts) {
            requests.add(new SimRequest(Math.round(at * 1e9), input, outputTokens, space.blocksOf(ids, input)));
            at += -Math.log(1 - arrivals.nextDouble()) / qps;
        }
        return new Workload("shared-prefix", requests, space);
    }
}
