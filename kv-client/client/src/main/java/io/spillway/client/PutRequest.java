package io.spillway.client;

import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFuture;
import io.spillway.key.BlockKey;
import io.spillway.protocol.Crc32c;
import java.nio.ByteBuffer;

/** A PUT_BATCH of blocks each in one buffer: block {@code i} is {@code blocks[i]}'s remaining bytes. */
final class PutRequest extends PutBatchRequest {
    private final ByteBuffer[] blocks;

    PutRequest(BlockKey namespace, BlockKey[] keys, ByteBuffer[] blocks) {
        this(namespace, keys, blocks, crcsOf(blocks));
    }

    /** A put whose CRC32Cs ({@code crcs[i]} of {@code blocks[i]}'s remaining bytes) the caller computed. */
    PutRequest(BlockKey namespace, BlockKey[] keys, ByteBuffer[] blocks, int[] crcs) {
        super(namespace, keys, crcs, totalOf(blocks));
        this.blocks = blocks;
    }

    static int[] crcsOf(ByteBuffer[] blocks) {
        int[] crcs = new int[blocks.length];
        for (int i = 0; i < blocks.length; i++) {
            crcs[i] = Crc32c.of(blocks[i]);
        }
        return crcs;
    }

    private static long totalOf(ByteBuffer[] blocks) {
        long total = 0;
        for (ByteBuffer b : blocks) {
            total += b.remaining();
        }
        return total;
    }

    @Override
    int blockLength(int i) {
        return blocks[i].remaining();
    }

    @Override
    ChannelFuture writeBlock(Channel channel, int i) {
        return blocks[i].hasRemaining() ? channel.write(Unpooled.wrappedBuffer(blocks[i].duplicate())) : null;
    }
}
