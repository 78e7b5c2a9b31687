package io.spillway.perf.eval;

import java.util.BitSet;
import java.util.List;

/**
 * The requests of a simulated run, in arrival order, and the blocks they name.
 *
 * @param name     what it is, for reports
 * @param requests in arrival order
 * @param space    their blocks' keys
 */
public record Workload(String name, List<SimRequest> requests, BlockSpace space) {
    public Workload {
        requests = List.copyOf(requests);
        for (int i = 1; i < requests.size(); i++) {
            if (requests.get(i).arrivalNanos() < requests.get(i - 1).arrivalNanos()) {
                throw new IllegalArgumentException("request " + i + " arrives before request " + (i - 1));
            }
        }
    }

    /** Total prompt tokens. */
    public long inputTokens() {
        long sum = 0;
        for (SimRequest r : requests) {
            sum += r.inputTokens();
        }
        return sum;
    }

    /**
     * The upper bound on hit tokens: a cache of unbounded size shared by every pod, where a request hits its leading
     * blocks that any earlier request had (at most all of its prompt but the last token, which is always computed).
     */
    public long oracleHitTokens() {
        BitSet seen = new BitSet();
        long hits = 0;
        for (SimRequest r : requests) {
            int[] blocks = r.blocks();
            int run = 0;
            while (run < blocks.length && seen.get(blocks[run])) {
                run++;
            }
            hits += Math.min((long) run * BlockSpace.TOKENS_PER_BLOCK, r.inputTokens() - 1);
            for (int block : blocks) {
                seen.set(block);
            }
        }
        return hits;
    }

    /** The same requests arriving {@code speedup} times faster (time compression). */
    public Workload compressed(double speedup) {
        if (!(speedup > 0)) {
            throw new IllegalArgumentException("speedup must be > 0, got " + speedup);
        }
        return new Workload(name, requests.stream().map(r -> r.arrivingAt(Math.round(r.arrivalNanos() / speedup)))
            .toList(), space);
    }

    /** The first {@code n} requests. */
    public Workload first(int n) {
        return new Workload(name, requests.subList(0, Math.min(n, requests.size())), space);
    }
}
