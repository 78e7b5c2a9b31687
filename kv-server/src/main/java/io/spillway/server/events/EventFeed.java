package io.spillway.server.events;

import io.aeron.ExclusivePublication;
import io.aeron.Publication;
import io.spillway.event.NodeLoad;
import io.spillway.event.aeron.FeedMedia;
import io.spillway.event.aeron.StaleDriverDirectories;
import io.spillway.server.events.vllm.VllmEventPublisher;
import io.spillway.server.events.vllm.VllmTap;
import io.spillway.tier.TierListener;
import java.lang.System.Logger;
import java.lang.System.Logger.Level;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.function.IntFunction;
import org.agrona.concurrent.Agent;
import org.agrona.concurrent.AgentRunner;
import org.agrona.concurrent.SystemEpochNanoClock;
import org.agrona.concurrent.SystemNanoClock;

/**
 * One node's block-location feed (docs/events.md): the change marks the tiers write into from the moment they open,
 * and, once {@link #start}ed, the media driver, the publications and the {@link EventPublisher} agent on its own
 * thread. Closing publishes the node's departure, then releases everything.
 *
 * <pre>{@code
 * EventFeed feed = EventFeed.create(ctx);           // before the tiers: they report to feed.listener()
 * feed.start(nodeId, holdingView, loadSource, null);
 * }</pre>
 */
public final class EventFeed implements AutoCloseable {
    private static final Logger LOG = System.getLogger(EventFeed.class.getName());
    /** The publisher's longest sleep while keys wait (it sleeps until the next mark or heartbeat otherwise). */
    private static final long PUBLISHER_BUSY_MAX_PARK_MICROS = 100;
    /** How long closing waits for the session's last messages to be taken. */
    private static final long LEAVE_TIMEOUT_MILLIS = 1_000;

    private final EventsContext ctx;
    private final ChangeMarks marks;
    private FeedMedia media;
    private final List<Publication> publications = new ArrayList<>();
    private ExclusivePublication network;
    private EventPublisher publisher;
    private AgentRunner runner;
    private FeedTap tap;

    private EventFeed(EventsContext ctx) {
        this.ctx = ctx;
        this.marks = new ChangeMarks(ctx.markBufferBytes());
    }

    public static EventFeed create(EventsContext ctx) {
        return new EventFeed(ctx);
    }

    /** What the tiers report their changes to. */
    public TierListener listener() {
        return marks;
    }

    public ChangeMarks marks() {
        return marks;
    }

    /**
     * Starts the media driver (or connects to the external one), adds the publications and starts publishing, with a
     * new random session id.
     *
     * @param load the node's load for each heartbeat, given the keys waiting to be published
     * @param tap  sees every published batch (the vLLM-format feed), or {@code null}
     */
    public synchronized void start(String nodeId, HoldingView tiers, IntFunction<NodeLoad> load, FeedTap tap) {
        if (tap == null && ctx.vllmEnabled()) {
            tap = new VllmTap(VllmEventPublisher.builder().publishEndpoint(ctx.vllmEndpoint())
                .replayEndpoint(ctx.vllmReplayEndpoint()).model(ctx.vllmModel()).build(), ctx.vllmBlockSize());
        }
        this.tap = tap;
        if (ctx.embeddedDriver() && ctx.configuredAeronDir().isEmpty()) {
            // drivers of nodes killed before they could delete their directories (SIGKILL, OOM): ~47 MB of /dev/shm
            // each, kept forever otherwise; a live driver's directory is never touched
            Path own = Path.of(ctx.aeronDir());
            StaleDriverDirectories.reap(own.getParent(), EventsContext.DRIVER_DIR_PREFIX,
                Duration.ofMillis(ctx.deadDriverTimeoutMs()));
        }
        media = ctx.embeddedDriver()
            ? FeedMedia.embedded(new FeedMedia.Settings(ctx.aeronDir(), ctx.idleMaxParkMicros(), ctx.lossRate(), 0,
                ctx.lossSeed()))
            : FeedMedia.external(ctx.aeronDir());
        try {
            if (!ctx.channel().equals("none")) {
                network = media.aeron().addExclusivePublication(ctx.channel(), ctx.streamId());
                publications.add(network);
            }
            if (ctx.ipc()) {
                publications.add(media.aeron().addExclusivePublication("aeron:ipc?term-length=8m", ctx.streamId()));
            }
            int maxMessage = Integer.MAX_VALUE;
            for (Publication p : publications) {
                maxMessage = Math.min(maxMessage, p.maxPayloadLength());
            }
            long session = new SecureRandom().nextLong();
            publisher = new EventPublisher(session == 0 ? 1 : session, marks, ctx.pendingKeys(),
                new Outbox(publications, maxMessage), maxMessage, tiers, load, tap, ctx.heartbeatIntervalMs(),
                new SystemEpochNanoClock(), new SystemNanoClock());
            runner = new AgentRunner(new PublisherIdle(publisher, marks, PUBLISHER_BUSY_MAX_PARK_MICROS),
                t -> LOG.log(Level.WARNING, "event publisher error", t), null, new Leaving(publisher, nodeId, tap));
            AgentRunner.startOnThread(runner, r -> {
                Thread t = new Thread(r, "spillway-events");
                t.setDaemon(true);
                return t;
            });
        } catch (RuntimeException e) {
            close();
            throw e;
        }
        LOG.log(Level.INFO, () -> "node " + nodeId + " publishes block locations on " + publications.stream()
            .map(p -> p.channel() + (p == network ? " at " + network.localSocketAddresses() : "")).toList()
            + " stream " + ctx.streamId() + ", session " + Long.toHexString(publisher.sessionId()));
    }

    /** What sees every published batch (the vLLM-format feed), or {@code null}. */
    public FeedTap tap() {
        return tap;
    }

    /** The publisher agent, once started. */
    public EventPublisher publisher() {
        return publisher;
    }

    /** The network publication's bound addresses (the MDC control address with its port), once started. */
    public List<String> localAddresses() {
        return network == null ? List.of() : network.localSocketAddresses();
    }

    public EventsContext context() {
        return ctx;
    }

    /** Publishes the node's departure (stopping the agent), then closes the publications and the driver. */
    @Override
    public synchronized void close() {
        if (runner != null) {
            runner.close();
            runner = null;
        } else if (tap != null) {
            tap.close(); // never handed to a thread: close it here
        }
        tap = null;
        for (Publication p : publications) {
            p.close();
        }
        publications.clear();
        if (media != null) {
            media.close();
            media = null;
        }
    }

    /** Runs the publisher and, on the agent's thread as it stops, publishes the end of the session. */
    private static final class Leaving implements Agent {
        private final EventPublisher publisher;
        private final String nodeId;
        private final FeedTap tap;

        Leaving(EventPublisher publisher, String nodeId, FeedTap tap) {
            this.publisher = publisher;
            this.nodeId = nodeId;
            this.tap = tap;
        }

        @Override
        public void onStart() {
            publisher.onStart();
        }

        @Override
        public int doWork() {
            return publisher.doWork();
        }

        @Override
        public void onClose() {
            publisher.leave(nodeId, LEAVE_TIMEOUT_MILLIS);
            if (tap != null) {
                tap.close();
            }
        }

        @Override
        public String roleName() {
            return publisher.roleName();
        }
    }
}
