package io.spillway.perf.eval;

/**
 * One request of a simulated workload.
 *
 * @param arrivalNanos when it arrives, from the start of the run
 * @param inputTokens  its prompt length
 * @param outputTokens tokens it generates
 * @param blocks       the ids ({@link BlockSpace}) of its prompt's full blocks as the engine keys them, in order: its
 *                     prefix chain, what the pods cache
 * @param routerBlocks the same as the router keys them, which the routing policies look up: equal to {@code blocks}
 *                     unless the router keys the request another way (a chat request without its template)
 */
public record SimRequest(long arrivalNanos, int inputTokens, int outputTokens, int[] blocks, int[] routerBlocks) {
    public SimRequest {
        if (arrivalNanos < 0 || inputTokens < 1 || outputTokens < 1) {
            throw new IllegalArgumentException("arrival " + arrivalNanos + " and input " + inputTokens
                + " must be >= 0 and >= 1, and output " + outputTokens + " >= 1");
        }
    }

    /** A request the router keys as the engine does. */
    public SimRequest(long arrivalNanos, int inputTokens, int outputTokens, int[] blocks) {
        this(arrivalNanos, inputTokens, outputTokens, blocks, blocks);
    }

    /** The same request arriving at {@code nanos}. */
    public SimRequest arrivingAt(long nanos) {
        return new SimRequest(nanos, inputTokens, outputTokens, blocks, routerBlocks);
    }
}
