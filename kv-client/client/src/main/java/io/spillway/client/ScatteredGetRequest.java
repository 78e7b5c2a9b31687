package io.spillway.client;

import io.netty.buffer.ByteBuf;
import io.spillway.key.BlockKey;
import io.spillway.protocol.ErrorCode;
import io.spillway.tier.TierKind;
import java.nio.ByteBuffer;

/**
 * A GET_BATCH whose destinations are each several regions ({@link KvClient#getScattered}): the response's bytes are
 * copied chunk by chunk straight from the receive buffer into block {@code i}'s regions in order, filling one before
 * the next, so a block costs the same one copy as a {@link GetRequest}'s. The decoder checks the CRC32C over the whole
 * block as the bytes pass; the verdict comes at the entry's end, and only then is the block a hit: a block that fails
 * it is {@code CHECKSUM_MISMATCH}, its regions' bytes undefined. The regions' positions and limits are put back after
 * each piece.
 */
final class ScatteredGetRequest extends GetBatchRequest {
    private final ByteBuffer[][] regions;
    /** The regions of the block being received, or null (a miss, a block too large, or none). */
    private ByteBuffer[] current;
    /** The region the next byte lands in, and how many bytes of it are already written. */
    private int region;
    private int written;

    ScatteredGetRequest(BlockKey namespace, BlockKey[] keys, ByteBuffer[][] regions) {
        super(namespace, keys);
        this.regions = regions;
    }

    /** Throws for a malformed call: a block without regions, or a read-only region. */
    static void check(ByteBuffer[][] regions) {
        for (int i = 0; i < regions.length; i++) {
            if (regions[i] == null || regions[i].length == 0) {
                throw new IllegalArgumentException("block " + i + " has no regions");
            }
            for (ByteBuffer r : regions[i]) {
                if (r.isReadOnly()) {
                    throw new IllegalArgumentException("a region of block " + i + " is read-only");
                }
            }
        }
    }

    @Override
    void onGetEntry(int index, ErrorCode status, TierKind tier, int length) {
        statuses[index] = status;
        current = null;
        if (status != ErrorCode.OK) {
            return;
        }
        lengths[index] = length;
        long room = 0;
        for (ByteBuffer r : regions[index]) {
            room += r.remaining();
        }
        if (room < length) {
            statuses[index] = ErrorCode.BUFFER_TOO_SMALL;
            return;
        }
        tiers[index] = tier;
        current = regions[index];
        region = 0;
        written = 0;
    }

    @Override
    void onGetBytes(ByteBuf buffer, int index, int length) {
        if (current == null) {
            return;
        }
        int at = index;
        int left = length;
        while (left > 0) {
            ByteBuffer dst = current[region];
            int room = dst.remaining() - written;
            if (room == 0) {
                region++;
                written = 0;
                continue;
            }
            int n = Math.min(room, left);
            int position = dst.position();
            int limit = dst.limit();
            dst.position(position + written).limit(position + written + n);
            buffer.getBytes(at, dst);
            dst.limit(limit).position(position);
            written += n;
            at += n;
            left -= n;
        }
    }

    @Override
    void onGetEntryEnd(int index, ErrorCode verdict) {
        if (current != null && verdict != ErrorCode.OK) {
            fail(index, verdict);
        }
        current = null;
    }
}
