package io.spillway.event.feed;

import io.grpc.ChannelCredentials;
import io.grpc.InsecureChannelCredentials;
import io.spillway.event.aeron.FeedMedia;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

/**
 * Settings of a {@link FeedSubscriber}: which channels to listen on, the media driver, and the catch-up bounds. Every
 * setter validates at once, naming the value.
 *
 * <pre>{@code
 * FeedSubscriberContext ctx = FeedSubscriberContext.builder()
 *     .node("10.0.0.5:7603").node("10.0.0.6:7603")          // each node's feed port (MDC, dynamic control)
 *     .media(FeedMedia.Settings.defaults("/dev/shm/router-feed"))
 *     .build();
 * }</pre>
 */
public final class FeedSubscriberContext {
    public static final int DEFAULT_STREAM_ID = 1001;
    public static final Duration DEFAULT_SESSION_TIMEOUT = Duration.ofSeconds(5);
    public static final Duration DEFAULT_SNAPSHOT_TIMEOUT = Duration.ofSeconds(30);
    public static final Duration DEFAULT_SNAPSHOT_RETRY = Duration.ofMillis(250);
    public static final long DEFAULT_MAX_BUFFERED_BYTES = 64L << 20;
    public static final int DEFAULT_SNAPSHOT_THREADS = 4;
    public static final long DEFAULT_IDLE_MAX_PARK_MICROS = 100;

    private final List<String> channels;
    private final int streamId;
    private final FeedMedia.Settings embedded;
    private final String externalDirectory;
    private final Duration sessionTimeout;
    private final Duration snapshotTimeout;
    private final Duration snapshotRetry;
    private final long maxBufferedBytes;
    private final int snapshotThreads;
    private final long idleMaxParkMicros;
    private final FeedMembership membership;
    private final ChannelCredentials snapshotCredentials;

    private FeedSubscriberContext(Builder b) {
        channels = List.copyOf(b.channels);
        streamId = b.streamId;
        embedded = b.embedded;
        externalDirectory = b.externalDirectory;
        sessionTimeout = b.sessionTimeout;
        snapshotTimeout = b.snapshotTimeout;
        snapshotRetry = b.snapshotRetry;
        maxBufferedBytes = b.maxBufferedBytes;
        snapshotThreads = b.snapshotThreads;
        idleMaxParkMicros = b.idleMaxParkMicros;
        membership = b.membership;
        snapshotCredentials = b.snapshotCredentials;
    }

    public static Builder builder() {
        return new Builder();
    }

    /**
     * The subscription channel for one node's default feed (multi-destination-cast with dynamic control): this
     * subscriber receives on an ephemeral local port and asks {@code nodeFeed} ({@code host:port}) to send to it.
     */
    public static String nodeChannel(String nodeFeed, String localHost) {
        return "aeron:udp?endpoint=" + localHost + ":0|control=" + nodeFeed + "|control-mode=dynamic";
    }

    public List<String> channels() { return channels; }
    public int streamId() { return streamId; }
    /** The embedded media driver's settings, or {@code null} when an external driver is used. */
    public FeedMedia.Settings embedded() { return embedded; }
    public String externalDirectory() { return externalDirectory; }
    /** A session silent this long is over: its node's blocks are forgotten (heartbeats come every ~100 ms). */
    public Duration sessionTimeout() { return sessionTimeout; }
    public Duration snapshotTimeout() { return snapshotTimeout; }
    /** Pause before a failed snapshot is asked for again. */
    public Duration snapshotRetry() { return snapshotRetry; }
    /** Bytes of messages one session may hold back while its snapshot loads; past it they are dropped (a gap). */
    public long maxBufferedBytes() { return maxBufferedBytes; }
    public int snapshotThreads() { return snapshotThreads; }
    /** How snapshots are fetched from the nodes' control ports: plaintext, or TLS with the subscriber's identity. */
    public ChannelCredentials snapshotCredentials() { return snapshotCredentials; }
    /** Longest sleep of the subscriber's thread when idle (the lag it adds at most, plus the timer's slack). */
    public long idleMaxParkMicros() { return idleMaxParkMicros; }
    /** Who may publish and where snapshots come from; null: the heartbeats are trusted (a test or a closed network). */
    public FeedMembership membership() { return membership; }

    public static final class Builder {
        private final List<String> channels = new ArrayList<>();
        private int streamId = DEFAULT_STREAM_ID;
        private FeedMedia.Settings embedded;
        private String externalDirectory;
        private Duration sessionTimeout = DEFAULT_SESSION_TIMEOUT;
        private Duration snapshotTimeout = DEFAULT_SNAPSHOT_TIMEOUT;
        private Duration snapshotRetry = DEFAULT_SNAPSHOT_RETRY;
        private long maxBufferedBytes = DEFAULT_MAX_BUFFERED_BYTES;
        private int snapshotThreads = DEFAULT_SNAPSHOT_THREADS;
        private long idleMaxParkMicros = DEFAULT_IDLE_MAX_PARK_MICROS;
        private String localHost = "127.0.0.1";
        private ChannelCredentials snapshotCredentials = InsecureChannelCredentials.create();

        private FeedMembership membership;
        private Builder() {
        }

        /** Any Aeron channel to subscribe to (IPC, multicast, a unicast endpoint, an MDC subscription). */
        public Builder channel(String channel) {
            if (channel == null || !channel.startsWith("aeron:")) {
                throw new IllegalArgumentException("not an Aeron channel: '" + channel + "'");
            }
            channels.add(channel);
            return this;
        }

        /** A node's feed address {@code host:port} (its {@code spillway.events.port}), for its default channel. */
        public Builder node(String hostPort) {
            int colon = hostPort == null ? -1 : hostPort.lastIndexOf(':');
            if (colon <= 0 || colon == hostPort.length() - 1) {
                throw new IllegalArgumentException("a node's feed address is host:port, got '" + hostPort + "'");
            }
            try {
                int port = Integer.parseInt(hostPort.substring(colon + 1));
                if (port < 1 || port > 65535) {
                    throw new NumberFormatException();
                }
            } catch (NumberFormatException e) {
                throw new IllegalArgumentException("bad port in feed address '" + hostPort + "'");
            }
            return channel(nodeChannel(hostPort, localHost));
        }

        /** The address this subscriber receives on for {@link #node} channels (default 127.0.0.1). */
        public Builder localHost(String host) {
            if (host == null || host.isBlank()) {
                throw new IllegalArgumentException("localHost must be an address, got '" + host + "'");
            }
            localHost = host;
            return this;
        }

        public Builder streamId(int v) {
            streamId = v;
            return this;
        }

        /** Runs a media driver in this process with these settings. */
        public Builder media(FeedMedia.Settings v) {
            embedded = v;
            externalDirectory = null;
            return this;
        }

        /** Uses the media driver already running in {@code directory}. */
        public Builder externalDriver(String directory) {
            externalDirectory = directory;
            embedded = null;
            return this;
        }

        public Builder sessionTimeout(Duration v) {
            sessionTimeout = positive("sessionTimeout", v);
            return this;
        }

        public Builder snapshotTimeout(Duration v) {
            snapshotTimeout = positive("snapshotTimeout", v);
            return this;
        }

        public Builder snapshotRetry(Duration v) {
            snapshotRetry = positive("snapshotRetry", v);
            return this;
        }

        public Builder maxBufferedBytes(long v) {
            if (v < 0) {
                throw new IllegalArgumentException("maxBufferedBytes must be >= 0, got " + v);
            }
            maxBufferedBytes = v;
            return this;
        }

        public Builder snapshotThreads(int v) {
            if (v < 1 || v > 256) {
                throw new IllegalArgumentException("snapshotThreads must be in [1, 256], got " + v);
            }
            snapshotThreads = v;
            return this;
        }

        public Builder idleMaxParkMicros(long v) {
            if (v < 1 || v > 1_000_000) {
                throw new IllegalArgumentException("idleMaxParkMicros must be in [1, 1000000], got " + v);
            }
            idleMaxParkMicros = v;
            return this;
        }

        /**
         * Admit only the nodes {@code v} lists, and fetch their snapshots from the address it gives rather than the
         * one their heartbeats name (docs/security.md).
         */
        public Builder membership(FeedMembership v) {
            if (v == null) {
                throw new IllegalArgumentException("membership must not be null");
            }
            membership = v;
            return this;
        }

        /**
         * The credentials snapshot calls use (default plaintext): for nodes with {@code spillway.security.mode=mtls},
         * TLS with a certificate whose URI carries the {@code router} role (docs/security.md).
         */
        public Builder snapshotCredentials(ChannelCredentials v) {
            if (v == null) {
                throw new IllegalArgumentException("snapshotCredentials must not be null (plaintext: "
                    + "InsecureChannelCredentials.create())");
            }
            snapshotCredentials = v;
            return this;
        }

        public FeedSubscriberContext build() {
            if (channels.isEmpty()) {
                throw new IllegalArgumentException("a feed subscriber needs at least one channel or node");
            }
            if (embedded == null && externalDirectory == null) {
                throw new IllegalArgumentException("say which media driver: media(settings) or externalDriver(dir)");
            }
            return new FeedSubscriberContext(this);
        }

        private static Duration positive(String name, Duration v) {
            if (v == null || v.isNegative() || v.isZero()) {
                throw new IllegalArgumentException(name + " must be > 0, got " + v);
            }
            return v;
        }
    }
}
