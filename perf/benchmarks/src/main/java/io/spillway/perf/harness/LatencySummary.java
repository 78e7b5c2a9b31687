package io.spillway.perf.harness;

import org.HdrHistogram.Histogram;

/** Latency percentiles of one kind of request, in microseconds. */
public record LatencySummary(long count, double p50Micros, double p99Micros, double p999Micros, double maxMicros,
                             double meanMicros) {

    public static final LatencySummary EMPTY = new LatencySummary(0, 0, 0, 0, 0, 0);

    public static LatencySummary of(Histogram nanos) {
        if (nanos.getTotalCount() == 0) {
            return EMPTY;
        }
        return new LatencySummary(nanos.getTotalCount(),
            nanos.getValueAtPercentile(50) / 1e3,
            nanos.getValueAtPercentile(99) / 1e3,
            nanos.getValueAtPercentile(99.9) / 1e3,
            nanos.getMaxValue() / 1e3,
            nanos.getMean() / 1e3);
    }
}
