package io.spillway.perf.harness;

import org.HdrHistogram.Histogram;

/**
 * Merges the slices of one target's phase into one {@link PhaseResult}: counters and measured seconds are summed,
 * and latency percentiles come from the union of the slices' histograms (never from averaging their percentiles),
 * so they are the percentiles of every request of every slice.
 */
public final class PhaseMerger {
    private final String target;
    private final PhaseSpec spec;
    private final OpMerger gets = new OpMerger();
    private final OpMerger puts = new OpMerger();
    private double seconds;
    private long errors;
    private String firstError;
    private int slices;

    /**
     * @param target the target's name, as results carry it
     * @param spec   the whole phase (its warm-up and total duration are what the merged result reports)
     */
    public PhaseMerger(String target, PhaseSpec spec) {
        this.target = target;
        this.spec = spec;
    }

    /** Adds one slice of this target's phase. */
    public PhaseMerger add(PhaseSlice slice) {
        PhaseResult r = slice.result();
        seconds += r.seconds();
        errors += r.errors();
        if (firstError == null) {
            firstError = r.firstError();
        }
        gets.add(r.get(), slice.getNanos());
        puts.add(r.put(), slice.putNanos());
        slices++;
        return this;
    }

    /** How many slices were added. */
    public int slices() {
        return slices;
    }

    /** The merged phase: sums over the slices, percentiles of the merged latency distribution. */
    public PhaseResult result() {
        return new PhaseResult(target, spec, seconds, gets.result(seconds), puts.result(seconds), errors, firstError);
    }

    /** Sums of one kind of request over the slices. */
    private static final class OpMerger {
        private final Histogram nanos = LatencyRecorder.newHistogram();
        private long requests;
        private long blocks;
        private long bytes;
        private long misses;
        private long refused;
        private long verifyFailures;

        void add(OpResult o, Histogram sliceNanos) {
            requests += o.requests();
            blocks += o.blocks();
            bytes += o.bytes();
            misses += o.misses();
            refused += o.refused();
            verifyFailures += o.verifyFailures();
            nanos.add(sliceNanos);
        }

        OpResult result(double seconds) {
            return new OpResult(requests, blocks, bytes, misses, refused, verifyFailures, seconds,
                LatencySummary.of(nanos));
        }
    }
}
