package io.spillway.perf.harness;

import java.nio.ByteBuffer;
import java.util.function.IntFunction;

/**
 * One worker's reusable request: block ids, the buffers a put sends, and the buffers a get fills.
 *
 * <p>Buffers are allocated on first use (a get-only worker never allocates sources). {@link #sources} are stamped by the harness before a put. {@link #results} start as the target's own
 * reusable buffers (cleared before each get); a target that receives into memory of its own (Redis clients return
 * fresh arrays) may replace {@code results[i]} with a view of it. After a get, {@code results[i]} holds block
 * {@code ids[i]} between its position and limit, or is {@code null} on a miss.
 */
public final class Batch {
    public final long[] ids;
    public final ByteBuffer[] sources;
    public final ByteBuffer[] results;
    private final ByteBuffer[] receiveBuffers;
    private final int blockBytes;
    private final IntFunction<ByteBuffer> allocator;

    public Batch(int size, int blockBytes, IntFunction<ByteBuffer> allocator) {
        if (size <= 0) {
            throw new IllegalArgumentException("batch size must be > 0, got " + size);
        }
        this.ids = new long[size];
        this.sources = new ByteBuffer[size];
        this.results = new ByteBuffer[size];
        this.receiveBuffers = new ByteBuffer[size];
        this.blockBytes = blockBytes;
        this.allocator = allocator;
    }

    public int size() {
        return ids.length;
    }

    public int blockBytes() {
        return blockBytes;
    }

    /** Stamps every source buffer with its id: call after setting {@link #ids}, before a put. */
    public void stampSources() {
        for (int i = 0; i < ids.length; i++) {
            if (sources[i] == null) {
                sources[i] = allocator.apply(blockBytes);
                BlockPattern.fillTemplate(sources[i]);
            }
            BlockPattern.stamp(sources[i], ids[i], blockBytes);
        }
    }

    /** Points every result at its cleared receive buffer: call before a get. */
    public void resetResults() {
        for (int i = 0; i < ids.length; i++) {
            if (receiveBuffers[i] == null) {
                receiveBuffers[i] = allocator.apply(blockBytes);
            }
            results[i] = receiveBuffers[i].clear();
        }
    }
}
