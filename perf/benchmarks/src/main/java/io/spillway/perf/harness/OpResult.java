package io.spillway.perf.harness;

/**
 * What one kind of request achieved in a phase. {@code blocks}/{@code bytes} count blocks moved successfully
 * (hits for gets, stored blocks for puts); misses and refused blocks are counted apart. GB/s is 10^9 bytes/s.
 */
public record OpResult(long requests, long blocks, long bytes, long misses, long refused, long verifyFailures,
                       double seconds, LatencySummary latency) {

    public double gigabytesPerSecond() {
        return seconds > 0 ? bytes / seconds / 1e9 : 0;
    }

    public double blocksPerSecond() {
        return seconds > 0 ? blocks / seconds : 0;
    }

    public double requestsPerSecond() {
        return seconds > 0 ? requests / seconds : 0;
    }
}
