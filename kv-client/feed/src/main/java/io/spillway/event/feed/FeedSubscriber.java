package io.spillway.event.feed;

import io.aeron.FragmentAssembler;
import io.aeron.Image;
import io.aeron.Subscription;
import io.aeron.logbuffer.Header;
import io.spillway.event.EventMessage;
import io.spillway.event.EventType;
import io.spillway.event.NodeLoad;
import io.spillway.event.aeron.FeedMedia;
import java.lang.System.Logger;
import java.lang.System.Logger.Level;
import java.util.ArrayList;
import java.net.InetSocketAddress;
import java.util.HashMap;
import java.util.HashSet;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.Queue;
import java.util.Set;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.atomic.AtomicLong;
import org.agrona.DirectBuffer;
import org.agrona.collections.Long2ObjectHashMap;
import org.agrona.concurrent.Agent;
import org.agrona.concurrent.EpochNanoClock;
import org.agrona.concurrent.NanoClock;
import org.agrona.concurrent.SystemEpochNanoClock;
import org.agrona.concurrent.UnsafeBuffer;

/**
 * Follows the block-location feeds of any number of nodes and keeps a {@link FeedSink} equal to their block sets
 * (docs/events.md). Per publisher session: wait for its first heartbeat (who the node is, where its control plane
 * answers), load a snapshot, then apply messages in sequence; a sequence gap, a malformed message, or too many
 * messages held back during a load sends the session back to a snapshot. A node's new session (a restart) replaces
 * the old one; a session that ends ({@code NODE_LEFT}), falls silent for the session timeout, or whose Aeron image
 * goes away, has its node forgotten — the sink may then miss blocks, never hold stale ones.
 *
 * <p>An Agrona {@link Agent}: run it on an {@code AgentRunner}, or call {@link #doWork} by hand in tests.
 */
public final class FeedSubscriber implements Agent, AutoCloseable {
    private static final Logger LOG = System.getLogger(FeedSubscriber.class.getName());
    private static final int FRAGMENT_LIMIT = 64;
    private static final int MAX_REFUSED_NODES_LOGGED = 64;
    /** Timeouts and retries are looked at this often, not on every duty cycle of a busy subscriber. */
    private static final long HOUSEKEEPING_INTERVAL_NANOS = 1_000_000;

    private final FeedSubscriberContext ctx;
    private final FeedSink sink;
    private final NanoClock clock;
    private final FeedMedia media;
    private final List<Subscription> subscriptions = new ArrayList<>();
    private final List<FragmentAssembler> assemblers = new ArrayList<>();
    private final SnapshotLoader loader;
    private final Long2ObjectHashMap<Session> sessions = new Long2ObjectHashMap<>();
    /** Each node's current session. */
    private final Map<String, Session> nodes = new HashMap<>();
    private final Queue<SnapshotLoader.Result> loaded = new ConcurrentLinkedQueue<>();
    private final Queue<Integer> lostImages = new ConcurrentLinkedQueue<>();
    private final EventMessage message = new EventMessage();
    private final UnsafeBuffer heldView = new UnsafeBuffer(new byte[0]);
    private final AtomicLong messages = new AtomicLong();
    private final AtomicLong invalid = new AtomicLong();
    private final AtomicLong gaps = new AtomicLong();
    private final AtomicLong snapshots = new AtomicLong();
    private final AtomicLong snapshotFailures = new AtomicLong();
    private final AtomicLong snapshotKeys = new AtomicLong();
    private final AtomicLong keysApplied = new AtomicLong();
    private final AtomicLong sessionsEnded = new AtomicLong();
    private final AtomicLong unknownNodes = new AtomicLong();
    /** Node ids refused and already logged (bounded: a flood of forged ids is counted, not remembered). */
    private final Set<String> refusedNodes = new HashSet<>();
    private final LagHistogram lag = new LagHistogram();
    private final EpochNanoClock epochClock = new SystemEpochNanoClock();
    private volatile int liveSessions;
    /** The clock at the start of this duty cycle. */
    private long now;
    private long lastHousekeeping;

    /** Starts the media driver (or connects to the external one) and subscribes to every channel. */
    public FeedSubscriber(FeedSubscriberContext ctx, FeedSink sink, NanoClock clock) {
        this.ctx = ctx;
        this.sink = sink;
        this.clock = clock;
        this.media = ctx.embedded() != null ? FeedMedia.embedded(ctx.embedded())
            : FeedMedia.external(ctx.externalDirectory());
        this.loader = new SnapshotLoader(sink, ctx.snapshotThreads(), ctx.snapshotTimeout(),
            ctx.snapshotCredentials());
        try {
            for (String channel : ctx.channels()) {
                subscriptions.add(media.aeron().addSubscription(channel, ctx.streamId(), image -> { },
                    this::imageLost));
                assemblers.add(new FragmentAssembler(this::onFragment));
            }
        } catch (RuntimeException e) {
            close();
            throw e;
        }
    }

    @Override
    public int doWork() {
        now = clock.nanoTime();
        int work = 0;
        SnapshotLoader.Result r;
        while ((r = loaded.poll()) != null) {
            onLoaded(r);
            work++;
        }
        Integer image;
        while ((image = lostImages.poll()) != null) {
            onImageLost(image);
            work++;
        }
        for (int i = 0; i < subscriptions.size(); i++) {
            work += subscriptions.get(i).poll(assemblers.get(i), FRAGMENT_LIMIT);
        }
        if (now - lastHousekeeping >= HOUSEKEEPING_INTERVAL_NANOS) {
            lastHousekeeping = now;
            work += housekeeping();
        }
        return work;
    }

    private void onFragment(DirectBuffer buffer, int offset, int length, Header header) {
        messages.incrementAndGet();
        message.wrap(buffer, offset, length);
        String why = message.validate();
        if (why != null) {
            invalid.incrementAndGet();
            Session s = length >= EventMessage.HEADER_LENGTH ? sessions.get(message.sessionId()) : null;
            LOG.log(Level.WARNING, () -> "malformed feed message" + (s == null ? "" : " in " + s) + ": " + why);
            if (s != null && s.phase == Session.Phase.LIVE) {
                gap(s); // a message of this session could not be applied: reload rather than drift
            }
            return;
        }
        Session s = sessions.get(message.sessionId());
        if (s == null) {
            s = new Session(message.sessionId());
            sessions.put(s.id, s);
        }
        s.lastHeardNanos = now;
        s.aeronSessionId = header.sessionId();
        if (s.phase != Session.Phase.ENDED && isStatus(message)) {
            if (!admitted(message)) {
                s.clearHeld(); // a node the map does not list: nothing of its session is kept
                return;
            }
            sink.load(message.status().toLoad()); // a figure of now, whatever the phase: not held back
        }
        switch (s.phase) {
            case ENDED:
                return;
            case LIVE:
                live(s, message);
                return;
            default:
                hold(s, buffer, offset, length);
                if (s.phase == Session.Phase.WAITING_FOR_STATUS && isStatus(message)) {
                    learn(s, message);
                    requestSnapshot(s);
                }
        }
    }

    private static boolean isStatus(EventMessage m) {
        return m.type() == EventType.HEARTBEAT || m.type() == EventType.NODE_JOINED;
    }

    /**
     * Whether the node a status message names may publish: any node without a membership, else only those the map
     * lists. A refused one is counted, and logged once per node id until it is admitted.
     */
    private boolean admitted(EventMessage m) {
        FeedMembership membership = ctx.membership();
        if (membership == null) {
            return true;
        }
        String nodeId = m.status().nodeId();
        if (membership.controlAddress(nodeId) != null) {
            refusedNodes.remove(nodeId);
            return true;
        }
        unknownNodes.incrementAndGet();
        if (refusedNodes.size() < MAX_REFUSED_NODES_LOGGED && refusedNodes.add(nodeId)) {
            LOG.log(Level.WARNING, () -> "feed heartbeat from '" + nodeId + "', which the cluster's map does not list:"
                + " ignored (a node that has just joined is admitted once the map lists it)");
        }
        return false;
    }

    /** A session's node, and the node's previous session replaced. */
    private void learn(Session s, EventMessage m) {
        NodeLoad load = m.status().toLoad();
        s.nodeId = load.nodeId();
        InetSocketAddress member = ctx.membership() == null ? null : ctx.membership().controlAddress(s.nodeId);
        s.controlHost = member != null ? member.getHostString() : load.controlHost();
        s.controlPort = member != null ? member.getPort() : load.controlPort();
        Session previous = nodes.put(s.nodeId, s);
        if (previous != null && previous != s) {
            end(previous, false);
            sink.reset(s.nodeId); // a restart emptied its CPU tier: forget it now, the new snapshot brings it back
            LOG.log(Level.INFO, () -> "node " + s.nodeId + " restarted: " + previous + " replaced by session "
                + Long.toHexString(s.id));
        }
    }

    private void live(Session s, EventMessage m) {
        long seq = m.sequence();
        if (seq <= s.lastSequence) {
            return; // already reflected (held back during a load, or covered by the snapshot)
        }
        if (seq != s.lastSequence + 1) {
            gaps.incrementAndGet();
            LOG.log(Level.DEBUG, () -> s + ": gap before " + seq);
            gap(s);
            hold(s, m.buffer(), m.offset(), m.length());
            return;
        }
        apply(s, m);
    }

    private void gap(Session s) {
        s.clearHeld();
        requestSnapshot(s);
    }

    private void apply(Session s, EventMessage m) {
        s.lastSequence = m.sequence();
        switch (m.type()) {
            case BLOCKS:
                lag.record(epochClock.nanoTime() - m.timestampNanos());
                keysApplied.addAndGet(m.forEachGroup((op, tier, to, buf, at, count) -> {
                    switch (op) {
                        case STORED -> sink.stored(s.nodeId, tier, buf, at, count);
                        case REMOVED -> sink.removed(s.nodeId, tier, buf, at, count);
                        case MOVED -> sink.moved(s.nodeId, tier, to, buf, at, count);
                        default -> throw new IllegalStateException("validated op " + op);
                    }
                }));
                break;
            case HEARTBEAT:
            case NODE_JOINED:
                break; // handed to the sink on arrival
            case CLEARED:
                if (m.clearedTier() == null) {
                    sink.reset(s.nodeId);
                } else {
                    sink.cleared(s.nodeId, m.clearedTier());
                }
                break;
            case NODE_LEFT:
                end(s, true);
                break;
            default:
                throw new IllegalStateException("validated type " + m.type());
        }
    }

    private void hold(Session s, DirectBuffer buffer, int offset, int length) {
        if (s.heldBytes + length > ctx.maxBufferedBytes()) {
            s.clearHeld(); // too much to hold: the sequence will show a gap and send the session to a new snapshot
            return;
        }
        byte[] copy = new byte[length];
        buffer.getBytes(offset, copy);
        s.held.add(copy);
        s.heldBytes += length;
    }

    private void requestSnapshot(Session s) {
        s.phase = Session.Phase.LOADING;
        s.retryAtNanos = 0;
        updateLive();
        loader.load(s.id, s.nodeId, s.controlHost, s.controlPort, loaded::add);
    }

    private void onLoaded(SnapshotLoader.Result r) {
        Session s = sessions.get(r.sessionId());
        if (s == null || s.phase != Session.Phase.LOADING) {
            return;
        }
        if (s.lostWhileLoading) {
            end(s, true);
            return;
        }
        if (!r.ok()) {
            snapshotFailures.incrementAndGet();
            LOG.log(Level.DEBUG, () -> r.error());
            if (r.foundSession() != 0 && r.foundSession() != s.id) {
                end(s, false); // the node has a newer session; its own messages will bring it in
                return;
            }
            s.retryAtNanos = now + ctx.snapshotRetry().toNanos();
            return;
        }
        snapshots.incrementAndGet();
        snapshotKeys.addAndGet(r.keys());
        s.lastSequence = r.sequence();
        s.phase = Session.Phase.LIVE;
        replayHeld(s);
        updateLive();
    }

    /** Applies the messages held back during the load, in order, from just after the snapshot's sequence. */
    private void replayHeld(Session s) {
        while (s.phase == Session.Phase.LIVE && !s.held.isEmpty()) {
            byte[] bytes = s.held.poll();
            s.heldBytes -= bytes.length;
            heldView.wrap(bytes);
            message.wrap(heldView, 0, bytes.length);
            live(s, message);
        }
    }

    private void imageLost(Image image) {
        lostImages.add(image.sessionId()); // called on the client conductor's thread: hand it to the agent
    }

    private void onImageLost(int aeronSessionId) {
        for (Session s : List.copyOf(sessions.values())) {
            if (s.aeronSessionId == aeronSessionId && s.phase != Session.Phase.ENDED) {
                LOG.log(Level.INFO,
                    () -> "feed image of " + s + " went away: forgetting the node until it is heard again");
                lose(s);
            }
        }
    }

    private int housekeeping() {
        long timeout = ctx.sessionTimeout().toNanos();
        int work = 0;
        for (Iterator<Session> it = sessions.values().iterator(); it.hasNext(); ) {
            Session s = it.next();
            if (s.phase == Session.Phase.ENDED) {
                if (now - s.lastHeardNanos > 2 * timeout) {
                    it.remove(); // long silent: stray late messages can no longer revive it
                }
                continue;
            }
            if (s.phase == Session.Phase.LOADING && s.retryAtNanos != 0 && now - s.retryAtNanos >= 0) {
                requestSnapshot(s);
                work++;
            } else if (now - s.lastHeardNanos > timeout) {
                LOG.log(Level.INFO,
                    () -> s + " silent for " + ctx.sessionTimeout().toMillis() + " ms: forgetting the node");
                lose(s);
                work++;
            }
        }
        return work;
    }

    /** The session is gone without a goodbye; while its snapshot loads, the node is forgotten after the load. */
    private void lose(Session s) {
        if (s.phase == Session.Phase.LOADING && s.retryAtNanos == 0) {
            s.lostWhileLoading = true;
            return;
        }
        end(s, true);
    }

    private void end(Session s, boolean forgetNode) {
        s.phase = Session.Phase.ENDED;
        s.clearHeld();
        sessionsEnded.incrementAndGet();
        if (s.nodeId != null && nodes.get(s.nodeId) == s) {
            nodes.remove(s.nodeId);
            if (forgetNode) {
                sink.reset(s.nodeId);
            }
        }
        updateLive();
    }

    private void updateLive() {
        int n = 0;
        for (Session s : nodes.values()) {
            if (s.phase == Session.Phase.LIVE) {
                n++;
            }
        }
        liveSessions = n;
    }

    /**
     * How long applied BLOCKS messages took from being built by their node to being applied here (the node's and
     * this host's wall clocks: meaningful on one host, or with synchronised clocks).
     */
    public LagHistogram messageLag() {
        return lag;
    }

    /** The media this subscriber receives through (its driver's counters: NAKs sent, loss repaired). */
    public FeedMedia media() {
        return media;
    }

    /** Nodes whose session is live (snapshot loaded, applying in sequence). */
    public int liveSessions() {
        return liveSessions;
    }

    public long messages() { return messages.get(); }
    public long invalidMessages() { return invalid.get(); }
    public long gaps() { return gaps.get(); }
    public long snapshots() { return snapshots.get(); }
    public long snapshotFailures() { return snapshotFailures.get(); }
    public long snapshotKeys() { return snapshotKeys.get(); }
    public long keysApplied() { return keysApplied.get(); }
    public long sessionsEnded() { return sessionsEnded.get(); }
    /** Status messages ignored because their node is not in the membership's map. */
    public long unknownNodes() { return unknownNodes.get(); }

    /** The subscriptions' local addresses (the ephemeral ports of MDC subscriptions), for logs and tests. */
    public List<String> localAddresses() {
        List<String> out = new ArrayList<>();
        for (Subscription s : subscriptions) {
            out.addAll(s.localSocketAddresses());
        }
        return out;
    }

    @Override
    public String roleName() {
        return "spillway-feed-subscriber";
    }

    @Override
    public void close() {
        loader.close();
        for (Subscription s : subscriptions) {
            s.close();
        }
        media.close();
    }
}
