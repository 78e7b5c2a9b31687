package io.spillway.router.proxy;

import io.netty.bootstrap.Bootstrap;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOption;
import io.netty.channel.SimpleChannelInboundHandler;
import io.netty.channel.socket.SocketChannel;
import io.netty.channel.socket.nio.NioSocketChannel;
import io.netty.handler.codec.http.DefaultFullHttpRequest;
import io.netty.handler.codec.http.DefaultHttpResponse;
import io.netty.handler.codec.http.FullHttpRequest;
import io.netty.handler.codec.http.HttpClientCodec;
import io.netty.handler.codec.http.HttpContent;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaderValues;
import io.netty.handler.codec.http.HttpObject;
import io.netty.handler.codec.http.HttpResponse;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpUtil;
import io.netty.handler.codec.http.LastHttpContent;
import io.netty.handler.timeout.ReadTimeoutException;
import io.netty.handler.timeout.ReadTimeoutHandler;
import io.spillway.placement.routing.Decision;
import io.spillway.placement.routing.Pod;
import io.spillway.placement.routing.SpeculativeBlocks;
import io.spillway.router.extproc.EndpointPicker;
import io.spillway.router.extproc.RoutingHeaders;
import io.spillway.router.load.InFlight;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * One request's forwarding: tries the decision's pods in order until one starts answering, then relays that
 * answer to the client as it comes. Runs on the client connection's event loop (the upstream connection shares it).
 * The answer's first content (a stream's first token: the prefill has run), or the end of trying, tells the
 * decision's speculative entries.
 */
final class Forward {
    private final ChannelHandlerContext client;
    private final FullHttpRequest request;
    private final byte[] body;
    private final Decision decision;
    private final SpeculativeBlocks.Ticket speculative;
    private final InFlight inFlight;
    private final Duration connectTimeout;
    private final Duration readTimeout;
    private final ProxyCounters counters;
    private final Runnable onEnd;
    private final boolean keepAlive;
    private final List<String> failures = new ArrayList<>();
    private boolean told;
    private boolean ended;
    private int next;

    /**
     * @param readTimeout a pod silent this long (no byte of its answer) is given up: the next one is tried when it
     *                    has not answered yet, else the client's answer is cut
     * @param onEnd       run once when the client's answer is complete or abandoned
     */
    Forward(ChannelHandlerContext client, FullHttpRequest request, byte[] body, Decision decision,
            SpeculativeBlocks.Ticket speculative, InFlight inFlight, Duration connectTimeout, Duration readTimeout,
            ProxyCounters counters, Runnable onEnd) {
        this.client = client;
        this.request = request.retainedDuplicate();
        this.body = body;
        this.decision = decision;
        this.speculative = speculative;
        this.inFlight = inFlight;
        this.connectTimeout = connectTimeout;
        this.readTimeout = readTimeout;
        this.counters = counters;
        this.onEnd = onEnd;
        this.keepAlive = HttpUtil.isKeepAlive(request);
    }

    private void end() {
        if (!ended) {
            ended = true;
            onEnd.run();
        }
    }

    void start() {
        tryNext();
    }

    private void tryNext() {
        List<Pod> pods = decision.fallbacks();
        if (next >= pods.size()) {
            answered();
            ProxyHandler.error(client, request, HttpResponseStatus.BAD_GATEWAY, "no pod answered: "
                + String.join("; ", failures));
            request.release();
            end();
            return;
        }
        Pod pod = pods.get(next++);
        String[] hostPort = split(pod.address());
        inFlight.started(pod.address());
        Upstream upstream = new Upstream(pod);
        new Bootstrap().group(client.channel().eventLoop()).channel(NioSocketChannel.class)
            .option(ChannelOption.CONNECT_TIMEOUT_MILLIS, (int) connectTimeout.toMillis())
            .handler(new ChannelInitializer<SocketChannel>() {
                @Override
                protected void initChannel(SocketChannel ch) {
                    ch.pipeline().addLast(new ReadTimeoutHandler(readTimeout.toMillis(), TimeUnit.MILLISECONDS),
                        new HttpClientCodec(), upstream);
                }
            }).connect(hostPort[0], Integer.parseInt(hostPort[1])).addListener((ChannelFutureListener) f -> {
                if (!f.isSuccess()) {
                    upstream.failed("connect: " + f.cause().getMessage());
                    return;
                }
                Channel up = f.channel();
                // a client that goes away takes its upstream request with it: the pod stops generating for nobody
                client.channel().closeFuture().addListener(closed -> up.close());
                up.writeAndFlush(upstreamRequest(pod));
            });
    }

    private DefaultFullHttpRequest upstreamRequest(Pod pod) {
        DefaultFullHttpRequest out = new DefaultFullHttpRequest(request.protocolVersion(), request.method(),
            request.uri(), Unpooled.wrappedBuffer(body));
        out.headers().set(request.headers());
        RoutingHeaders.strip(out.headers()); // only the router's own routing values reach a pod
        out.headers().set(HttpHeaderNames.HOST, pod.address());
        out.headers().setInt(HttpHeaderNames.CONTENT_LENGTH, body.length);
        out.headers().set(HttpHeaderNames.CONNECTION, HttpHeaderValues.CLOSE);
        out.headers().remove(HttpHeaderNames.TRANSFER_ENCODING);
        if (decision.split()) {
            out.headers().set(EndpointPicker.PREFILLER, decision.prefill().address());
        }
        return out;
    }

    /** The pod answers (or none will): the decision's speculative entries leave after their grace. */
    private void answered() {
        if (speculative != null && !told) {
            told = true;
            speculative.answered(System.nanoTime());
        }
    }

    /** {@code host:port} or {@code [ipv6]:port} to host (unbracketed) and port. */
    static String[] split(String address) {
        int colon = address.lastIndexOf(':');
        String host = address.substring(0, colon);
        if (host.startsWith("[") && host.endsWith("]")) {
            host = host.substring(1, host.length() - 1);
        }
        return new String[] {host, address.substring(colon + 1)};
    }

    /** The upstream connection to one pod: relays its answer once it starts; a failure before that moves on. */
    private final class Upstream extends SimpleChannelInboundHandler<HttpObject> {
        private final Pod pod;
        private boolean started;
        private boolean finished;

        Upstream(Pod pod) {
            super(false);
            this.pod = pod;
        }

        @Override
        protected void channelRead0(ChannelHandlerContext ctx, HttpObject msg) {
            if (msg instanceof HttpResponse response && !started) {
                started = true;
                DefaultHttpResponse head = new DefaultHttpResponse(response.protocolVersion(), response.status(),
                    response.headers().copy());
                head.headers().remove(HttpHeaderNames.CONNECTION);
                if (!HttpUtil.isContentLengthSet(head)) {
                    HttpUtil.setTransferEncodingChunked(head, true);
                }
                if (!keepAlive) {
                    head.headers().set(HttpHeaderNames.CONNECTION, HttpHeaderValues.CLOSE);
                }
                client.write(head);
            }
            if (msg instanceof HttpContent content) {
                boolean last = content instanceof LastHttpContent;
                if (last || content.content().isReadable()) {
                    answered();
                }
                var written = client.writeAndFlush(content); // the client's write releases it
                if (last) {
                    if (!keepAlive) {
                        written.addListener(ChannelFutureListener.CLOSE);
                    }
                    done(ctx);
                }
            }
        }

        private void done(ChannelHandlerContext ctx) {
            if (!finished) {
                finished = true;
                inFlight.finished(pod.address());
                request.release();
                ctx.close();
                end();
            }
        }

        void failed(String why) {
            if (finished) {
                return;
            }
            finished = true;
            inFlight.finished(pod.address());
            failures.add(pod.address() + " (" + why + ")");
            tryNext();
        }

        @Override
        public void channelInactive(ChannelHandlerContext ctx) {
            if (!started) {
                failed("closed before answering");
            } else if (!finished) {
                answered();
                finished = true; // cut mid-answer: the client's answer cannot be completed
                inFlight.finished(pod.address());
                request.release();
                client.close();
                end();
            }
        }

        @Override
        public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
            boolean silent = cause instanceof ReadTimeoutException;
            if (silent) {
                counters.countUpstreamTimeout();
            }
            if (!started) {
                ctx.close();
                failed(silent ? "sent nothing for " + readTimeout.toMillis() + " ms" : cause.toString());
            } else {
                ctx.close();
            }
        }
    }
}
