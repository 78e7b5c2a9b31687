package io.spillway.protocol;

import com.sun.management.ThreadMXBean;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.embedded.EmbeddedChannel;
import java.lang.management.ManagementFactory;
import java.nio.ByteBuffer;
import java.util.SplittableRandom;
import java.util.function.Consumer;
import java.util.function.LongSupplier;

/**
 * Drives a streaming decoder as a connection's last handler does (the server's {@code RequestHandler}, the client's
 * {@code Connection}): each read is a direct buffer that {@code channelRead} decodes and releases, inside an
 * {@link EmbeddedChannel}. A fuzz input is one byte that picks how the rest is cut into reads, then the bytes the peer
 * sent. Checks what every decoder owes its pipeline: it reads every byte it is given, the buffer is released, no
 * exception reaches the pipeline; and it measures what the decoder allocates, which
 * {@link #requireBoundedAllocation} holds to the bytes it was really given.
 */
final class FuzzReads {
    /** Heap a decoder and its listener may allocate for a whole input, beyond {@link #BYTES_PER_INPUT_BYTE}. */
    static final long FIXED_ALLOCATION_BYTES = 16 * 1024;
    /**
     * Heap per input byte: a 16-byte key becomes a 32-byte BlockKey, an error message a String, and a read (as
     * small as one byte) may cost its buffer's NIO view once (checksumming a direct buffer).
     */
    static final long BYTES_PER_INPUT_BYTE = 128;

    /**
     * Direct memory the reads are slices of: reference-counted direct buffers as a socket's, but not tracked by
     * Netty's leak detector (whose records at every access, at the tests' paranoid level, would be counted as the
     * decoder's allocations); the reference counts are checked here instead.
     */
    private static final ByteBuffer SLAB = ByteBuffer.allocateDirect(64 * 1024);
    private static final ThreadMXBean THREADS = (ThreadMXBean) ManagementFactory.getThreadMXBean();
    private static final Consumer<ByteBuf> NOTHING = in -> in.skipBytes(in.readableBytes());
    /** One channel for every input (a connection's pipeline is long-lived); each input brings its own decoder. */
    private static final DecodingHandler HANDLER = new DecodingHandler();
    private static final EmbeddedChannel CHANNEL = new EmbeddedChannel(HANDLER);

    private FuzzReads() {
    }

    /** Whether the input asks for the default limits (bit 7 of its first byte) rather than small ones. */
    static boolean wantsDefaultLimits(byte[] input) {
        return input.length > 0 && (input[0] & 0x80) != 0;
    }

    /**
     * Feeds {@code input[1..]} to {@code decode} in the reads {@code input[0]} picks (0: one read; else reads of 1 to
     * {@code 2^(plan % 8)} bytes, sized by a generator seeded with the plan), through one channel; returns the bytes of
     * heap allocated inside {@code decode}.
     */
    static long feed(byte[] input, Consumer<ByteBuf> decode) {
        if (input.length < 2) {
            return 0;
        }
        HANDLER.decode = decode;
        HANDLER.allocated = 0;
        try {
            ByteBuffer wire = input.length <= SLAB.capacity() ? SLAB : ByteBuffer.allocateDirect(input.length);
            wire.clear();
            wire.put(input);
            int plan = input[0] & 0x7F;
            SplittableRandom cuts = new SplittableRandom(plan);
            int maxRead = 1 << (plan % 8);
            for (int off = 1; off < input.length; ) {
                int n = plan == 0 ? input.length - off : Math.min(input.length - off, 1 + cuts.nextInt(maxRead));
                ByteBuf read = Unpooled.wrappedBuffer(wire.duplicate().position(off).limit(off + n).slice());
                CHANNEL.writeInbound(read);
                CHANNEL.checkException();
                if (read.refCnt() != 0) {
                    read.release(read.refCnt());
                    throw new AssertionError("a read of " + n + " bytes was not released");
                }
                off += n;
            }
        } finally {
            HANDLER.decode = NOTHING;
        }
        return HANDLER.allocated;
    }

    /**
     * Fails when decoding {@code input} allocated more than the bound both times: the first time it ran
     * ({@code allocated}) and once more ({@code again} decodes it with a fresh decoder), so that what a first use
     * costs once (class loading, a formatter's first message) is not taken for an allocation the input caused.
     */
    static void requireBoundedAllocation(byte[] input, long allocated, LongSupplier again) {
        long bound = FIXED_ALLOCATION_BYTES + BYTES_PER_INPUT_BYTE * input.length;
        if (allocated > bound) {
            long second = again.getAsLong();
            if (second > bound) {
                throw new AssertionError("decoding " + input.length + " bytes allocated " + second
                    + " bytes of heap, over " + bound + ": an allocation follows a length the input claims");
            }
        }
    }

    /** The connection's last handler: decode, then release, as the server and the client do. */
    private static final class DecodingHandler extends ChannelInboundHandlerAdapter {
        Consumer<ByteBuf> decode = NOTHING;
        long allocated;

        @Override
        public void channelRead(ChannelHandlerContext ctx, Object msg) {
            ByteBuf in = (ByteBuf) msg;
            try {
                long before = THREADS.getCurrentThreadAllocatedBytes();
                decode.accept(in);
                allocated += THREADS.getCurrentThreadAllocatedBytes() - before;
                if (in.isReadable()) {
                    throw new AssertionError("the decoder left " + in.readableBytes() + " bytes of a read unread");
                }
            } finally {
                in.release();
            }
        }
    }
}
