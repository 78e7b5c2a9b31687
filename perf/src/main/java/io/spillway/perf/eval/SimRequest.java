package io.spillway.perf.eval;

/**
 * One request of a simulated workload.
 *
 * @param arrivalNanos when it arrives, from the start of the run
 * @param inputTokens  its prompt length
 * @param outputTokens tokens it generates
 * @param blocks       the ids ({@link BlockSpace}) of its prompt's full blocks, in order: its prefix chain
 */
public record SimRequest(long arrivalNanos, int inputTokens, int outputTokens, int[] blocks) {
    public SimRequest {
        if (arrivalNanos < 0 || inputTokens < 1 || outputTokens < 1) {
            throw new IllegalArgumentException("arrival " + arrivalNanos + " and input " + inputTokens
                + " must be >= 0 and >= 1, and output " + outputTokens + " >= 1");
        }
    }
}
