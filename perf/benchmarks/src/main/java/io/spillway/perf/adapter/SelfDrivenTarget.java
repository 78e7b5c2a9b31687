package io.spillway.perf.adapter;

import io.spillway.perf.harness.Batch;
import io.spillway.perf.harness.SliceRunner;

/**
 * A target that runs whole slices itself rather than request by request: a peer whose client is not Java, driven
 * by a worker process of its own language that runs each slice with its own closed-loop workers and reports the
 * figures ({@link io.spillway.perf.peer.PeerWorker}). So the Java harness's per-request cost is not charged to the
 * peer, and the peer's own per-request cost is not hidden. {@code bench compare} preloads it with
 * {@link #preload} and runs it in the same interleaved rounds as the others; {@link #put} and {@link #get} are not
 * for it.
 */
public interface SelfDrivenTarget extends BenchTarget, SliceRunner {

    /** Writes blocks {@code [0, blocks)} of the bench's pattern, {@code batch} per request; returns the seconds. */
    double preload(long blocks, int blockBytes, int batch) throws Exception;

    /** What reports say about how the peer is driven: its client, its version, processes. */
    String driver();

    @Override
    default int put(int worker, Batch batch) {
        throw new UnsupportedOperationException(name() + " is driven by its own worker process, a slice at a time");
    }

    @Override
    default int get(int worker, Batch batch) {
        throw new UnsupportedOperationException(name() + " is driven by its own worker process, a slice at a time");
    }
}
