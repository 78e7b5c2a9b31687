package io.spillway.perf.harness;

/** The figures of one phase against one target: gets and puts apart, and what went wrong. */
public record PhaseResult(String target, PhaseSpec spec, double seconds, OpResult get, OpResult put, long errors,
                          String firstError) {

    /** Whether every read block was intact and no request failed. */
    public boolean clean() {
        return errors == 0 && get.verifyFailures() == 0;
    }

    /** Bytes per second of gets and puts together, in GB/s. */
    public double totalGigabytesPerSecond() {
        return get.gigabytesPerSecond() + put.gigabytesPerSecond();
    }
}
