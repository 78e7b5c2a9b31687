package io.spillway.perf.eval;

/**
 * One run of a break-even sweep, for the report's "where the win ends" chart ({@link EvalReport#withBreakEvenSweep}):
 * a policy's TTFT p90 and hit tokens at one cluster bandwidth and prefill rate. The sweep itself is run elsewhere;
 * the report only draws the points it is given, and nothing when it is given none.
 *
 * @param clusterGigabytesPerSecond the cluster tier's load bandwidth into a pod, GB/s
 * @param prefillTokensPerSecond    a pod's prefill rate
 * @param policy                    the routing policy
 * @param ttftP90Millis             its time to first token, p90
 * @param hitTokens                 its prompt tokens found cached (any tier)
 */
public record BreakEvenPoint(double clusterGigabytesPerSecond, double prefillTokensPerSecond, Policy policy,
                             double ttftP90Millis, long hitTokens) {
    public BreakEvenPoint {
        if (!(clusterGigabytesPerSecond > 0) || !(prefillTokensPerSecond > 0)) {
            throw new IllegalArgumentException("bandwidth and prefill rate must be > 0, got "
                + clusterGigabytesPerSecond + " GB/s, " + prefillTokensPerSecond + " tokens/s");
        }
    }
}
