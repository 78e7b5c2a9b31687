package io.spillway.client;

import io.netty.buffer.ByteBuf;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFuture;
import io.spillway.protocol.FrameHeader;
import io.spillway.protocol.OpCode;
import io.spillway.protocol.RequestEncoder;

/** A PING: header only, both ways. */
final class PingRequest extends PendingRequest<Void> {
    PingRequest() {
        super(OpCode.PING);
    }

    @Override
    ChannelFuture write(Channel channel) {
        ByteBuf out = channel.alloc().directBuffer(FrameHeader.LENGTH);
        RequestEncoder.writePing(out, requestId);
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
