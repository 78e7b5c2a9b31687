package io.spillway.protocol;

import io.netty.channel.AdaptiveRecvByteBufAllocator;
import io.netty.channel.RecvByteBufAllocator;

/**
 * How big a buffer each socket read gets, on both ends of the data plane. Netty's default adaptive allocator stops
 * growing at 64 KiB, so a 2 MiB block costs 32 reads, each a syscall and a pass through the pipeline; block streams
 * want reads that grow to {@link #MAX_READ_BYTES}, while request and reply headers shrink them back to a few KiB.
 */
public final class BulkReads {
    /** Smallest read buffer (a few headers). */
    public static final int MIN_READ_BYTES = 4 * 1024;
    /** First read buffer of a connection. */
    public static final int INITIAL_READ_BYTES = 64 * 1024;
    /** Largest read buffer: half a typical 2 MiB block. */
    public static final int MAX_READ_BYTES = 1024 * 1024;

    private BulkReads() {
    }

    /** A new allocator (they hold no per-channel state, but Netty expects one per bootstrap). */
    public static RecvByteBufAllocator allocator() {
        return new AdaptiveRecvByteBufAllocator(MIN_READ_BYTES, INITIAL_READ_BYTES, MAX_READ_BYTES);
    }
}
