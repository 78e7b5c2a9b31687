package io.spillway.server;

import io.netty.buffer.ByteBuf;
import io.spillway.key.BlockKey;
import io.spillway.protocol.ErrorCode;
import io.spillway.protocol.OpCode;
import io.spillway.protocol.ResponseEncoder;

/** Answers one LOOKUP_PREFIX: {@link #lookup()} may read the NVMe tier's index (tier executor when there is one). */
final class LookupResponder {
    private final NodeServices node;
    private final int requestId;
    private final BlockKey[] keys;
    private final long startNanos;
    private TierPrefixMatch match;
    private RuntimeException failure;

    LookupResponder(NodeServices node, int requestId, BlockKey[] keys, long startNanos) {
        this.node = node;
        this.requestId = requestId;
        this.keys = keys;
        this.startNanos = startNanos;
    }

    void lookup() {
        try {
            match = node.tiers().lookupPrefix(keys);
        } catch (RuntimeException e) {
            failure = e;
        }
    }

    void respond(Responder responder) {
        int op = OpCode.LOOKUP_PREFIX.code();
        if (failure != null) {
            responder.fail(op, requestId, startNanos, ErrorCode.INTERNAL, "prefix lookup failed: " + failure);
            return;
        }
        ByteBuf out = responder.ctx().alloc().directBuffer(32 + 9 * match.kinds().length);
        ResponseEncoder.writeLookupPrefix(out, requestId, match.prefixLength(), match.kinds(), match.longestRun(),
            match.blocksInPrefix(), match.kinds().length);
        responder.complete(op, startNanos, out, null);
    }
}
