package io.spillway.tier;

import io.spillway.protocol.ErrorCode;
import java.nio.ByteBuffer;

/**
 * A block being written in place, obtained from {@link BlockTier#reserve}: the caller writes the block's bytes into
 * {@link #target()} as they arrive, then either {@link #commit}s (the block becomes visible) or {@link #abort}s
 * (nothing becomes visible and the memory is freed). Exactly one of the two must end every writer; {@code abort}
 * after either is harmless, so an owner can abort unconditionally on cleanup.
 *
 * <p>Refusals need no allocation: a writer whose {@link #status()} is not {@code OK} holds nothing, has no target,
 * and answers its status from {@code commit}. A writer for a key the tier already holds has status {@code OK} but
 * no target either: the bytes are dropped and {@code commit} answers {@code OK} without replacing the stored block.
 *
 * <pre>{@code
 * BlockWriter w = tier.reserve(ns, key, length);
 * ByteBuffer target = w.target();           // null: read the bytes off the wire and drop them
 * ... target.put(slice) for each slice ...
 * ErrorCode code = verified ? w.commit(crc32c) : abortAndAnswer(w);
 * }</pre>
 *
 * <p>A writer is used by one thread at a time.
 */
public interface BlockWriter {
    /**
     * {@code OK} when the tier takes the block (reserved, or already present); otherwise why it refused:
     * {@code BACK_PRESSURE} (cannot take the bytes now), {@code BLOCK_TOO_LARGE} (never), {@code SHUTTING_DOWN}.
     */
    ErrorCode status();

    /**
     * The block's memory: a writable buffer with position 0 and limit = capacity = the reserved length. Write the
     * bytes in order with relative puts (or a {@code ByteBuf.getBytes(index, target)} after raising the limit to
     * the end of the slice), so that the position ends at the length. {@code null} when the tier wants no bytes:
     * refused, or the key is already present. The same buffer is returned on every call.
     */
    ByteBuffer target();

    /**
     * Makes the block visible under its key with this checksum, already verified by the caller. When a concurrent
     * put stored the key meanwhile, the written bytes are discarded and the answer is {@code OK}.
     *
     * @return {@code OK}, this writer's refusal {@link #status()}, or {@code SHUTTING_DOWN} when the tier closed
     *     meanwhile (the bytes are then freed)
     * @throws IllegalStateException when not every reserved byte was written (the writer stays open: abort it),
     *     or the writer was already committed or aborted
     */
    ErrorCode commit(int crc32c);

    /** Frees the reservation; nothing becomes visible. Idempotent, and harmless after {@link #commit}. */
    void abort();

    /** The shared writer refusing with {@code code} (any code but {@code OK}): no target, commit answers it. */
    static BlockWriter refused(ErrorCode code) {
        return NoBytesWriter.refusing(code);
    }

    /** The shared writer for a key the tier already holds: no target, commit answers {@code OK}. */
    static BlockWriter present() {
        return NoBytesWriter.PRESENT;
    }
}
