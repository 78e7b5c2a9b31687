package io.spillway.perf.harness;

import org.HdrHistogram.Histogram;

/**
 * One run of the harness over a phase (a whole phase, or one slice of an interleaved one): its result, and the
 * measured latencies of gets and puts in nanoseconds, kept so that slices can be merged exactly.
 *
 * @param result   the slice's figures
 * @param getNanos latency of every measured get, in nanoseconds
 * @param putNanos latency of every measured put, in nanoseconds
 */
public record PhaseSlice(PhaseResult result, Histogram getNanos, Histogram putNanos) {
}
