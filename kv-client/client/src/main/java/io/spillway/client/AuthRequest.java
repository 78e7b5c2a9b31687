package io.spillway.client;

import io.netty.buffer.ByteBuf;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFuture;
import io.spillway.protocol.FrameHeader;
import io.spillway.protocol.OpCode;
import io.spillway.protocol.RequestEncoder;

/** Token mode: the first frame of a connection, carrying the client's signed token; an empty OK answers it. */
final class AuthRequest extends PendingRequest<Void> {
    private final byte[] token;

    AuthRequest(byte[] token) {
        super(OpCode.AUTH);
        this.token = token;
    }

    @Override
    ChannelFuture write(Channel channel) {
        ByteBuf out = channel.alloc().directBuffer(FrameHeader.LENGTH + token.length);
        RequestEncoder.writeAuth(out, requestId, token);
        return channel.write(out);
    }

    @Override
    boolean expects(int count) {
        return true;
    }

    @Override
    Void result() {
        return null;
    }
}
