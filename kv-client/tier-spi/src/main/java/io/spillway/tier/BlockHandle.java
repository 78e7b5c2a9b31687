package io.spillway.tier;

import io.spillway.key.BlockKey;
import java.nio.ByteBuffer;

/**
 * A block read from a tier. While the handle is open its bytes stay valid (the block is pinned), even if the tier
 * evicts or demotes the block meanwhile. {@link #close()} must be called exactly once; later calls are ignored.
 */
public interface BlockHandle extends AutoCloseable {
    BlockKey namespace();

    BlockKey key();

    /** A read-only view of exactly the block's bytes (position 0, limit = length). Valid until close. */
    ByteBuffer data();

    int length();

    /** CRC32C of the block's bytes, as stored and verified. */
    int crc32c();

    TierKind tier();

    @Override
    void close();
}
