package io.spillway.client;

import io.spillway.config.PropertyReader;
import io.spillway.protocol.ProtocolLimits;
import java.time.Duration;

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

    public static final String DEFAULT_HOST = "127.0.0.1";
    public static final int DEFAULT_DATA_PORT = 7600;
    public static final int DEFAULT_CONTROL_PORT = 7601;
    public static final int DEFAULT_CONNECTIONS = 4;
    public static final Duration DEFAULT_REQUEST_TIMEOUT = Duration.ofSeconds(10);
    public static final Duration DEFAULT_CONNECT_TIMEOUT = Duration.ofSeconds(3);
    public static final int DEFAULT_MAX_IN_FLIGHT = 64;
    /** 0: one thread per connection, at most the number of processors. */
    public static final int DEFAULT_EVENT_LOOP_THREADS = 0;

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
        b.host = r.string(HOST_PROP).orElse(DEFAULT_HOST);
        b.dataPort = r.intValue(DATA_PORT_PROP).orElse(DEFAULT_DATA_PORT);
        b.controlPort = r.intValue(CONTROL_PORT_PROP).orElse(DEFAULT_CONTROL_PORT);
        b.connections = r.intValue(CONNECTIONS_PROP).orElse(DEFAULT_CONNECTIONS);
        b.requestTimeout = millis(r, REQUEST_TIMEOUT_MS_PROP, DEFAULT_REQUEST_TIMEOUT);
        b.connectTimeout = millis(r, CONNECT_TIMEOUT_MS_PROP, DEFAULT_CONNECT_TIMEOUT);
        b.maxInFlightPerConnection = r.intValue(MAX_IN_FLIGHT_PROP).orElse(DEFAULT_MAX_IN_FLIGHT);
        b.useEpoll = r.bool(USE_EPOLL_PROP).orElse(true);
        b.eventLoopThreads = r.intValue(EVENT_LOOP_THREADS_PROP).orElse(DEFAULT_EVENT_LOOP_THREADS);
        b.limits = ProtocolLimits.fromSystemProperties(PREFIX);
        return b;
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

    @Override
    public String toString() {
        return "ClientContext{" + host + ":" + dataPort + " control " + controlPort + ", connections=" + connections
            + ", requestTimeout=" + requestTimeout + ", connectTimeout=" + connectTimeout + ", maxInFlight="
            + maxInFlightPerConnection + ", useEpoll=" + useEpoll + ", eventLoopThreads=" + eventLoopThreads
            + ", " + limits + "}";
    }

    public static final class Builder {
        private String host = DEFAULT_HOST;
        private int dataPort = DEFAULT_DATA_PORT;
        private int controlPort = DEFAULT_CONTROL_PORT;
        private int connections = DEFAULT_CONNECTIONS;
        private Duration requestTimeout = DEFAULT_REQUEST_TIMEOUT;
        private Duration connectTimeout = DEFAULT_CONNECT_TIMEOUT;
        private int maxInFlightPerConnection = DEFAULT_MAX_IN_FLIGHT;
        private boolean useEpoll = true;
        private int eventLoopThreads = DEFAULT_EVENT_LOOP_THREADS;
        private ProtocolLimits limits = ProtocolLimits.DEFAULTS;

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
            return new ClientContext(this);
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
