package io.spillway.protocol;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import org.jspecify.annotations.Nullable;

/**
 * Collects a fixed-size field that may arrive split over several input buffers. When the input already holds the
 * whole field nothing is copied; otherwise the bytes are gathered in a small heap scratch buffer that the decoder
 * owns (not reference counted, so nothing to release). The scratch grows with the bytes that arrived, never ahead of
 * them to the size the field claims: a 16-byte header that announces a 64 KiB error message costs 64 KiB only once
 * 64 KiB came.
 */
final class ByteGatherer {
    private ByteBuf scratch;

    ByteGatherer(int capacity) {
        scratch = Unpooled.wrappedBuffer(new byte[capacity]).clear();
    }

    /**
     * A buffer whose next {@code n} readable bytes are the field: {@code in} itself, or the scratch buffer once it is
     * complete; {@code null} while incomplete (then all of {@code in} was consumed). The caller reads the {@code n}
     * bytes and then calls {@link #reset()}.
     */
    @Nullable ByteBuf gather(ByteBuf in, int n) {
        int have = scratch.writerIndex();
        if (have == 0 && in.readableBytes() >= n) {
            return in;
        }
        int take = Math.min(n - have, in.readableBytes());
        if (scratch.capacity() < have + take) {
            int grown = (int) Math.min(n, Math.max(2L * scratch.capacity(), have + take));
            ByteBuf bigger = Unpooled.wrappedBuffer(new byte[grown]).clear();
            bigger.writeBytes(scratch, 0, have);
            scratch = bigger;
        }
        scratch.writeBytes(in, take);
        return scratch.writerIndex() == n ? scratch : null;
    }

    /** Bytes gathered so far for an incomplete field. */
    int pending() {
        return scratch.writerIndex();
    }

    void reset() {
        scratch.clear();
    }
}
