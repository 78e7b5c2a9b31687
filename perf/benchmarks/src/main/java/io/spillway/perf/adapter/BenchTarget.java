package io.spillway.perf.adapter;

import io.spillway.perf.harness.Batch;
import java.nio.ByteBuffer;

/**
 * What the load harness drives: Spillway, Redis or raw loopback TCP, through the same threads, batches and
 * connections, so the client side is never the difference between them.
 *
 * <p>{@link #put} and {@link #get} are called concurrently, each worker with its own index in
 * {@code [0, workers)} and its own {@link Batch}; a target shares its connections among the workers.
 * A request-level failure throws; per-block outcomes are return values.
 */
public interface BenchTarget extends AutoCloseable {

    /** Short name for tables and JSON: {@code spillway}, {@code redis}, {@code tcp}. */
    String name();

    /** Connects; {@code workers} threads will call {@link #put}/{@link #get} concurrently. */
    void open(int workers) throws Exception;

    /** A buffer for blocks of this target: direct where the client reads and writes direct memory. */
    default ByteBuffer allocate(int bytes) {
        return ByteBuffer.allocateDirect(bytes);
    }

    /** Stores {@code batch.ids[i] -> batch.sources[i]} in one request; returns how many blocks were stored. */
    int put(int worker, Batch batch) throws Exception;

    /**
     * Reads {@code batch.ids} in one request into {@code batch.results} (see {@link Batch}); a miss sets
     * {@code results[i]} to {@code null}. Returns the number of hits.
     */
    int get(int worker, Batch batch) throws Exception;

    @Override
    void close();
}
