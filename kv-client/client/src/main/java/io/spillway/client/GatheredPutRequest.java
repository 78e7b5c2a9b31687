package io.spillway.client;

import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFuture;
import io.spillway.key.BlockKey;
import java.nio.ByteBuffer;
import java.util.zip.CRC32C;

/**
 * A PUT_BATCH whose blocks are each several regions laid end to end ({@link KvClient#putGathered}): the same frame
 * as {@link PutRequest}'s, each region wrapped, never copied, so the socket gathers them (writev). A block's CRC32C
 * is computed over its regions in order, by the caller's thread: the node stores and checks the same bytes as a put
 * of the block in one buffer.
 */
final class GatheredPutRequest extends PutBatchRequest {
    private final ByteBuffer[][] regions;
    private final int[] lengths;

    GatheredPutRequest(BlockKey namespace, BlockKey[] keys, ByteBuffer[][] regions, int[] lengths) {
        super(namespace, keys, crcsOf(regions), totalOf(lengths));
        this.regions = regions;
        this.lengths = lengths;
    }

    /** Each block's CRC32C over its regions' remaining bytes in order. */
    private static int[] crcsOf(ByteBuffer[][] regions) {
        int[] crcs = new int[regions.length];
        CRC32C crc = new CRC32C();
        for (int i = 0; i < regions.length; i++) {
            crc.reset();
            for (ByteBuffer r : regions[i]) {
                crc.update(r.duplicate());
            }
            crcs[i] = (int) crc.getValue();
        }
        return crcs;
    }

    private static long totalOf(int[] lengths) {
        long total = 0;
        for (int n : lengths) {
            total += n;
        }
        return total;
    }

    /** Each block's length, its regions' remaining bytes added up; throws for a malformed call. */
    static int[] lengthsOf(ByteBuffer[][] regions, int maxBlockBytes) {
        int[] lengths = new int[regions.length];
        for (int i = 0; i < regions.length; i++) {
            if (regions[i] == null || regions[i].length == 0) {
                throw new IllegalArgumentException("block " + i + " has no regions");
            }
            long n = 0;
            for (ByteBuffer r : regions[i]) {
                n += r.remaining();
            }
            if (n > maxBlockBytes) {
                lengths[i] = -1;
            } else {
                lengths[i] = (int) n;
            }
        }
        return lengths;
    }

    @Override
    int blockLength(int i) {
        return lengths[i];
    }

    @Override
    ChannelFuture writeBlock(Channel channel, int i) {
        ChannelFuture last = null;
        for (ByteBuffer r : regions[i]) {
            if (r.hasRemaining()) {
                last = channel.write(Unpooled.wrappedBuffer(r.duplicate()));
            }
        }
        return last;
    }
}
