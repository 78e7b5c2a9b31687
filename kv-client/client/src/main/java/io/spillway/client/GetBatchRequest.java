package io.spillway.client;

import io.netty.buffer.ByteBuf;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFuture;
import io.spillway.key.BlockKey;
import io.spillway.protocol.ErrorCode;
import io.spillway.protocol.OpCode;
import io.spillway.protocol.RequestEncoder;
import io.spillway.tier.TierKind;

/**
 * What every GET_BATCH shares, wherever its bytes land: the request frame of keys, one status, tier and length an
 * entry, and the result. Subclasses place each hit's bytes ({@link #onGetEntry}, {@link #onGetBytes},
 * {@link #onGetEntryEnd}).
 */
abstract class GetBatchRequest extends PendingRequest<GetResult> {
    final BlockKey namespace;
    final BlockKey[] keys;
    final ErrorCode[] statuses;
    final TierKind[] tiers;
    final int[] lengths;

    GetBatchRequest(BlockKey namespace, BlockKey[] keys) {
        super(OpCode.GET_BATCH);
        this.namespace = namespace;
        this.keys = keys;
        this.statuses = new ErrorCode[keys.length];
        this.tiers = new TierKind[keys.length];
        this.lengths = new int[keys.length];
    }

    @Override
    final ChannelFuture write(Channel channel) {
        ByteBuf out = channel.alloc().directBuffer(RequestEncoder.keysFrameLength(keys.length));
        RequestEncoder.writeGetBatch(out, flags, requestId, namespace, keys);
        return channel.write(out);
    }

    @Override
    final boolean expects(int count) {
        return count == keys.length;
    }

    /** Entry {@code index} is not a hit after all: its bytes failed {@code verdict} (e.g. their CRC32C). */
    final void fail(int index, ErrorCode verdict) {
        statuses[index] = verdict;
        tiers[index] = null;
    }

    @Override
    final GetResult result() {
        return new GetResult(statuses, tiers, lengths, topologyVersion);
    }
}
