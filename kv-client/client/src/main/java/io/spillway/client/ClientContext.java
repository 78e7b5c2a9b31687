package io.spillway.client;

import io.spillway.config.PropertyReader;
import io.spillway.identity.TlsFiles;
import io.spillway.protocol.ProtocolLimits;
import java.net.InetSocketAddress;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * Settings of a {@link KvClient}. Every setting has a property name ({@code spillway.client.*}) and a default;
 * {@link Builder#build()} rejects bad values with a message naming the property and the value.
 */
public final class ClientContext {
    public static final String PREFIX = "spillway.client.";
    public static final String HOST_PROP = PREFIX + "host";
    public static final String DATA_PORT_PROP = PREFIX + "dataPort";
    public static final String CONTROL_PORT_PROP = PREFIX + "controlPort";
    public static final String CONNECTIONS_PROP = PREFIX + "connections";
    public static final String REQUEST_TIMEOUT_MS_PROP = PREFIX + "requestTimeoutMs";
    public static final String CONNECT_TIMEOUT_MS_PROP = PREFIX + "connectTimeoutMs";
    public static final String MAX_IN_FLIGHT_PROP = PREFIX + "maxInFlightPerConnection";
    public static final String USE_EPOLL_PROP = PREFIX + "useEpoll";
    public static final String EVENT_LOOP_THREADS_PROP = PREFIX + "eventLoopThreads";
    /** Cluster mode: control-plane addresses {@code host:port}, comma-separated, to fetch the partition map from. */
    public static final String SEEDS_PROP = PREFIX + "seeds";
    /** Cluster mode: how long a put keeps retrying blocks not yet stored on every owner. */
    public static final String RETRY_DEADLINE_MS_PROP = PREFIX + "retryDeadlineMs";
    /** Cluster mode: first pause between retry rounds; doubles each round up to {@link #RETRY_BACKOFF_MAX_MS_PROP}. */
    public static final String RETRY_BACKOFF_MS_PROP = PREFIX + "retryBackoffMs";
    public static final String RETRY_BACKOFF_MAX_MS_PROP = PREFIX + "retryBackoffMaxMs";
    /** Cluster mode: period of the background partition-map refresh; 0 = only on demand. */
    public static final String MAP_REFRESH_INTERVAL_MS_PROP = PREFIX + "mapRefreshIntervalMs";
    /** Cluster mode: how long a node that refused a connection is skipped by reads (and failed fast by writes). */
    public static final String DEAD_NODE_SKIP_MS_PROP = PREFIX + "deadNodeSkipMs";
    /** Cluster mode: read-repair puts in flight at most; 0 turns read repair off. */
    public static final String READ_REPAIR_CONCURRENCY_PROP = PREFIX + "readRepairConcurrency";
    /** TLS (docs/security.md): the client's certificate chain, PEM (mutual TLS); unset with a token or no TLS. */
    /**
     * Cluster mode: the shortest wait before a get that a member has not answered is abandoned and asked of the next
     * owner (the hedge delay is that member's recent get p99, clamped to this floor and {@link #HEDGE_DELAY_CAP_MS_PROP}).
     */
    public static final String HEDGE_DELAY_FLOOR_MS_PROP = PREFIX + "hedgeDelayFloorMs";
    /** Cluster mode: the longest hedge delay, however slow the member's recent gets were. */
    public static final String HEDGE_DELAY_CAP_MS_PROP = PREFIX + "hedgeDelayCapMs";
    /** Cluster mode: the shortest quick timeout of a put to one member (twice its recent put p99, clamped). */
    public static final String SLOW_PUT_FLOOR_MS_PROP = PREFIX + "slowPutTimeoutFloorMs";
    /** Cluster mode: the longest quick timeout of a put to one member, after which its copy goes to a stand-in. */
    public static final String SLOW_PUT_CAP_MS_PROP = PREFIX + "slowPutTimeoutCapMs";
    /** Cluster mode: slow answers in a row (hedged gets, quick put timeouts) that make a member suspect. */
    public static final String SUSPECT_AFTER_PROP = PREFIX + "suspectAfterSlowReplies";
    /** Cluster mode: how often a suspect member is pinged; a ping answered within the hedge cap clears it. */
    public static final String SUSPECT_PROBE_INTERVAL_MS_PROP = PREFIX + "suspectProbeIntervalMs";
    public static final String TLS_CERT_FILE_PROP = PREFIX + "tls.certFile";
    /** The client's private key, PKCS#8 PEM; with {@link #TLS_CERT_FILE_PROP}. */
    public static final String TLS_KEY_FILE_PROP = PREFIX + "tls.keyFile";
    /** The authorities that sign the nodes' certificates, PEM; setting it turns TLS on. */
    public static final String TLS_TRUST_FILE_PROP = PREFIX + "tls.trustFile";
    /** How often the TLS files are checked for new content, in milliseconds. */
    public static final String TLS_REFRESH_MS_PROP = PREFIX + "tls.refreshMs";
    /**
     * Token mode: a file holding the client's signed token, read again for every new connection (so a renewed token
     * is used without a restart); needs TLS ({@link #TLS_TRUST_FILE_PROP}).
     */
    public static final String TOKEN_FILE_PROP = PREFIX + "tokenFile";

    public static final String HOST_DEFAULT = "127.0.0.1";
    public static final int DATA_PORT_DEFAULT = 7600;
    public static final int CONTROL_PORT_DEFAULT = 7601;
    public static final int CONNECTIONS_DEFAULT = 4;
    public static final Duration REQUEST_TIMEOUT_DEFAULT = Duration.ofSeconds(10);
    public static final Duration CONNECT_TIMEOUT_DEFAULT = Duration.ofSeconds(3);
    public static final int MAX_IN_FLIGHT_DEFAULT = 64;
    public static final boolean USE_EPOLL_DEFAULT = true;
    /** 0: one thread per connection, at most the number of processors. */
    public static final int EVENT_LOOP_THREADS_DEFAULT = 0;
    /** Outlasts failure detection (a few seconds) plus a map refresh. */
    public static final Duration RETRY_DEADLINE_DEFAULT = Duration.ofSeconds(10);
    public static final Duration RETRY_BACKOFF_DEFAULT = Duration.ofMillis(10);
    public static final Duration RETRY_BACKOFF_MAX_DEFAULT = Duration.ofMillis(500);
    public static final Duration MAP_REFRESH_INTERVAL_DEFAULT = Duration.ofSeconds(5);
    public static final Duration DEAD_NODE_SKIP_DEFAULT = Duration.ofSeconds(1);
    public static final int READ_REPAIR_CONCURRENCY_DEFAULT = 4;
    public static final Duration HEDGE_DELAY_FLOOR_DEFAULT = Duration.ofMillis(5);
    public static final Duration HEDGE_DELAY_CAP_DEFAULT = Duration.ofMillis(25);
    public static final Duration SLOW_PUT_FLOOR_DEFAULT = Duration.ofMillis(50);
    public static final Duration SLOW_PUT_CAP_DEFAULT = Duration.ofMillis(250);
    public static final int SUSPECT_AFTER_DEFAULT = 3;
    public static final Duration SUSPECT_PROBE_INTERVAL_DEFAULT = Duration.ofMillis(200);
    public static final Duration TLS_REFRESH_DEFAULT = Duration.ofSeconds(5);

    private final String host;
    private final int dataPort;
    private final int controlPort;
    private final int connections;
    private final Duration requestTimeout;
    private final Duration connectTimeout;
    private final int maxInFlightPerConnection;
    private final boolean useEpoll;
    private final int eventLoopThreads;
    private final ProtocolLimits limits;
    private final List<String> seeds;
    private final Duration retryDeadline;
    private final Duration retryBackoff;
    private final Duration retryBackoffMax;
    private final Duration mapRefreshInterval;
    private final Duration deadNodeSkip;
    private final int readRepairConcurrency;
    private final Duration hedgeDelayFloor;
    private final Duration hedgeDelayCap;
    private final Duration slowPutFloor;
    private final Duration slowPutCap;
    private final int suspectAfter;
    private final Duration suspectProbeInterval;
    private final int requestedEventLoopThreads;
    private final TlsFiles tls;
    private final Path tokenFile;

    private ClientContext(Builder b) {
        this.host = b.host;
        this.dataPort = b.dataPort;
        this.controlPort = b.controlPort;
        this.connections = b.connections;
        this.requestTimeout = b.requestTimeout;
        this.connectTimeout = b.connectTimeout;
        this.maxInFlightPerConnection = b.maxInFlightPerConnection;
        this.useEpoll = b.useEpoll;
        this.eventLoopThreads = b.eventLoopThreads > 0 ? b.eventLoopThreads
            : Math.min(b.connections, Runtime.getRuntime().availableProcessors());
        this.limits = b.limits;
        this.seeds = List.copyOf(b.seeds);
        this.retryDeadline = b.retryDeadline;
        this.retryBackoff = b.retryBackoff;
        this.retryBackoffMax = b.retryBackoffMax;
        this.mapRefreshInterval = b.mapRefreshInterval;
        this.deadNodeSkip = b.deadNodeSkip;
        this.readRepairConcurrency = b.readRepairConcurrency;
        this.hedgeDelayFloor = b.hedgeDelayFloor;
        this.hedgeDelayCap = b.hedgeDelayCap;
        this.slowPutFloor = b.slowPutFloor;
        this.slowPutCap = b.slowPutCap;
        this.suspectAfter = b.suspectAfter;
        this.suspectProbeInterval = b.suspectProbeInterval;
        this.requestedEventLoopThreads = b.eventLoopThreads;
        this.tls = b.tls;
        this.tokenFile = b.tokenFile;
    }

    /** These settings aimed at one cluster member's data and control ports (cluster mode). */
    ClientContext forNode(String nodeHost, int nodeDataPort, int nodeControlPort) {
        Builder b = toBuilder();
        b.host = nodeHost;
        b.dataPort = nodeDataPort;
        b.controlPort = nodeControlPort;
        return new ClientContext(b);
    }

    /** A builder holding these settings. */
    public Builder toBuilder() {
        Builder b = new Builder();
        b.host = host;
        b.dataPort = dataPort;
        b.controlPort = controlPort;
        b.connections = connections;
        b.requestTimeout = requestTimeout;
        b.connectTimeout = connectTimeout;
        b.maxInFlightPerConnection = maxInFlightPerConnection;
        b.useEpoll = useEpoll;
        b.eventLoopThreads = requestedEventLoopThreads;
        b.limits = limits;
        b.seeds = seeds;
        b.retryDeadline = retryDeadline;
        b.retryBackoff = retryBackoff;
        b.retryBackoffMax = retryBackoffMax;
        b.mapRefreshInterval = mapRefreshInterval;
        b.deadNodeSkip = deadNodeSkip;
        b.readRepairConcurrency = readRepairConcurrency;
        b.hedgeDelayFloor = hedgeDelayFloor;
        b.hedgeDelayCap = hedgeDelayCap;
        b.slowPutFloor = slowPutFloor;
        b.slowPutCap = slowPutCap;
        b.suspectAfter = suspectAfter;
        b.suspectProbeInterval = suspectProbeInterval;
        b.tls = tls;
        b.tokenFile = tokenFile;
        return b;
    }

    public static Builder builder() {
        return new Builder();
    }

    /**
     * A builder filled from {@code spillway.client.*} system properties, defaults where unset.
     *
     * @throws IllegalArgumentException naming the property and its malformed value
     */
    public static Builder fromSystemProperties() {
        PropertyReader r = PropertyReader.systemProperties();
        Builder b = new Builder();
        b.host = r.string(HOST_PROP).orElse(HOST_DEFAULT);
        b.dataPort = r.intValue(DATA_PORT_PROP).orElse(DATA_PORT_DEFAULT);
        b.controlPort = r.intValue(CONTROL_PORT_PROP).orElse(CONTROL_PORT_DEFAULT);
        b.connections = r.intValue(CONNECTIONS_PROP).orElse(CONNECTIONS_DEFAULT);
        b.requestTimeout = millis(r, REQUEST_TIMEOUT_MS_PROP, REQUEST_TIMEOUT_DEFAULT);
        b.connectTimeout = millis(r, CONNECT_TIMEOUT_MS_PROP, CONNECT_TIMEOUT_DEFAULT);
        b.maxInFlightPerConnection = r.intValue(MAX_IN_FLIGHT_PROP).orElse(MAX_IN_FLIGHT_DEFAULT);
        b.useEpoll = r.bool(USE_EPOLL_PROP).orElse(USE_EPOLL_DEFAULT);
        b.eventLoopThreads = r.intValue(EVENT_LOOP_THREADS_PROP).orElse(EVENT_LOOP_THREADS_DEFAULT);
        b.limits = ProtocolLimits.fromSystemProperties(PREFIX);
        b.seeds = r.string(SEEDS_PROP).map(ClientContext::splitSeeds).orElse(List.of());
        b.retryDeadline = millis(r, RETRY_DEADLINE_MS_PROP, RETRY_DEADLINE_DEFAULT);
        b.retryBackoff = millis(r, RETRY_BACKOFF_MS_PROP, RETRY_BACKOFF_DEFAULT);
        b.retryBackoffMax = millis(r, RETRY_BACKOFF_MAX_MS_PROP, RETRY_BACKOFF_MAX_DEFAULT);
        b.mapRefreshInterval = millis(r, MAP_REFRESH_INTERVAL_MS_PROP, MAP_REFRESH_INTERVAL_DEFAULT);
        b.deadNodeSkip = millis(r, DEAD_NODE_SKIP_MS_PROP, DEAD_NODE_SKIP_DEFAULT);
        b.readRepairConcurrency = r.intValue(READ_REPAIR_CONCURRENCY_PROP).orElse(READ_REPAIR_CONCURRENCY_DEFAULT);
        b.hedgeDelayFloor = millis(r, HEDGE_DELAY_FLOOR_MS_PROP, HEDGE_DELAY_FLOOR_DEFAULT);
        b.hedgeDelayCap = millis(r, HEDGE_DELAY_CAP_MS_PROP, HEDGE_DELAY_CAP_DEFAULT);
        b.slowPutFloor = millis(r, SLOW_PUT_FLOOR_MS_PROP, SLOW_PUT_FLOOR_DEFAULT);
        b.slowPutCap = millis(r, SLOW_PUT_CAP_MS_PROP, SLOW_PUT_CAP_DEFAULT);
        b.suspectAfter = r.intValue(SUSPECT_AFTER_PROP).orElse(SUSPECT_AFTER_DEFAULT);
        b.suspectProbeInterval = millis(r, SUSPECT_PROBE_INTERVAL_MS_PROP, SUSPECT_PROBE_INTERVAL_DEFAULT);
        Path trust = r.path(TLS_TRUST_FILE_PROP).orElse(null);
        Path cert = r.path(TLS_CERT_FILE_PROP).orElse(null);
        Path key = r.path(TLS_KEY_FILE_PROP).orElse(null);
        if (trust != null || cert != null || key != null) {
            if (trust == null) {
                throw new IllegalArgumentException(TLS_CERT_FILE_PROP + "/" + TLS_KEY_FILE_PROP + " need "
                    + TLS_TRUST_FILE_PROP + ": the authorities that sign the nodes' certificates");
            }
            try {
                b.tls = new TlsFiles(cert, key, trust, millis(r, TLS_REFRESH_MS_PROP, TLS_REFRESH_DEFAULT));
            } catch (IllegalArgumentException e) {
                throw new IllegalArgumentException(TLS_CERT_FILE_PROP + ", " + TLS_KEY_FILE_PROP + ", "
                    + TLS_TRUST_FILE_PROP + ": " + e.getMessage(), e);
            }
        }
        b.tokenFile = r.path(TOKEN_FILE_PROP).orElse(null);
        return b;
    }

    private static List<String> splitSeeds(String value) {
        List<String> out = new ArrayList<>();
        for (String s : value.split(",")) {
            if (!s.isBlank()) {
                out.add(s.strip());
            }
        }
        return out;
    }

    /** Splits {@code host:port} (IPv6 as {@code [::1]:port}), or throws naming the property and the value. */
    static InetSocketAddress parseSeed(String seed) {
        int colon = seed == null ? -1 : seed.lastIndexOf(':');
        if (colon <= 0 || colon == seed.length() - 1) {
            throw new IllegalArgumentException(SEEDS_PROP + " entries must be host:port, got '" + seed + "'");
        }
        String h = seed.substring(0, colon);
        if (h.startsWith("[") && h.endsWith("]")) {
            h = h.substring(1, h.length() - 1);
        }
        int port;
        try {
            port = Integer.parseInt(seed.substring(colon + 1));
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException(SEEDS_PROP + " entry '" + seed + "' has a port that is not a number");
        }
        if (h.isBlank() || port < 1 || port > 65_535) {
            throw new IllegalArgumentException(SEEDS_PROP + " entry '" + seed
                + "' must be host:port with a port in [1, 65535]");
        }
        return InetSocketAddress.createUnresolved(h, port);
    }

    private static Duration millis(PropertyReader r, String name, Duration defaultValue) {
        return Duration.ofMillis(r.intValue(name).orElse((int) defaultValue.toMillis()));
    }

    public String host() { return host; }
    public int dataPort() { return dataPort; }
    public int controlPort() { return controlPort; }
    public int connections() { return connections; }
    public Duration requestTimeout() { return requestTimeout; }
    public Duration connectTimeout() { return connectTimeout; }
    public int maxInFlightPerConnection() { return maxInFlightPerConnection; }
    /** Whether to use epoll when the native transport is available (NIO otherwise). */
    public boolean useEpoll() { return useEpoll; }
    public int eventLoopThreads() { return eventLoopThreads; }
    /** Limits the response decoder enforces; also bounds a batch's size before it is sent. */
    public ProtocolLimits limits() { return limits; }
    /** Cluster mode: control-plane addresses {@code host:port} the partition map is fetched from first. */
    public List<String> seeds() { return seeds; }
    public Duration retryDeadline() { return retryDeadline; }
    public Duration retryBackoff() { return retryBackoff; }
    public Duration retryBackoffMax() { return retryBackoffMax; }
    /** {@link Duration#ZERO}: no periodic refresh. */
    public Duration mapRefreshInterval() { return mapRefreshInterval; }
    public Duration deadNodeSkip() { return deadNodeSkip; }
    public int readRepairConcurrency() { return readRepairConcurrency; }
    public Duration hedgeDelayFloor() { return hedgeDelayFloor; }
    public Duration hedgeDelayCap() { return hedgeDelayCap; }
    public Duration slowPutFloor() { return slowPutFloor; }
    public Duration slowPutCap() { return slowPutCap; }
    public int suspectAfter() { return suspectAfter; }
    public Duration suspectProbeInterval() { return suspectProbeInterval; }
    /** TLS to the nodes' data and control planes, or empty for plaintext. */
    public Optional<TlsFiles> tls() { return Optional.ofNullable(tls); }
    /** Token mode: the file holding the client's signed token, or empty. */
    public Optional<Path> tokenFile() { return Optional.ofNullable(tokenFile); }

    @Override
    public String toString() {
        return "ClientContext{" + host + ":" + dataPort + " control " + controlPort + ", connections=" + connections
            + ", requestTimeout=" + requestTimeout + ", connectTimeout=" + connectTimeout + ", maxInFlight="
            + maxInFlightPerConnection + ", useEpoll=" + useEpoll + ", eventLoopThreads=" + eventLoopThreads
            + ", " + limits + (seeds.isEmpty() ? "" : ", seeds=" + seeds + ", retryDeadline=" + retryDeadline
            + ", retryBackoff=" + retryBackoff + ".." + retryBackoffMax + ", mapRefreshInterval=" + mapRefreshInterval
            + ", deadNodeSkip=" + deadNodeSkip + ", readRepairConcurrency=" + readRepairConcurrency
            + ", hedgeDelay=" + hedgeDelayFloor + ".." + hedgeDelayCap + ", slowPutTimeout=" + slowPutFloor + ".."
            + slowPutCap + ", suspectAfter=" + suspectAfter + ", suspectProbeInterval=" + suspectProbeInterval)
            + (tls == null ? "" : ", tls=" + tls) + (tokenFile == null ? "" : ", tokenFile=" + tokenFile) + "}";
    }

    public static final class Builder {
        private String host = HOST_DEFAULT;
        private int dataPort = DATA_PORT_DEFAULT;
        private int controlPort = CONTROL_PORT_DEFAULT;
        private int connections = CONNECTIONS_DEFAULT;
        private Duration requestTimeout = REQUEST_TIMEOUT_DEFAULT;
        private Duration connectTimeout = CONNECT_TIMEOUT_DEFAULT;
        private int maxInFlightPerConnection = MAX_IN_FLIGHT_DEFAULT;
        private boolean useEpoll = USE_EPOLL_DEFAULT;
        private int eventLoopThreads = EVENT_LOOP_THREADS_DEFAULT;
        private ProtocolLimits limits = ProtocolLimits.DEFAULTS;
        private List<String> seeds = List.of();
        private Duration retryDeadline = RETRY_DEADLINE_DEFAULT;
        private Duration retryBackoff = RETRY_BACKOFF_DEFAULT;
        private Duration retryBackoffMax = RETRY_BACKOFF_MAX_DEFAULT;
        private Duration mapRefreshInterval = MAP_REFRESH_INTERVAL_DEFAULT;
        private Duration deadNodeSkip = DEAD_NODE_SKIP_DEFAULT;
        private int readRepairConcurrency = READ_REPAIR_CONCURRENCY_DEFAULT;
        private Duration hedgeDelayFloor = HEDGE_DELAY_FLOOR_DEFAULT;
        private Duration hedgeDelayCap = HEDGE_DELAY_CAP_DEFAULT;
        private Duration slowPutFloor = SLOW_PUT_FLOOR_DEFAULT;
        private Duration slowPutCap = SLOW_PUT_CAP_DEFAULT;
        private int suspectAfter = SUSPECT_AFTER_DEFAULT;
        private Duration suspectProbeInterval = SUSPECT_PROBE_INTERVAL_DEFAULT;
        private TlsFiles tls;
        private Path tokenFile;

        /** Data-plane address; the control plane is on {@link #controlPort(int)}. */
        public Builder server(String host, int dataPort) { this.host = host; this.dataPort = dataPort; return this; }
        public Builder controlPort(int port) { this.controlPort = port; return this; }
        public Builder connections(int n) { this.connections = n; return this; }
        public Builder requestTimeout(Duration d) { this.requestTimeout = d; return this; }
        public Builder connectTimeout(Duration d) { this.connectTimeout = d; return this; }
        public Builder maxInFlightPerConnection(int n) { this.maxInFlightPerConnection = n; return this; }
        public Builder useEpoll(boolean v) { this.useEpoll = v; return this; }
        public Builder eventLoopThreads(int n) { this.eventLoopThreads = n; return this; }
        public Builder limits(ProtocolLimits l) { this.limits = l; return this; }
        /** Cluster mode: control-plane addresses {@code host:port}. */
        public Builder seeds(List<String> s) { this.seeds = s == null ? null : List.copyOf(s); return this; }
        public Builder seeds(String... s) { return seeds(List.of(s)); }
        public Builder retryDeadline(Duration d) { this.retryDeadline = d; return this; }
        public Builder retryBackoff(Duration initial, Duration max) {
            this.retryBackoff = initial;
            this.retryBackoffMax = max;
            return this;
        }
        public Builder mapRefreshInterval(Duration d) { this.mapRefreshInterval = d; return this; }
        public Builder deadNodeSkip(Duration d) { this.deadNodeSkip = d; return this; }
        public Builder readRepairConcurrency(int n) { this.readRepairConcurrency = n; return this; }
        /** Cluster mode: bounds of the hedge delay (a member's recent get p99 clamped to them). */
        public Builder hedgeDelay(Duration floor, Duration cap) {
            this.hedgeDelayFloor = floor;
            this.hedgeDelayCap = cap;
            return this;
        }
        /** Cluster mode: bounds of a put's quick timeout per member (twice its recent put p99 clamped to them). */
        public Builder slowPutTimeout(Duration floor, Duration cap) {
            this.slowPutFloor = floor;
            this.slowPutCap = cap;
            return this;
        }
        public Builder suspectAfter(int slowReplies) { this.suspectAfter = slowReplies; return this; }
        public Builder suspectProbeInterval(Duration d) { this.suspectProbeInterval = d; return this; }
        /**
         * TLS to the nodes (null: plaintext): the trusted authorities are required; a certificate and key make it
         * mutual TLS, the client's identity (tenant and roles) being its certificate's URI.
         */
        public Builder tls(TlsFiles files) {
            if (files != null && files.trustedCertificates() == null) {
                throw new IllegalArgumentException(TLS_TRUST_FILE_PROP + " must be set: a TLS client checks the "
                    + "node's certificate against it");
            }
            this.tls = files;
            return this;
        }
        /** Token mode (null: none): the file holding the client's signed token; needs {@link #tls(TlsFiles)}. */
        public Builder tokenFile(Path file) { this.tokenFile = file; return this; }

        public ClientContext build() {
            if (host == null || host.isBlank()) {
                throw new IllegalArgumentException(HOST_PROP + " must be set, got '" + host + "'");
            }
            requirePort(DATA_PORT_PROP, dataPort);
            requirePort(CONTROL_PORT_PROP, controlPort);
            if (dataPort == controlPort) {
                throw new IllegalArgumentException(DATA_PORT_PROP + " and " + CONTROL_PORT_PROP
                    + " must differ, both are " + dataPort);
            }
            requireRange(CONNECTIONS_PROP, connections, 1, 1024);
            requirePositive(REQUEST_TIMEOUT_MS_PROP, requestTimeout);
            requirePositive(CONNECT_TIMEOUT_MS_PROP, connectTimeout);
            requireRange(MAX_IN_FLIGHT_PROP, maxInFlightPerConnection, 1, 65_536);
            requireRange(EVENT_LOOP_THREADS_PROP, eventLoopThreads, 0, 1024);
            if (limits == null) {
                throw new IllegalArgumentException("limits must be set");
            }
            if (seeds == null) {
                throw new IllegalArgumentException(SEEDS_PROP + " must not be null");
            }
            for (String s : seeds) {
                parseSeed(s);
            }
            if (tokenFile != null && tls == null) {
                throw new IllegalArgumentException(TOKEN_FILE_PROP + "=" + tokenFile + " needs TLS ("
                    + TLS_TRUST_FILE_PROP + "): a token sent in plaintext could be read and replayed");
            }
            requirePositive(RETRY_DEADLINE_MS_PROP, retryDeadline);
            requirePositive(RETRY_BACKOFF_MS_PROP, retryBackoff);
            requirePositive(RETRY_BACKOFF_MAX_MS_PROP, retryBackoffMax);
            if (retryBackoffMax.compareTo(retryBackoff) < 0) {
                throw new IllegalArgumentException(RETRY_BACKOFF_MAX_MS_PROP + " (" + retryBackoffMax.toMillis()
                    + ") must be >= " + RETRY_BACKOFF_MS_PROP + " (" + retryBackoff.toMillis() + ")");
            }
            if (mapRefreshInterval == null || mapRefreshInterval.isNegative()) {
                throw new IllegalArgumentException(MAP_REFRESH_INTERVAL_MS_PROP + " must be >= 0 (0 = off), got "
                    + mapRefreshInterval);
            }
            requirePositive(DEAD_NODE_SKIP_MS_PROP, deadNodeSkip);
            requireRange(READ_REPAIR_CONCURRENCY_PROP, readRepairConcurrency, 0, 1024);
            requireBounds(HEDGE_DELAY_FLOOR_MS_PROP, hedgeDelayFloor, HEDGE_DELAY_CAP_MS_PROP, hedgeDelayCap);
            requireBounds(SLOW_PUT_FLOOR_MS_PROP, slowPutFloor, SLOW_PUT_CAP_MS_PROP, slowPutCap);
            if (!seeds.isEmpty() && (hedgeDelayCap.compareTo(requestTimeout) >= 0
                || slowPutCap.compareTo(requestTimeout) >= 0)) {
                throw new IllegalArgumentException(HEDGE_DELAY_CAP_MS_PROP + " (" + hedgeDelayCap.toMillis() + ") and "
                    + SLOW_PUT_CAP_MS_PROP + " (" + slowPutCap.toMillis() + ") must be < " + REQUEST_TIMEOUT_MS_PROP
                    + " (" + requestTimeout.toMillis() + "): they cut a slow member's wait short of it");
            }
            requireRange(SUSPECT_AFTER_PROP, suspectAfter, 1, 1_000);
            requirePositive(SUSPECT_PROBE_INTERVAL_MS_PROP, suspectProbeInterval);
            return new ClientContext(this);
        }

        private static void requireBounds(String floorName, Duration floor, String capName, Duration cap) {
            requirePositive(floorName, floor);
            requirePositive(capName, cap);
            if (cap.compareTo(floor) < 0) {
                throw new IllegalArgumentException(capName + " (" + cap.toMillis() + ") must be >= " + floorName
                    + " (" + floor.toMillis() + ")");
            }
        }

        private static void requirePort(String name, int port) {
            requireRange(name, port, 1, 65_535);
        }

        private static void requireRange(String name, int value, int min, int max) {
            if (value < min || value > max) {
                throw new IllegalArgumentException(name + " must be in [" + min + ", " + max + "], got " + value);
            }
        }

        private static void requirePositive(String name, Duration d) {
            if (d == null || d.isNegative() || d.isZero()) {
                throw new IllegalArgumentException(name + " must be > 0, got " + d);
            }
        }
    }
}
