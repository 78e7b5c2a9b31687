package io.spillway.router.vllm;

import io.spillway.event.vllm.VllmDecodeException;
import io.spillway.event.vllm.VllmEventBatch;
import io.spillway.event.vllm.VllmEventDecoder;
import io.spillway.event.vllm.VllmTopic;
import io.spillway.event.vllm.VllmWire;
import io.spillway.key.Namespace;
import io.spillway.placement.index.BlockLocationIndex;
import java.lang.System.Logger;
import java.lang.System.Logger.Level;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;
import java.util.function.LongSupplier;
import org.agrona.ErrorHandler;
import org.agrona.concurrent.Agent;
import org.agrona.concurrent.AgentRunner;
import org.agrona.concurrent.NoOpIdleStrategy;
import org.zeromq.SocketType;
import org.zeromq.ZContext;
import org.zeromq.ZMQ;

/**
 * Reads vLLM pods' KV events (ZMQ, msgpack) into the router's {@link BlockLocationIndex} (docs/events-vllm.md).
 *
 * <p>An {@link Agent}: {@link #doWork()} polls every pod's SUB socket for at most the poll timeout, applies what
 * arrived and returns the number of messages handled; tests call it by hand, {@link #startOnThread} runs it. All
 * sockets are created, used and closed on the thread that calls {@code doWork()}; {@link #addPod}/{@link #removePod}
 * may be called from any thread (they are queued).
 *
 * <p><b>Sequencing</b>, per publisher (one SUB socket): a message with {@code seq = last + 1} applies. A gap
 * ({@code seq > last + 1}) sends a replay request for {@code last + 1} on the pod's replay endpoint (a DEALER, framed
 * {@code [empty, seq]}, answered {@code [empty, topic, seq, payload]} by vLLM 0.34 and {@code [empty, seq, payload]}
 * before it) and holds live messages back; replayed batches apply in order, those already applied are
 * skipped, and the end marker (seq -1) releases the held messages. When the replay cannot fill the gap (no replay
 * endpoint, the first replayed seq is past the one needed, no end marker within the replay timeout, too many held
 * messages) the gap is unrecoverable: the pods of that stream lose all their locations and aliases, so the index never
 * keeps entries whose removal may have been lost. A live seq that goes backwards means the publisher restarted (its
 * cache is empty): same clearing. The first message of a stream applies whatever its seq.
 *
 * <p><b>Bad input never stops the loop</b>: a malformed frame, a payload that does not decode, an event of an
 * unknown model or tag is counted ({@link #counters()}), logged once per kind, and skipped.
 */
public final class VllmEventSubscriber implements Agent, AutoCloseable {
    private static final Logger LOG = System.getLogger(VllmEventSubscriber.class.getName());
    private static final byte[] EMPTY = new byte[0];
    /** Publishers one bound address keeps sequences for: a pod is one topic (one per data-parallel rank). */
    static final int MAX_TOPICS_PER_BOUND_STREAM = 65_536;

    private final ZContext context;
    private final boolean ownsContext;
    private final Map<String, Namespace> namespaces;
    private final VllmEventDecoder decoder;
    private final VllmSubscriberCounters counters = new VllmSubscriberCounters();
    private final LogOnce logOnce = new LogOnce(LOG);
    private final VllmEventApplier applier;
    private final long pollTimeoutMs;
    private final long replayTimeoutNanos;
    private final int maxHeldMessages;
    /** The largest ZMQ message frame taken by default: {@link Builder#maxMessageBytes}. */
    public static final long MAX_MESSAGE_BYTES_DEFAULT = 64L << 20;
    private final int maxMessagesPerPoll;
    private final int receiveHwm;
    private final long maxMessageBytes;
    private final byte[] topicFilter;
    private final LongSupplier nanoClock;
    private final List<EndpointStream> streams = new ArrayList<>();
    private final ConcurrentLinkedQueue<Runnable> commands = new ConcurrentLinkedQueue<>();
    private ZMQ.Poller poller;
    private boolean pollerStale = true;
    private boolean closed;

    private VllmEventSubscriber(Builder b) {
        this.ownsContext = b.context == null;
        this.context = ownsContext ? new ZContext(1) : b.context;
        this.namespaces = Map.copyOf(b.namespaces);
        this.decoder = new VllmEventDecoder(b.decoderLimits);
        this.applier = new VllmEventApplier(b.index, b.aliasCapacityPerPod, counters, logOnce);
        this.pollTimeoutMs = b.pollTimeout.toMillis();
        this.replayTimeoutNanos = b.replayTimeout.toNanos();
        this.maxHeldMessages = b.maxHeldMessages;
        this.maxMessagesPerPoll = b.maxMessagesPerPoll;
        this.receiveHwm = b.receiveHwm;
        this.maxMessageBytes = b.maxMessageBytes;
        this.topicFilter = b.topicFilter.getBytes(StandardCharsets.UTF_8);
        this.nanoClock = b.nanoClock;
        for (VllmPodEndpoint pod : b.pods) {
            addPod(pod);
        }
        for (String endpoint : b.listen) {
            listen(endpoint);
        }
    }

    public static Builder builder() {
        return new Builder();
    }

    /**
     * Runs {@code subscriber} on a daemon thread named {@code vllm-events}; closing the returned runner stops the
     * thread and closes the subscriber on it. {@code doWork()} idles in its poll, so the runner does not spin.
     */
    public static AgentRunner startOnThread(VllmEventSubscriber subscriber, ErrorHandler errorHandler) {
        AgentRunner runner = new AgentRunner(NoOpIdleStrategy.INSTANCE, errorHandler, null, subscriber);
        AgentRunner.startOnThread(runner, r -> {
            Thread t = new Thread(r, subscriber.roleName());
            t.setDaemon(true);
            return t;
        });
        return runner;
    }

    public VllmSubscriberCounters counters() {
        return counters;
    }

    /**
     * Binds a SUB on {@code endpoint} (e.g. {@code tcp://*:5557}) for publishers that connect to the subscriber, as
     * llm-d lays out its KV-event feed (vLLM's {@code KVEventsConfig.endpoint} set to the subscriber's address; llm-d's
     * simulator dials out the same way). Each topic there is one pod's publisher, sequenced on its own; no replay.
     * Applied on the next {@link #doWork()}.
     */
    public void listen(String endpoint) {
        VllmPodEndpoint listening = new VllmPodEndpoint("listen " + endpoint, endpoint, null, null);
        commands.add(() -> bind(listening));
    }

    /** Connects to another publisher (applied on the next {@link #doWork()}). */
    public void addPod(VllmPodEndpoint pod) {
        Objects.requireNonNull(pod, "pod");
        commands.add(() -> connect(pod));
    }

    /**
     * Disconnects from the publisher(s) of {@code pod} (matched on {@link VllmPodEndpoint#pod()}) and drops every
     * location and alias of the pods they fed (applied on the next {@link #doWork()}).
     */
    public void removePod(String pod) {
        Objects.requireNonNull(pod, "pod");
        commands.add(() -> disconnect(pod));
    }

    @Override
    public String roleName() {
        return "vllm-events";
    }

    @Override
    public int doWork() {
        if (closed) {
            return 0;
        }
        int work = runCommands();
        if (streams.isEmpty()) {
            LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(pollTimeoutMs));
            return work;
        }
        if (pollerStale) {
            rebuildPoller();
        }
        boolean replaying = false;
        for (EndpointStream s : streams) {
            replaying |= s.replaying();
        }
        // Replies come on DEALERs outside the poller: while one is awaited, poll briefly and check them each call.
        // The poll is only the wait: every SUB is then read without waiting, flagged or not. A CI run saw one
        // subscriber's poller flag nothing for 10 s while a plain blocking SUB on the same PUB received (JeroMQ 0.6.0);
        // reading an empty SUB costs one check of its command queue.
        poller.poll(replaying ? Math.min(1, pollTimeoutMs) : pollTimeoutMs);
        for (EndpointStream s : streams) {
            work += drainLive(s);
            if (s.replaying()) {
                work += drainReplay(s);
                if (s.replaying() && nanoClock.getAsLong() - s.replayDeadlineNanos > 0) {
                    counters.replayTimeouts.increment();
                    logOnce.warn("replay-timeout:" + s.endpoint.replayEndpoint(), "replay from "
                        + s.endpoint.replayEndpoint() + " did not end within the replay timeout");
                    endReplay(s);
                    work++;
                }
            }
        }
        return work;
    }

    @Override
    public void onClose() {
        close();
    }

    /** Closes every socket (and the context when this subscriber made it); call it on the polling thread. */
    @Override
    public void close() {
        if (closed) {
            return;
        }
        closed = true;
        for (EndpointStream s : streams) {
            closeStream(s);
        }
        streams.clear();
        if (poller != null) {
            poller.close();
        }
        if (ownsContext) {
            context.close();
        }
    }

    /** Aliases held for {@code pod}: for tests, on the polling thread. */
    int aliasCount(String pod) {
        return applier.aliasCount(pod);
    }

    private int runCommands() {
        int n = 0;
        for (Runnable command; (command = commands.poll()) != null; n++) {
            command.run();
        }
        return n;
    }

    private void connect(VllmPodEndpoint pod) {
        open(pod, false);
    }

    private void bind(VllmPodEndpoint listening) {
        open(listening, true);
    }

    /** A SUB on the endpoint, bound (publishers connect to it) or connected to one publisher. */
    private void open(VllmPodEndpoint endpoint, boolean bound) {
        ZMQ.Socket sub = context.createSocket(SocketType.SUB);
        sub.setLinger(0);
        sub.setRcvHWM(receiveHwm);
        sub.setMaxMsgSize(maxMessageBytes); // a larger frame drops the peer's connection before it is held
        sub.subscribe(topicFilter);
        if (bound) {
            sub.bind(endpoint.eventsEndpoint());
        } else {
            sub.connect(endpoint.eventsEndpoint());
        }
        streams.add(new EndpointStream(endpoint, sub, bound));
        pollerStale = true;
    }

    private void disconnect(String pod) {
        for (int i = streams.size() - 1; i >= 0; i--) {
            EndpointStream s = streams.get(i);
            if (s.endpoint.pod().equals(pod)) {
                for (String fed : s.pods) {
                    applier.removePod(fed);
                }
                closeStream(s);
                streams.remove(i);
                pollerStale = true;
            }
        }
    }

    private void closeStream(EndpointStream s) {
        if (s.replay != null) {
            s.replay.close();
            s.replay = null;
        }
        s.sub.close();
    }

    private void rebuildPoller() {
        if (poller != null) {
            poller.close();
        }
        poller = context.createPoller(streams.size());
        for (EndpointStream s : streams) {
            poller.register(s.sub, ZMQ.Poller.POLLIN);
        }
        pollerStale = false;
    }

    private int drainLive(EndpointStream s) {
        int n = 0;
        for (; n < maxMessagesPerPoll; n++) {
            List<byte[]> frames = receive(s.sub);
            if (frames == null) {
                break;
            }
            if (frames.size() != 3 || frames.get(1).length != VllmWire.SEQ_BYTES) {
                counters.malformedFrames.increment();
                logOnce.warn("frames:" + s.endpoint.eventsEndpoint(), "a message from " + s.endpoint.eventsEndpoint()
                    + " is not [topic, 8-byte seq, payload] (" + frames.size() + " frames); such messages are skipped");
                continue;
            }
            String topic = new String(frames.get(0), StandardCharsets.UTF_8);
            onLive(s, new EndpointStream.Message(topic, VllmWire.readSeq(frames.get(1)), frames.get(2)));
        }
        return n;
    }

    private void onLive(EndpointStream s, EndpointStream.Message m) {
        if (s.replaying()) {
            if (s.held.size() < maxHeldMessages) {
                s.held.add(m);
                return;
            }
            logOnce.warn("held:" + s.endpoint.eventsEndpoint(), "more than " + maxHeldMessages
                + " live messages arrived during a replay from " + s.endpoint.replayEndpoint() + "; it is abandoned");
            endReplay(s);
        }
        sequence(s, m, true);
    }

    /**
     * Orders one batch into the stream: applies the next seq, skips (replayed) or restarts on (live) an old one, and
     * answers a gap with a replay (live) or by clearing the stream's pods.
     */
    private void sequence(EndpointStream s, EndpointStream.Message m, boolean live) {
        if (s.bound()) {
            sequenceByTopic(s, m);
            return;
        }
        long last = s.lastSeq;
        if (last >= 0 && m.seq() <= last) {
            if (!live) {
                counters.duplicateBatches.increment();
                return;
            }
            counters.publisherRestarts.increment();
            logOnce.warn("restart:" + s.endpoint.eventsEndpoint(), "seq went back from " + last + " to " + m.seq()
                + " on " + s.endpoint.eventsEndpoint() + ": the publisher restarted, its pods' blocks are dropped");
            clearStream(s);
        } else if (last >= 0 && m.seq() > last + 1) {
            if (live) {
                counters.gaps.increment();
                if (s.endpoint.replayEndpoint() != null && startReplay(s, last + 1)) {
                    s.held.add(m);
                    return;
                }
            }
            counters.unrecoverableGaps.increment();
            logOnce.warn("gap:" + s.endpoint.eventsEndpoint(), "batches " + (last + 1) + ".." + (m.seq() - 1)
                + " from " + s.endpoint.eventsEndpoint() + " are lost and no replay could supply them; the pods' "
                + "blocks are dropped from the index");
            clearStream(s);
        }
        apply(s, m);
    }

    /** A bound stream's message: ordered within its topic (one publisher); a gap or restart clears that pod only. */
    private void sequenceByTopic(EndpointStream s, EndpointStream.Message m) {
        Long last = s.topicSeqs.get(m.topic());
        if (last != null && m.seq() <= last) {
            counters.publisherRestarts.increment();
            logOnce.warn("restart:" + m.topic(), "seq went back from " + last + " to " + m.seq() + " on topic "
                + m.topic() + " at " + s.endpoint.eventsEndpoint() + ": that publisher restarted, its pod's blocks "
                + "are dropped");
            clearPod(m.topic());
        } else if (last != null && m.seq() > last + 1) {
            counters.gaps.increment();
            counters.unrecoverableGaps.increment();
            logOnce.warn("gap:" + m.topic(), "batches " + (last + 1) + ".." + (m.seq() - 1) + " on topic " + m.topic()
                + " at " + s.endpoint.eventsEndpoint() + " are lost (no replay through a bound address); the pod's "
                + "blocks are dropped from the index");
            clearPod(m.topic());
        }
        if (last == null && s.topicSeqs.size() >= MAX_TOPICS_PER_BOUND_STREAM) {
            counters.malformedFrames.increment();
            logOnce.warn("topics:" + s.endpoint.eventsEndpoint(), "more than " + MAX_TOPICS_PER_BOUND_STREAM
                + " topics at " + s.endpoint.eventsEndpoint() + "; messages of new ones are skipped");
            return;
        }
        s.topicSeqs.put(m.topic(), m.seq());
        apply(s, m);
    }

    /** Clears the pod a topic names (parsed only here: a gap or restart is rare, and apply parses it anyway). */
    private void clearPod(String topicName) {
        VllmTopic topic = VllmTopic.parse(topicName);
        if (topic != null) {
            applier.clearPod(topic.pod()); // counted there
        }
    }

    private boolean startReplay(EndpointStream s, long from) {
        ZMQ.Socket dealer = context.createSocket(SocketType.DEALER);
        dealer.setLinger(0);
        dealer.setRcvHWM(receiveHwm);
        dealer.setMaxMsgSize(maxMessageBytes);
        dealer.connect(s.endpoint.replayEndpoint());
        // The ROUTER sees [identity, empty, seq]: the empty delimiter is part of vLLM's request format.
        boolean sent = dealer.send(EMPTY, ZMQ.SNDMORE | ZMQ.DONTWAIT)
            && dealer.send(VllmWire.seqBytes(from), ZMQ.DONTWAIT);
        if (!sent) {
            dealer.close();
            return false;
        }
        s.replay = dealer;
        s.replayDeadlineNanos = nanoClock.getAsLong() + replayTimeoutNanos;
        counters.replayRequests.increment();
        return true;
    }

    private int drainReplay(EndpointStream s) {
        int n = 0;
        while (s.replaying() && n < maxMessagesPerPoll) {
            List<byte[]> frames = receive(s.replay);
            if (frames == null) {
                break;
            }
            n++;
            // vLLM 0.34 answers [empty, topic, seq, payload]; before it, [empty, seq, payload].
            int seqAt = frames.size() - 2;
            if (frames.size() < 3 || frames.size() > 4 || frames.get(0).length != 0
                || frames.get(seqAt).length != VllmWire.SEQ_BYTES) {
                counters.malformedFrames.increment();
                logOnce.warn("replay-frames:" + s.endpoint.replayEndpoint(), "a replay message from "
                    + s.endpoint.replayEndpoint() + " is not [empty, topic?, 8-byte seq, payload]; such messages are "
                    + "skipped");
                continue;
            }
            long seq = VllmWire.readSeq(frames.get(seqAt));
            if (seq == VllmWire.END_OF_REPLAY) {
                endReplay(s);
                break;
            }
            counters.replayedBatches.increment();
            String topic = frames.size() == 4 && frames.get(1).length > 0
                ? new String(frames.get(1), StandardCharsets.UTF_8) : s.topic;
            sequence(s, new EndpointStream.Message(topic, seq, frames.get(seqAt + 1)), false);
        }
        return n;
    }

    /** Closes the replay socket and releases the held live messages; a gap still open among them is unrecoverable. */
    private void endReplay(EndpointStream s) {
        s.replay.close();
        s.replay = null;
        for (EndpointStream.Message m; (m = s.held.poll()) != null; ) {
            sequence(s, m, false);
        }
    }

    private void apply(EndpointStream s, EndpointStream.Message m) {
        counters.batches.increment();
        s.lastSeq = m.seq();
        if (m.topic() != null) {
            s.topic = m.topic();
        }
        VllmTopic topic = VllmTopic.parse(m.topic());
        String pod = topic != null ? topic.pod() : s.endpoint.pod();
        String model = topic != null ? topic.model() : s.endpoint.model();
        VllmEventBatch batch;
        try {
            batch = decoder.decode(m.payload());
        } catch (VllmDecodeException e) {
            counters.decodeErrors.increment();
            logOnce.warn("decode:" + e.reason() + ":" + pod, "a KV-event payload from " + pod
                + " does not decode and is skipped: " + e.getMessage());
            return;
        }
        Namespace ns = model == null ? null : namespaces.get(model);
        if (ns == null) {
            counters.unknownModelEvents.add(batch.events().size());
            logOnce.warn("model:" + model, "KV events of model '" + model + "' (from " + pod
                + ") are dropped: no namespace is configured for it");
            return;
        }
        s.pods.add(pod);
        try {
            applier.apply(pod, ns, batch);
        } catch (RuntimeException e) {
            counters.malformedEvents.increment();
            if (logOnce.warn("apply:" + pod, "a KV-event batch from " + pod + " failed to apply: " + e)) {
                LOG.log(Level.DEBUG, "apply failure", e);
            }
        }
    }

    private void clearStream(EndpointStream s) {
        for (String pod : s.pods) {
            applier.clearPod(pod);
        }
    }

    /** One whole multipart message without waiting, or {@code null} when none is queued. */
    private static List<byte[]> receive(ZMQ.Socket socket) {
        byte[] first = socket.recv(ZMQ.DONTWAIT);
        if (first == null) {
            return null;
        }
        List<byte[]> frames = new ArrayList<>(3);
        frames.add(first);
        while (socket.hasReceiveMore()) {
            frames.add(socket.recv(0));
        }
        return frames;
    }

    /** Settings of a {@link VllmEventSubscriber}; each setter checks its value at once. */
    public static final class Builder {
        private BlockLocationIndex index;
        private final Map<String, Namespace> namespaces = new HashMap<>();
        private final List<VllmPodEndpoint> pods = new ArrayList<>();
        private final List<String> listen = new ArrayList<>();
        private int aliasCapacityPerPod = 262_144;
        private Duration pollTimeout = Duration.ofMillis(10);
        private Duration replayTimeout = Duration.ofSeconds(2);
        private int maxHeldMessages = 10_000;
        private int maxMessagesPerPoll = 1_024;
        private int receiveHwm = 100_000;
        private long maxMessageBytes = MAX_MESSAGE_BYTES_DEFAULT;
        private String topicFilter = "";
        private VllmEventDecoder.Limits decoderLimits = VllmEventDecoder.Limits.DEFAULT;
        private LongSupplier nanoClock = System::nanoTime;
        private ZContext context;

        private Builder() {
        }

        /** The index the pods' blocks go into (required). */
        public Builder index(BlockLocationIndex index) {
            this.index = Objects.requireNonNull(index, "index");
            return this;
        }

        /** The namespace of a model's blocks; events of a model without one are counted and dropped. */
        public Builder namespace(String model, Namespace namespace) {
            if (model == null || model.isEmpty()) {
                throw new IllegalArgumentException("model must be non-empty, got '" + model + "'");
            }
            namespaces.put(model, Objects.requireNonNull(namespace, "namespace"));
            return this;
        }

        public Builder namespaces(Map<String, Namespace> byModel) {
            byModel.forEach(this::namespace);
            return this;
        }

        public Builder pod(VllmPodEndpoint pod) {
            pods.add(Objects.requireNonNull(pod, "pod"));
            return this;
        }

        /** A bound address publishers connect to ({@link VllmEventSubscriber#listen}), e.g. {@code tcp://*:5557}. */
        public Builder listen(String endpoint) {
            if (endpoint == null || !endpoint.matches("[a-z]+://.+")) {
                throw new IllegalArgumentException("a listen address must be a ZMQ endpoint like tcp://*:5557, got '"
                    + endpoint + "'");
            }
            listen.add(endpoint);
            return this;
        }

        /**
         * Engine-hash aliases kept per pod (default 262,144); set it above the blocks a pod can hold in all its media.
         * Past it the least recently used alias is dropped and its blocks leave the index.
         */
        public Builder aliasCapacityPerPod(int aliases) {
            if (aliases <= 0) {
                throw new IllegalArgumentException("aliasCapacityPerPod must be > 0, got " + aliases);
            }
            this.aliasCapacityPerPod = aliases;
            return this;
        }

        /** The longest one {@code doWork()} waits for messages (default 10 ms; at least 1 ms). */
        public Builder pollTimeout(Duration timeout) {
            if (timeout == null || timeout.toMillis() < 1) {
                throw new IllegalArgumentException("pollTimeout must be >= 1 ms, got " + timeout);
            }
            this.pollTimeout = timeout;
            return this;
        }

        /** How long a replay may take before the gap counts as unrecoverable (default 2 s). */
        public Builder replayTimeout(Duration timeout) {
            if (timeout == null || timeout.isNegative() || timeout.isZero()) {
                throw new IllegalArgumentException("replayTimeout must be > 0, got " + timeout);
            }
            this.replayTimeout = timeout;
            return this;
        }

        /** Live messages held per stream while a replay runs (default 10,000); past it the replay is abandoned. */
        public Builder maxHeldMessages(int messages) {
            if (messages <= 0) {
                throw new IllegalArgumentException("maxHeldMessages must be > 0, got " + messages);
            }
            this.maxHeldMessages = messages;
            return this;
        }

        /** Messages taken from one socket per {@code doWork()} (default 1,024), so no pod starves the others. */
        public Builder maxMessagesPerPoll(int messages) {
            if (messages <= 0) {
                throw new IllegalArgumentException("maxMessagesPerPoll must be > 0, got " + messages);
            }
            this.maxMessagesPerPoll = messages;
            return this;
        }

        /** The receive high-water mark of each socket, in messages (default 100,000, vLLM's send HWM). */
        public Builder receiveHwm(int messages) {
            if (messages < 0) {
                throw new IllegalArgumentException("receiveHwm must be >= 0 (0 = unbounded), got " + messages);
            }
            this.receiveHwm = messages;
            return this;
        }

        /**
         * The largest ZMQ message frame taken (default 64 MiB, past the decoder's own limits on events, blocks and
         * tokens): JeroMQ drops the connection of a peer that sends a larger one before allocating it, so whatever
         * reaches a bound address ({@code listen}) cannot make the router hold a frame of its choosing.
         */
        public Builder maxMessageBytes(long bytes) {
            if (bytes < 1) {
                throw new IllegalArgumentException("maxMessageBytes must be > 0, got " + bytes);
            }
            this.maxMessageBytes = bytes;
            return this;
        }

        /** The SUB subscription prefix (default "", everything; llm-d uses {@code "kv@"}). */
        public Builder topicFilter(String prefix) {
            this.topicFilter = Objects.requireNonNull(prefix, "topicFilter");
            return this;
        }

        public Builder decoderLimits(VllmEventDecoder.Limits limits) {
            this.decoderLimits = Objects.requireNonNull(limits, "decoderLimits");
            return this;
        }

        /** The clock of replay deadlines (default {@link System#nanoTime()}). */
        public Builder nanoClock(LongSupplier clock) {
            this.nanoClock = Objects.requireNonNull(clock, "nanoClock");
            return this;
        }

        /** A ZMQ context to create sockets in (the caller closes it); by default the subscriber owns one. */
        public Builder context(ZContext context) {
            this.context = Objects.requireNonNull(context, "context");
            return this;
        }

        public VllmEventSubscriber build() {
            if (index == null) {
                throw new IllegalStateException("a vLLM event subscriber needs an index");
            }
            return new VllmEventSubscriber(this);
        }
    }
}
