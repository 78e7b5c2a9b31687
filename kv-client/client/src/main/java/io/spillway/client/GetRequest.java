package io.spillway.client;

import io.netty.buffer.ByteBuf;
import io.spillway.key.BlockKey;
import io.spillway.protocol.ErrorCode;
import io.spillway.tier.TierKind;
import java.nio.ByteBuffer;

/**
 * A GET_BATCH: the response's bytes are copied chunk by chunk straight into {@code destinations[i]} from its
 * position. A hit leaves the position where it was and sets the limit to the block's end; a block that does not
 * fit is {@code BUFFER_TOO_SMALL} and its bytes are skipped; a block whose bytes fail their CRC32C is
 * {@code CHECKSUM_MISMATCH} (the buffer's bytes after its position are then undefined); position and limit of a
 * buffer whose block is not a hit are left as they were.
 */
final class GetRequest extends GetBatchRequest {
    private final ByteBuffer[] destinations;
    private ByteBuffer current;
    private int start;
    private int originalLimit;

    GetRequest(BlockKey namespace, BlockKey[] keys, ByteBuffer[] destinations) {
        super(namespace, keys);
        this.destinations = destinations;
    }

    @Override
    void onGetEntry(int index, ErrorCode status, TierKind tier, int length) {
        statuses[index] = status;
        current = null;
        if (status != ErrorCode.OK) {
            return;
        }
        ByteBuffer dst = destinations[index];
        if (dst.remaining() < length) {
            statuses[index] = ErrorCode.BUFFER_TOO_SMALL;
            lengths[index] = length;
            return;
        }
        tiers[index] = tier;
        lengths[index] = length;
        current = dst;
        start = dst.position();
        originalLimit = dst.limit();
        dst.limit(start + length);
    }

    @Override
    void onGetBytes(ByteBuf buffer, int index, int length) {
        if (current != null) {
            int blockEnd = current.limit();
            current.limit(current.position() + length);
            buffer.getBytes(index, current);
            current.limit(blockEnd);
        }
    }

    @Override
    void onGetEntryEnd(int index, ErrorCode verdict) {
        if (current == null) {
            return;
        }
        current.position(start);
        if (verdict != ErrorCode.OK) {
            current.limit(originalLimit);
            fail(index, verdict);
        }
        current = null;
    }

    /** Puts back the position and limit of a block cut off by a failure. */
    void abandon() {
        if (current != null) {
            current.position(start).limit(originalLimit);
            current = null;
        }
    }
}
