package io.spillway.perf.harness;

/**
 * Runs one phase, or one slice of an interleaved phase, against one target and hands back its figures with the
 * measured latency histograms: {@link LoadHarness} for targets the Java harness drives request by request, and a
 * peer's own worker process for a peer driven through its own client in another language.
 */
@FunctionalInterface
public interface SliceRunner {
    PhaseSlice runSlice(PhaseSpec spec) throws InterruptedException;
}
