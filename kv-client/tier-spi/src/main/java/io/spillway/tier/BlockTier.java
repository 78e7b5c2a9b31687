package io.spillway.tier;

import io.spillway.key.BlockKey;
import io.spillway.protocol.ErrorCode;
import java.nio.ByteBuffer;
import java.util.List;
import java.util.Optional;

/**
 * One storage tier. Blocks are immutable per key: a put of a key already present returns {@link ErrorCode#OK}
 * without replacing it. A block is visible to {@link #get} only once completely stored with its checksum; a read
 * never sees a partial block or a block of another namespace.
 *
 * <p>Implementations are thread-safe.
 */
public interface BlockTier extends AutoCloseable {
    TierKind kind();

    /**
     * Stores a copy of {@code src}'s remaining bytes (position and limit are not changed).
     *
     * @param crc32c the CRC32C of those bytes, already verified by the caller
     * @return {@code OK}, {@code BACK_PRESSURE} when the tier cannot take the bytes now, {@code BLOCK_TOO_LARGE}
     *     when it can never hold them, or {@code INTERNAL}
     */
    ErrorCode put(BlockKey namespace, BlockKey key, ByteBuffer src, int crc32c);

    /**
     * Reserves room for a block of {@code length} bytes to be written in place and committed later (see
     * {@link BlockWriter}); lets a caller receive bytes straight into the tier's memory instead of assembling them
     * first. Refusals come back as a shared writer whose {@link BlockWriter#status()} says why, without allocation.
     *
     * <p>The default buffers the bytes in a direct buffer and calls {@link #put} at commit, so every tier supports
     * it; tiers that can hand out their own memory override it.
     *
     * @throws IllegalArgumentException when {@code length} is negative
     */
    default BlockWriter reserve(BlockKey namespace, BlockKey key, int length) {
        return new BufferedBlockWriter(this, namespace, key, length);
    }

    /** A pinned handle on the block, or {@code null} on a miss (absent, of another namespace, or corrupt). */
    BlockHandle get(BlockKey namespace, BlockKey key);

    /** Whether the tier holds the key (under any namespace), without counting a hit or a miss. */
    boolean contains(BlockKey key);

    /** Removes the block; returns whether it was present. Open handles stay valid. */
    boolean remove(BlockKey key);

    TierCounters counters();

    /**
     * The keys the tier holds, as of some moment during the call: a key stored or removed concurrently may or may not
     * be in it. A copy of references only (the keys are immutable), so it is quick to take and the caller reads it at
     * leisure. For snapshots of a node's block set (docs/events.md).
     *
     * @throws UnsupportedOperationException when the tier cannot list its keys
     */
    default List<BlockKey> keys() {
        throw new UnsupportedOperationException(kind() + " tier " + getClass().getSimpleName()
            + " cannot list its keys");
    }

    /**
     * Empty while the tier works fully; else a sentence naming the tier and what it cannot do now (a full disk that
     * stops its writes, for example), shown in the node's {@code /ready} detail. A degraded tier still answers every
     * call: refusals come back as statuses ({@code BACK_PRESSURE}), reads go on where they can.
     */
    default Optional<String> degradation() {
        return Optional.empty();
    }

    @Override
    void close();
}
