package io.spillway.server.events.vllm;

import io.spillway.event.vllm.VllmDecodeException;
import io.spillway.event.vllm.VllmEvent;
import io.spillway.event.vllm.VllmEventEncoder;
import io.spillway.event.vllm.VllmTopic;
import io.spillway.event.vllm.VllmWire;
import io.spillway.tier.TierKind;
import java.lang.System.Logger;
import java.lang.System.Logger.Level;
import java.net.InetAddress;
import java.net.URI;
import java.net.UnknownHostException;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.atomic.LongAdder;
import org.zeromq.SocketType;
import org.zeromq.ZContext;
import org.zeromq.ZMQ;

/**
 * Publishes a node's tier changes as vLLM KV events (docs/events-vllm.md, "The vLLM-format feed of a node"): the
 * block-location feed in vLLM's schema and transport, keyed by Spillway block keys, for consumers that read vLLM's
 * stream and know those keys. It is not a feed llm-d's indexer can use (the page says why). It speaks vLLM 0.34's
 * protocol: a PUB socket sending {@code [topic, 8-byte big-endian seq, msgpack EventBatch]}, and a replay ROUTER
 * answering {@code [empty, start seq]} with {@code [empty, topic, seq, payload]} for every buffered batch from that seq
 * and then {@code [empty, empty, -1, empty]}.
 *
 * <p>Events: {@code BlockStored} / {@code BlockRemoved} whose block hashes are the 16-byte Spillway block keys, with
 * {@code medium} {@code "CPU"} for the CPU tier and {@code "STORAGE"} for the NVMe tier, {@code parent_block_hash}
 * nil and {@code token_ids} empty: a node stores blocks by key and never sees their tokens. Events accumulate into one
 * {@code EventBatch} until {@link #flush()} (called by {@link #doWork()}) or until the batch holds
 * {@code maxEventsPerBatch} events; each batch gets the next seq from 0 and stays in a ring of the last
 * {@code replayBatches} batches for replay.
 *
 * <p><b>Threading.</b> Not thread-safe and never queues: every method is called from one thread, the server's
 * event-publisher agent, which also calls {@link #doWork()} each duty cycle (ZMQ sockets may not be shared between
 * threads). Build it on that thread or hand it over safely. No method blocks: sends use {@code DONTWAIT}; a PUB drops
 * a message for a subscriber whose queue holds {@code sendHwm} messages, silently (libzmq and jeromq count nothing
 * per subscriber), and that subscriber sees the gap in the seqs and replays the batch from the ring. What the socket
 * refuses outright is counted as {@link #dropped()}.
 */
public final class VllmEventPublisher implements AutoCloseable {
    private static final Logger LOG = System.getLogger(VllmEventPublisher.class.getName());
    private static final byte[] EMPTY = new byte[0];
    private static final int MAX_REPLAY_REQUESTS_PER_CALL = 16;

    private final ZContext context;
    private final boolean ownsContext;
    private final ZMQ.Socket pub;
    private final ZMQ.Socket replay;
    private final String publishEndpoint;
    private final String replayEndpoint;
    private final VllmTopic topic;
    private final byte[] topicBytes;
    private final VllmEventEncoder encoder;
    private final int maxEventsPerBatch;
    private final int maxBlocksPerEvent;
    private final Clock clock;
    private final long[] ringSeqs;
    private final byte[][] ringPayloads;
    private int ringStart;
    private int ringSize;
    private long nextSeq;
    private boolean closed;

    private final LongAdder batches = new LongAdder();
    private final LongAdder events = new LongAdder();
    private final LongAdder dropped = new LongAdder();
    private final LongAdder replayRequests = new LongAdder();
    private final LongAdder replayedBatches = new LongAdder();
    private final LongAdder badReplayRequests = new LongAdder();

    private VllmEventPublisher(Builder b) {
        this.ownsContext = b.context == null;
        this.context = ownsContext ? new ZContext(1) : b.context;
        this.encoder = new VllmEventEncoder(b.eventFormat);
        this.maxEventsPerBatch = b.maxEventsPerBatch;
        this.maxBlocksPerEvent = b.maxBlocksPerEvent;
        this.clock = b.clock;
        this.ringSeqs = new long[b.replayBatches];
        this.ringPayloads = new byte[b.replayBatches][];
        ZMQ.Socket p = null;
        ZMQ.Socket r = null;
        try {
            p = context.createSocket(SocketType.PUB);
            p.setLinger(0);
            p.setSndHWM(b.sendHwm);
            p.bind(b.publishEndpoint);
            if (b.replayEndpoint != null) {
                r = context.createSocket(SocketType.ROUTER);
                r.setLinger(0);
                // A whole ring (and its end marker) fits in one requester's queue.
                r.setSndHWM(b.replayBatches + 1);
                r.bind(b.replayEndpoint);
            }
        } catch (RuntimeException e) {
            if (ownsContext) {
                context.close();
            } else {
                if (p != null) {
                    p.close();
                }
                if (r != null) {
                    r.close();
                }
            }
            throw new IllegalArgumentException("cannot bind the vLLM event publisher to " + b.publishEndpoint
                + (b.replayEndpoint == null ? "" : " / " + b.replayEndpoint) + ": " + e, e);
        }
        this.pub = p;
        this.replay = r;
        this.publishEndpoint = p.getLastEndpoint();
        this.replayEndpoint = r == null ? null : r.getLastEndpoint();
        this.topic = new VllmTopic(b.topicPod != null ? b.topicPod : hostPort(publishEndpoint), b.model);
        this.topicBytes = topic.toString().getBytes(StandardCharsets.UTF_8);
    }

    public static Builder builder() {
        return new Builder();
    }

    /** The bound PUB endpoint, e.g. {@code tcp://0.0.0.0:5557} (the actual port when 0 was asked for). */
    public String publishEndpoint() {
        return publishEndpoint;
    }

    /** The bound replay endpoint, or {@code null} when replay is off. */
    public String replayEndpoint() {
        return replayEndpoint;
    }

    /** The topic every message carries, {@code kv@<host:port>@<model>}. */
    public String topic() {
        return topic.toString();
    }

    /** The vLLM {@code medium} of a tier: {@code "CPU"} for the CPU tier, {@code "STORAGE"} for the NVMe tier. */
    public static String medium(TierKind tier) {
        return switch (Objects.requireNonNull(tier, "tier")) {
            case CPU -> VllmWire.MEDIUM_CPU;
            case NVME -> VllmWire.MEDIUM_STORAGE;
        };
    }

    /**
     * Announces that {@code tier} now holds the {@code count} blocks {@code (his[i], los[i])} of
     * {@code blockSizeTokens} tokens each (several events when {@code count} exceeds {@code maxBlocksPerEvent}).
     */
    public void blocksStored(TierKind tier, long[] his, long[] los, int count, int blockSizeTokens) {
        String medium = medium(tier);
        checkKeys(his, los, count);
        if (blockSizeTokens <= 0) {
            throw new IllegalArgumentException("blockSizeTokens must be > 0, got " + blockSizeTokens);
        }
        for (int from = 0; from < count; from += maxBlocksPerEvent) {
            int n = Math.min(maxBlocksPerEvent, count - from);
            encoder.blockStoredKeys(his, los, from, n, blockSizeTokens, medium);
            added();
        }
    }

    /** Announces that {@code tier} no longer holds the {@code count} blocks {@code (his[i], los[i])}. */
    public void blocksRemoved(TierKind tier, long[] his, long[] los, int count) {
        String medium = medium(tier);
        checkKeys(his, los, count);
        for (int from = 0; from < count; from += maxBlocksPerEvent) {
            int n = Math.min(maxBlocksPerEvent, count - from);
            encoder.blockRemovedKeys(his, los, from, n, medium);
            added();
        }
    }

    /**
     * Announces that the node dropped every block. vLLM's {@code AllBlocksCleared} has no medium, so a consumer drops
     * all of this publisher's blocks whatever {@code tier} emptied; the caller re-announces the other tier's blocks
     * (or publishes this only when every tier emptied, e.g. on a restart).
     */
    public void allBlocksCleared(TierKind tier) {
        Objects.requireNonNull(tier, "tier");
        encoder.add(new VllmEvent.AllBlocksCleared());
        added();
    }

    /** Sends the open batch, if it has events; returns 1 when it sent one. */
    public int flush() {
        if (closed || encoder.eventCount() == 0) {
            return 0;
        }
        int n = encoder.eventCount();
        // Rank 0 as vLLM writes it (its publisher always sets one).
        byte[] payload = encoder.finishBatch(clock.millis() / 1000.0, 0);
        long seq = nextSeq++;
        boolean sent = pub.send(topicBytes, ZMQ.SNDMORE | ZMQ.DONTWAIT)
            && pub.send(VllmWire.seqBytes(seq), ZMQ.SNDMORE | ZMQ.DONTWAIT)
            && pub.send(payload, ZMQ.DONTWAIT);
        if (!sent) {
            dropped.increment();
        }
        remember(seq, payload);
        batches.increment();
        events.add(n);
        return 1;
    }

    /** One duty cycle: sends the open batch and answers waiting replay requests. Returns the work done. */
    public int doWork() {
        if (closed) {
            return 0;
        }
        return flush() + serviceReplay();
    }

    /** Batches published (sent or dropped). */
    public long batches() {
        return batches.sum();
    }

    /** Events published in those batches. */
    public long events() {
        return events.sum();
    }

    /** Batches the PUB socket refused outright (still in the replay ring). */
    public long dropped() {
        return dropped.sum();
    }

    /** Replay requests answered. */
    public long replayRequests() {
        return replayRequests.sum();
    }

    /** Batches sent in answer to replay requests. */
    public long replayedBatches() {
        return replayedBatches.sum();
    }

    /** Replay requests not of the form [empty, 8-byte seq]: ignored. */
    public long badReplayRequests() {
        return badReplayRequests.sum();
    }

    /** The seq the next batch gets. */
    public long nextSeq() {
        return nextSeq;
    }

    /** Closes the sockets (and the context when this publisher made it); unsent events are dropped. */
    @Override
    public void close() {
        if (closed) {
            return;
        }
        closed = true;
        if (ownsContext) {
            context.close();
        } else {
            pub.close();
            if (replay != null) {
                replay.close();
            }
        }
    }

    private void added() {
        if (encoder.eventCount() >= maxEventsPerBatch) {
            flush();
        }
    }

    private void remember(long seq, byte[] payload) {
        int capacity = ringSeqs.length;
        int slot = (ringStart + ringSize) % capacity;
        ringSeqs[slot] = seq;
        ringPayloads[slot] = payload;
        if (ringSize < capacity) {
            ringSize++;
        } else {
            ringStart = (ringStart + 1) % capacity;
        }
    }

    private int serviceReplay() {
        if (replay == null) {
            return 0;
        }
        int work = 0;
        for (; work < MAX_REPLAY_REQUESTS_PER_CALL; work++) {
            List<byte[]> frames = receive(replay);
            if (frames == null) {
                break;
            }
            // [identity, empty, start seq]: what vLLM's replay socket accepts.
            if (frames.size() != 3 || frames.get(1).length != 0) {
                badReplayRequests.increment();
                continue;
            }
            long start;
            try {
                start = VllmWire.readSeq(frames.get(2));
            } catch (VllmDecodeException e) {
                badReplayRequests.increment();
                continue;
            }
            byte[] identity = frames.get(0);
            for (int i = 0; i < ringSize; i++) {
                int slot = (ringStart + i) % ringSeqs.length;
                if (ringSeqs[slot] >= start) {
                    send(identity, topicBytes, VllmWire.seqBytes(ringSeqs[slot]), ringPayloads[slot]);
                    replayedBatches.increment();
                }
            }
            send(identity, EMPTY, VllmWire.seqBytes(VllmWire.END_OF_REPLAY), EMPTY);
            replayRequests.increment();
        }
        return work;
    }

    /** {@code [identity, empty, topic, seq, payload]}: vLLM 0.34's replay answer. */
    private void send(byte[] identity, byte[] topic, byte[] seq, byte[] payload) {
        boolean sent = replay.send(identity, ZMQ.SNDMORE | ZMQ.DONTWAIT)
            && replay.send(EMPTY, ZMQ.SNDMORE | ZMQ.DONTWAIT)
            && replay.send(topic, ZMQ.SNDMORE | ZMQ.DONTWAIT)
            && replay.send(seq, ZMQ.SNDMORE | ZMQ.DONTWAIT)
            && replay.send(payload, ZMQ.DONTWAIT);
        if (!sent) {
            LOG.log(Level.DEBUG, "a replay message to a requester was refused");
        }
    }

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

    private static void checkKeys(long[] his, long[] los, int count) {
        Objects.requireNonNull(his, "his");
        Objects.requireNonNull(los, "los");
        if (count < 0 || count > his.length || count > los.length) {
            throw new IllegalArgumentException("count must be in [0, " + Math.min(his.length, los.length) + "], got "
                + count);
        }
    }

    /** {@code host:port} of a bound endpoint; a wildcard host becomes this machine's address. */
    static String hostPort(String endpoint) {
        URI uri = URI.create(endpoint);
        String host = uri.getHost();
        if (host == null || host.equals("0.0.0.0") || host.equals("*") || host.equals("[::]") || host.equals("::")) {
            try {
                host = InetAddress.getLocalHost().getHostAddress();
            } catch (UnknownHostException e) {
                host = "127.0.0.1";
            }
        }
        return host + ":" + uri.getPort();
    }

    /** Settings of a {@link VllmEventPublisher}; each setter checks its value at once. */
    public static final class Builder {
        private String publishEndpoint = "tcp://*:5557";
        private String replayEndpoint = "tcp://*:5558";
        private String topicPod;
        private String model = "spillway";
        private int replayBatches = 10_000;
        private int maxEventsPerBatch = 256;
        private int maxBlocksPerEvent = 4_096;
        private int sendHwm = 100_000;
        private VllmEventEncoder.EventFormat eventFormat = VllmEventEncoder.EventFormat.MAP;
        private Clock clock = Clock.systemUTC();
        private ZContext context;

        private Builder() {
        }

        /** The PUB endpoint to bind (default {@code tcp://*:5557}, vLLM's); port 0 binds an ephemeral port. */
        public Builder publishEndpoint(String endpoint) {
            this.publishEndpoint = requireEndpoint("publishEndpoint", endpoint);
            return this;
        }

        /** The replay ROUTER endpoint to bind (default {@code tcp://*:5558}); {@code null} turns replay off. */
        public Builder replayEndpoint(String endpoint) {
            this.replayEndpoint = endpoint == null ? null : requireEndpoint("replayEndpoint", endpoint);
            return this;
        }

        /**
         * The {@code <host:port>} part of the topic (default: the bound PUB endpoint's, a wildcard host replaced by
         * this machine's address). The server passes its own data-plane address.
         */
        public Builder topicPod(String hostPort) {
            if (hostPort == null || hostPort.isEmpty() || hostPort.indexOf('@') >= 0) {
                throw new IllegalArgumentException("topicPod is a non-empty host:port without '@', got '" + hostPort
                    + "'");
            }
            this.topicPod = hostPort;
            return this;
        }

        /** The model part of the topic (default {@code "spillway"}). */
        public Builder model(String model) {
            if (model == null || model.isEmpty()) {
                throw new IllegalArgumentException("model must be non-empty, got '" + model + "'");
            }
            this.model = model;
            return this;
        }

        /** Batches kept for replay (default 10,000, vLLM's {@code buffer_steps}). */
        public Builder replayBatches(int batches) {
            this.replayBatches = requirePositive("replayBatches", batches);
            return this;
        }

        /** Events per batch before it is sent without waiting for {@code flush()} (default 256). */
        public Builder maxEventsPerBatch(int events) {
            this.maxEventsPerBatch = requirePositive("maxEventsPerBatch", events);
            return this;
        }

        /** Blocks per event; a longer call is split (default 4,096). */
        public Builder maxBlocksPerEvent(int blocks) {
            this.maxBlocksPerEvent = requirePositive("maxBlocksPerEvent", blocks);
            return this;
        }

        /** The PUB socket's send high-water mark per subscriber, in messages (default 100,000, vLLM's). */
        public Builder sendHwm(int messages) {
            this.sendHwm = requirePositive("sendHwm", messages);
            return this;
        }

        /**
         * How events are written. The default, {@link VllmEventEncoder.EventFormat#MAP}, is what vLLM sends since its
         * PR #42892 and all vLLM 0.34's own decoder reads; {@code ARRAY} is the positional layout of the vLLM
         * versions before, for consumers built against them.
         */
        public Builder eventFormat(VllmEventEncoder.EventFormat format) {
            this.eventFormat = Objects.requireNonNull(format, "eventFormat");
            return this;
        }

        /** The clock of the batches' {@code ts} (default the system UTC clock). */
        public Builder clock(Clock clock) {
            this.clock = Objects.requireNonNull(clock, "clock");
            return this;
        }

        /** A ZMQ context to create sockets in (the caller closes it); by default the publisher owns one. */
        public Builder context(ZContext context) {
            this.context = Objects.requireNonNull(context, "context");
            return this;
        }

        /**
         * Binds the sockets.
         *
         * @throws IllegalArgumentException when an endpoint cannot be bound (naming it)
         */
        public VllmEventPublisher build() {
            return new VllmEventPublisher(this);
        }

        private static String requireEndpoint(String name, String endpoint) {
            if (endpoint == null || !endpoint.matches("[a-z]+://.+")) {
                throw new IllegalArgumentException(name + " must be a ZMQ endpoint like tcp://*:5557, got '"
                    + endpoint + "'");
            }
            return endpoint;
        }

        private static int requirePositive(String name, int value) {
            if (value <= 0) {
                throw new IllegalArgumentException(name + " must be > 0, got " + value);
            }
            return value;
        }
    }
}
