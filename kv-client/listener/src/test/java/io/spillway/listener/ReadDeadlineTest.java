package io.spillway.listener;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.embedded.EmbeddedChannel;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * The two timeouts driven by hand with a fake clock, against a line protocol (a request is a line): a peer that
 * trickles a request is closed when the request-read timeout passes even though bytes keep coming; time the node
 * paused reading does not count; a connection quiet between requests is closed by the idle timeout, unless a request
 * waits for its answer; a busy client that pipelines requests is never closed.
 */
class ReadDeadlineTest {
    private static final long MS = 1_000_000;
    private final ListenerCounters counters = new ListenerCounters("data");
    private final Lines lines = new Lines();
    private long now = 1_000 * MS;
    private final ReadDeadline deadline = new ReadDeadline(new ListenerLimits("data", 10, 10, 2_000, 1_000), lines,
        counters, () -> now);
    private final EmbeddedChannel channel = new EmbeddedChannel(deadline, lines);

    /** Requests are lines; reads whatever arrives. */
    static final class Lines extends ChannelInboundHandlerAdapter implements RequestProgress {
        long requests;
        int partial;
        boolean waiting;

        @Override
        public void channelRead(ChannelHandlerContext ctx, Object msg) {
            ByteBuf b = (ByteBuf) msg;
            while (b.isReadable()) {
                if (b.readByte() == '\n') {
                    requests++;
                    partial = 0;
                } else {
                    partial++;
                }
            }
            b.release();
        }

        @Override
        public long requestsRead() {
            return requests;
        }

        @Override
        public boolean betweenRequests() {
            return partial == 0;
        }

        @Override
        public boolean waiting() {
            return waiting;
        }
    }

    private void send(String s) {
        channel.writeInbound(Unpooled.copiedBuffer(s, StandardCharsets.US_ASCII));
    }

    private void tick(long ms) {
        now += ms * MS;
        deadline.check(channel.pipeline().context(deadline));
        channel.runPendingTasks();
    }

    @Test
    void aTrickledRequestIsClosedWhenItsReadTimeoutPassesThoughBytesKeepComing() {
        send("GET 1");
        for (int i = 0; i < 9; i++) {
            tick(100);
            send("x"); // a byte every 100 ms: never idle
            assertTrue(channel.isOpen(), "at " + (i + 1) * 100 + " ms");
        }
        tick(100);
        assertFalse(channel.isOpen(), "1 s after the request's first byte");
        assertEquals(1, counters.timeouts(ListenerCounters.Timeout.REQUEST_READ));
        assertEquals(0, counters.timeouts(ListenerCounters.Timeout.IDLE));
    }

    @Test
    void timeTheNodePausedReadingIsNotThePeers() {
        send("PUT 1");
        tick(500);
        channel.config().setAutoRead(false); // back pressure: the node stops reading
        tick(5_000);
        assertTrue(channel.isOpen(), "paused by the node: not the peer's time");
        channel.config().setAutoRead(true);
        tick(400);
        assertTrue(channel.isOpen());
        tick(200);
        assertFalse(channel.isOpen(), "500 + 600 ms of the peer's own time");
    }

    @Test
    void aQuietConnectionIsClosedByTheIdleTimeoutUnlessARequestWaits() {
        send("GET 1\n");
        lines.waiting = true; // its answer is being worked on
        tick(3_000);
        assertTrue(channel.isOpen(), "a request waits for its answer");
        channel.writeOutbound(Unpooled.wrappedBuffer(new byte[] {1})); // the answer goes out
        lines.waiting = false;
        tick(1_900);
        assertTrue(channel.isOpen(), "1.9 s after the answer");
        tick(100);
        assertFalse(channel.isOpen(), "2 s idle");
        assertEquals(1, counters.timeouts(ListenerCounters.Timeout.IDLE));
        assertEquals(0, counters.timeouts(ListenerCounters.Timeout.REQUEST_READ));
    }

    @Test
    void aClientThatPipelinesRequestsForLongIsNeverClosed() {
        for (int i = 0; i < 100; i++) {
            send("ok\nGET " + i); // each read ends one request and starts the next
            tick(300);
        }
        assertTrue(channel.isOpen(), "30 s of requests, none slower than the timeout");
        assertEquals(100, lines.requests);
    }

    @Test
    void theTimerTicksAtAQuarterOfTheShorterTimeout() {
        assertEquals(TimeUnit.MILLISECONDS.toNanos(250), deadline.tickNanos());
        assertEquals(0, new ReadDeadline(new ListenerLimits("x", 1, 1, 0, 0), lines, counters).tickNanos());
        assertEquals(TimeUnit.MILLISECONDS.toNanos(ReadDeadline.MIN_TICK_MS),
            new ReadDeadline(new ListenerLimits("x", 1, 1, 0, 8), lines, counters).tickNanos());
    }
}
