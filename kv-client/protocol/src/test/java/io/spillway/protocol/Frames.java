package io.spillway.protocol;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufUtil;
import io.netty.buffer.PooledByteBufAllocator;
import io.netty.buffer.Unpooled;
import java.util.function.Consumer;

/** Test helpers: build a frame into bytes, and feed bytes to a decoder in chunks of a given size. */
public final class Frames {
    private Frames() {
    }

    /** Runs {@code writer} on a pooled buffer and returns the bytes written (the buffer is released). */
    public static byte[] build(Consumer<ByteBuf> writer) {
        ByteBuf out = PooledByteBufAllocator.DEFAULT.directBuffer();
        try {
            writer.accept(out);
            return ByteBufUtil.getBytes(out);
        } finally {
            out.release();
        }
    }

    /** Feeds {@code wire} to {@code decode} in chunks of {@code chunk} bytes (wrapped arrays: nothing to release). */
    public static void feed(byte[] wire, int chunk, Consumer<ByteBuf> decode) {
        for (int off = 0; off < wire.length; off += chunk) {
            ByteBuf in = Unpooled.wrappedBuffer(wire, off, Math.min(chunk, wire.length - off));
            decode.accept(in);
            if (in.isReadable()) {
                throw new AssertionError("decoder left " + in.readableBytes() + " bytes unread");
            }
        }
    }

    /** Feeds {@code wire} in chunks through one reused pooled direct buffer (the decoders' direct-memory path). */
    public static void feedDirect(byte[] wire, int chunk, Consumer<ByteBuf> decode) {
        ByteBuf in = PooledByteBufAllocator.DEFAULT.directBuffer(chunk);
        try {
            for (int off = 0; off < wire.length; off += chunk) {
                in.clear().writeBytes(wire, off, Math.min(chunk, wire.length - off));
                decode.accept(in);
                if (in.isReadable()) {
                    throw new AssertionError("decoder left " + in.readableBytes() + " bytes unread");
                }
            }
        } finally {
            in.release();
        }
    }

    public static byte[] concat(byte[]... parts) {
        int n = 0;
        for (byte[] p : parts) {
            n += p.length;
        }
        byte[] all = new byte[n];
        int at = 0;
        for (byte[] p : parts) {
            System.arraycopy(p, 0, all, at, p.length);
            at += p.length;
        }
        return all;
    }
}
