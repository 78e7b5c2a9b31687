package io.spillway.client;

import io.netty.buffer.ByteBuf;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFuture;
import io.spillway.key.BlockKey;
import io.spillway.protocol.OpCode;
import io.spillway.protocol.RequestEncoder;
import io.spillway.tier.TierKind;
import java.util.Collections;
import java.util.EnumMap;
import java.util.Map;

/** A LOOKUP_PREFIX over the data plane. */
final class LookupRequest extends PendingRequest<PrefixLookup> {
    private final BlockKey namespace;
    private final BlockKey[] keys;
    private final Map<TierKind, Integer> longestRun = new EnumMap<>(TierKind.class);
    private final Map<TierKind, Integer> blocksInPrefix = new EnumMap<>(TierKind.class);
    private int prefixLength;

    LookupRequest(BlockKey namespace, BlockKey[] keys) {
        super(OpCode.LOOKUP_PREFIX);
        this.namespace = namespace;
        this.keys = keys;
    }

    @Override
    ChannelFuture write(Channel channel) {
        ByteBuf out = channel.alloc().directBuffer(RequestEncoder.keysFrameLength(keys.length));
        RequestEncoder.writeLookupPrefix(out, requestId, namespace, keys);
        return channel.write(out);
    }

    @Override
    boolean expects(int prefix) {
        return prefix >= 0 && prefix <= keys.length;
    }

    @Override
    void onLookup(int prefix) {
        prefixLength = prefix;
    }

    @Override
    void onLookupTier(TierKind tier, int run, int inPrefix) {
        longestRun.put(tier, run);
        blocksInPrefix.put(tier, inPrefix);
    }

    @Override
    PrefixLookup result() {
        return new PrefixLookup(prefixLength, Collections.unmodifiableMap(longestRun),
            Collections.unmodifiableMap(blocksInPrefix));
    }
}
