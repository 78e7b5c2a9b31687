package io.spillway.server;

import io.netty.util.internal.PlatformDependent;
import io.spillway.config.PropertySources;
import io.spillway.config.Sizes;
import io.spillway.listener.ListenerLimits;
import io.spillway.server.cluster.ClusterContext;
import io.spillway.server.events.EventsContext;
import io.spillway.server.security.SecurityContext;
import io.spillway.server.security.SecurityMode;
import io.spillway.tier.cpu.CpuTierContext;
import io.spillway.tier.nvme.NvmeTierContext;
import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.net.InetAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import java.util.Properties;
import java.util.Set;
import java.util.TreeMap;

/**
 * Every setting of one node, each with a property name ({@code X_PROP}), a default ({@code X_DEFAULT}) and validation
 * that names the bad value: a setter rejects a bad value at once, {@link Builder#build()} a bad combination.
 * Load order: defaults &lt; config file &lt; environment ({@code SPILLWAY_SERVER_DATA_PORT}) &lt; flags; see
 * {@link PropertySources}. Keys under {@code spillway.cpu.} and {@code spillway.nvme.} are passed to the tiers.
 *
 * <pre>{@code
 * ServerContext ctx = ServerContext.builder().dataPort(0).controlPort(0).httpPort(0).dataDir(dir).build();
 * }</pre>
 */
public final class ServerContext {
    public static final String PREFIX = "spillway.server.";
    /** Name in logs, stats and health; the host name by default. */
    public static final String NODE_ID_PROP = PREFIX + "nodeId";
    /** Address of all three listeners. */
    public static final String BIND_PROP = PREFIX + "bind";
    public static final String BIND_DEFAULT = "127.0.0.1";
    /** Binary data plane; 0 picks an ephemeral port. */
    public static final String DATA_PORT_PROP = PREFIX + "dataPort";
    public static final int DATA_PORT_DEFAULT = 7600;
    /** gRPC control plane; 0 picks an ephemeral port. */
    public static final String CONTROL_PORT_PROP = PREFIX + "controlPort";
    public static final int CONTROL_PORT_DEFAULT = 7601;
    /** {@code /metrics}, {@code /health}, {@code /ready}; 0 picks an ephemeral port. */
    public static final String HTTP_PORT_PROP = PREFIX + "httpPort";
    public static final int HTTP_PORT_DEFAULT = 7602;
    /** The namespaces file, and the NVMe tier under {@code nvme/}. */
    public static final String DATA_DIR_PROP = PREFIX + "dataDir";
    public static final String DATA_DIR_DEFAULT = "./data";
    /** Largest block accepted; a size. */
    public static final String MAX_BLOCK_BYTES_PROP = PREFIX + "maxBlockBytes";
    public static final int MAX_BLOCK_BYTES_DEFAULT = 16 << 20;
    public static final String MAX_BLOCKS_PER_REQUEST_PROP = PREFIX + "maxBlocksPerRequest";
    public static final int MAX_BLOCKS_PER_REQUEST_DEFAULT = 1024;
    /** Largest frame body, both directions; a size. */
    public static final String MAX_FRAME_BYTES_PROP = PREFIX + "maxFrameBytes";
    public static final long MAX_FRAME_BYTES_DEFAULT = 1L << 30;
    /** Copy NVMe hits up into the CPU tier. */
    public static final String PROMOTE_ON_HIT_PROP = PREFIX + "promoteOnHit";
    public static final boolean PROMOTE_ON_HIT_DEFAULT = true;
    /** {@code false}: a memory-only node, whose CPU tier drops what it evicts. */
    public static final String NVME_ENABLED_PROP = PREFIX + "nvmeEnabled";
    public static final boolean NVME_ENABLED_DEFAULT = true;
    public static final String TRANSPORT_PROP = PREFIX + "transport";
    public static final Transport TRANSPORT_DEFAULT = Transport.AUTO;
    /** Netty event loops of the data plane; the CPU count by default. */
    public static final String IO_THREADS_PROP = PREFIX + "ioThreads";
    public static final int IO_THREADS_DEFAULT = Runtime.getRuntime().availableProcessors();
    /** Threads that run NVMe reads and prefix lookups; max(2, CPU count) by default. */
    public static final String TIER_THREADS_PROP = PREFIX + "tierThreads";
    public static final int TIER_THREADS_DEFAULT = Math.max(2, IO_THREADS_DEFAULT);
    public static final String TIER_QUEUE_DEPTH_PROP = PREFIX + "tierQueueDepth";
    public static final int TIER_QUEUE_DEPTH_DEFAULT = 1024;
    public static final String MAX_IN_FLIGHT_PER_CONNECTION_PROP = PREFIX + "maxInFlightPerConnection";
    public static final int MAX_IN_FLIGHT_PER_CONNECTION_DEFAULT = 64;
    /** Outbound bytes queued per connection before it stops reading; a size. */
    public static final String WRITE_HIGH_WATER_MARK_PROP = PREFIX + "writeHighWaterMark";
    public static final int WRITE_HIGH_WATER_MARK_DEFAULT = 4 << 20;
    /** ...and resumes below this; a size. */
    public static final String WRITE_LOW_WATER_MARK_PROP = PREFIX + "writeLowWaterMark";
    public static final int WRITE_LOW_WATER_MARK_DEFAULT = 2 << 20;
    /** How long shutdown waits for requests in flight, in milliseconds (was {@code drainTimeoutMs}). */
    /**
     * A GET_BATCH or LOOKUP_PREFIX that waited longer than this in the tier executor's queue is answered
     * {@code DEADLINE_EXCEEDED} instead of being executed late (its client has moved on to a replica); 0: no deadline.
     */
    public static final String REQUEST_DEADLINE_MS_PROP = PREFIX + "requestDeadlineMs";
    public static final long REQUEST_DEADLINE_MS_DEFAULT = 2_000;
    public static final String DRAIN_TIMEOUT_MS_PROP = PREFIX + "drainTimeoutMs";
    public static final long DRAIN_TIMEOUT_MS_DEFAULT = 10_000;
    /** Data-plane connections open at once, at most; more are closed at accept and counted. */
    public static final String MAX_CONNECTIONS_PROP = PREFIX + "maxConnections";
    public static final int MAX_CONNECTIONS_DEFAULT = 10_000;
    /** Data-plane connections open at once from one peer address, at most. */
    public static final String MAX_CONNECTIONS_PER_PEER_PROP = PREFIX + "maxConnectionsPerPeer";
    public static final int MAX_CONNECTIONS_PER_PEER_DEFAULT = 1_000;
    /** A data-plane connection with nothing read, nothing written and nothing waiting this long is closed; 0: never. */
    public static final String IDLE_TIMEOUT_MS_PROP = PREFIX + "idleTimeoutMs";
    public static final long IDLE_TIMEOUT_MS_DEFAULT = 300_000;
    /** A data-plane request must arrive whole within this of its first byte (time the node paused reading aside). */
    public static final String REQUEST_READ_TIMEOUT_MS_PROP = PREFIX + "requestReadTimeoutMs";
    public static final long REQUEST_READ_TIMEOUT_MS_DEFAULT = 30_000;
    /** HTTP (probes, metrics) connections open at once, at most. */
    public static final String HTTP_MAX_CONNECTIONS_PROP = PREFIX + "httpMaxConnections";
    public static final int HTTP_MAX_CONNECTIONS_DEFAULT = 64;
    /** HTTP connections open at once from one peer address, at most. */
    public static final String HTTP_MAX_CONNECTIONS_PER_PEER_PROP = PREFIX + "httpMaxConnectionsPerPeer";
    public static final int HTTP_MAX_CONNECTIONS_PER_PEER_DEFAULT = 16;
    /** An HTTP connection with no request for this long is closed; 0: never. */
    public static final String HTTP_IDLE_TIMEOUT_MS_PROP = PREFIX + "httpIdleTimeoutMs";
    public static final long HTTP_IDLE_TIMEOUT_MS_DEFAULT = 30_000;
    /** An HTTP request must arrive whole within this of its first byte. */
    public static final String HTTP_REQUEST_READ_TIMEOUT_MS_PROP = PREFIX + "httpRequestReadTimeoutMs";
    public static final long HTTP_REQUEST_READ_TIMEOUT_MS_DEFAULT = 5_000;
    /** Largest gRPC message the control plane takes; a size. */
    public static final String CONTROL_MAX_INBOUND_MESSAGE_BYTES_PROP = PREFIX + "controlMaxInboundMessageBytes";
    public static final int CONTROL_MAX_INBOUND_MESSAGE_BYTES_DEFAULT = 4 << 20;
    /** gRPC calls one control-plane connection may have open at once. */
    public static final String CONTROL_MAX_CONCURRENT_CALLS_PROP = PREFIX + "controlMaxConcurrentCallsPerConnection";
    public static final int CONTROL_MAX_CONCURRENT_CALLS_DEFAULT = 32;
    /** A control-plane connection without calls for this long is closed (gRPC's max connection idle). */
    public static final String CONTROL_MAX_CONNECTION_IDLE_MS_PROP = PREFIX + "controlMaxConnectionIdleMs";
    public static final long CONTROL_MAX_CONNECTION_IDLE_MS_DEFAULT = 300_000;
    /** How often the control plane pings a quiet client to find dead connections (gRPC keepalive time). */
    public static final String CONTROL_KEEPALIVE_TIME_MS_PROP = PREFIX + "controlKeepAliveTimeMs";
    public static final long CONTROL_KEEPALIVE_TIME_MS_DEFAULT = 60_000;
    /** How long the control plane waits for a ping's answer before closing the connection. */
    public static final String CONTROL_KEEPALIVE_TIMEOUT_MS_PROP = PREFIX + "controlKeepAliveTimeoutMs";
    public static final long CONTROL_KEEPALIVE_TIMEOUT_MS_DEFAULT = 20_000;
    /** Namespaces the node (or cluster) registers, at most; more are refused with RESOURCE_EXHAUSTED. */
    public static final String MAX_NAMESPACES_PROP = PREFIX + "maxNamespaces";
    public static final int MAX_NAMESPACES_DEFAULT = 4_096;
    /** The CPU tier's size; by default a share of physical memory (see {@link #CPU_DEFAULT_SHARE}). */
    public static final String CPU_CAPACITY_PROP = CpuTierContext.CAPACITY_BYTES_PROP;
    /** The CPU tier's largest block; {@link #MAX_BLOCK_BYTES_PROP}'s value by default. */
    public static final String CPU_MAX_BLOCK_BYTES_PROP = CpuTierContext.MAX_BLOCK_BYTES_PROP;
    /** The NVMe tier's directory; {@code nvme/} under {@link #DATA_DIR_PROP} by default. */
    public static final String NVME_DIRECTORY_PROP = NvmeTierContext.DIRECTORY_PROP;
    /** The NVMe tier's size; by default half the free space under the data dir, at most {@link #NVME_DEFAULT_CAP}. */
    public static final String NVME_CAPACITY_PROP = NvmeTierContext.CAPACITY_BYTES_PROP;
    /** The NVMe tier's largest block; {@link #MAX_BLOCK_BYTES_PROP}'s value by default. */
    public static final String NVME_MAX_BLOCK_BYTES_PROP = NvmeTierContext.MAX_BLOCK_BYTES_PROP;

    /** The CPU tier's default: this share of physical memory, at most {@link #CPU_DEFAULT_CAP}. */
    public static final double CPU_DEFAULT_SHARE = 0.25;
    public static final long CPU_DEFAULT_CAP = 64L << 30;
    /** The NVMe tier's default: half the free space under the data dir, at most {@link #NVME_DEFAULT_CAP}. */
    public static final long NVME_DEFAULT_CAP = 256L << 30;

    /**
     * Properties renamed, old name to new (the node's and its tiers'): an old name is still read, in any layer, as
     * the new one, with a warning. {@code drainTimeoutMs} became {@code drainTimeoutMs} when every duration
     * setting took the {@code Ms} suffix.
     */
    public static final Map<String, String> RENAMED_PROPERTIES;

    /** Server settings with their defaults, in documentation order ({@code null}: computed in {@link Builder#build()}). */
    static final Map<String, String> DEFAULTS;

    static {
        Map<String, String> d = new LinkedHashMap<>();
        d.put(NODE_ID_PROP, null);
        d.put(BIND_PROP, BIND_DEFAULT);
        d.put(DATA_PORT_PROP, String.valueOf(DATA_PORT_DEFAULT));
        d.put(CONTROL_PORT_PROP, String.valueOf(CONTROL_PORT_DEFAULT));
        d.put(HTTP_PORT_PROP, String.valueOf(HTTP_PORT_DEFAULT));
        d.put(DATA_DIR_PROP, DATA_DIR_DEFAULT);
        d.put(MAX_BLOCK_BYTES_PROP, Sizes.format(MAX_BLOCK_BYTES_DEFAULT));
        d.put(MAX_BLOCKS_PER_REQUEST_PROP, String.valueOf(MAX_BLOCKS_PER_REQUEST_DEFAULT));
        d.put(MAX_FRAME_BYTES_PROP, Sizes.format(MAX_FRAME_BYTES_DEFAULT));
        d.put(PROMOTE_ON_HIT_PROP, String.valueOf(PROMOTE_ON_HIT_DEFAULT));
        d.put(NVME_ENABLED_PROP, String.valueOf(NVME_ENABLED_DEFAULT));
        d.put(TRANSPORT_PROP, TRANSPORT_DEFAULT.name().toLowerCase(Locale.ROOT));
        d.put(IO_THREADS_PROP, String.valueOf(IO_THREADS_DEFAULT));
        d.put(TIER_THREADS_PROP, String.valueOf(TIER_THREADS_DEFAULT));
        d.put(TIER_QUEUE_DEPTH_PROP, String.valueOf(TIER_QUEUE_DEPTH_DEFAULT));
        d.put(MAX_IN_FLIGHT_PER_CONNECTION_PROP, String.valueOf(MAX_IN_FLIGHT_PER_CONNECTION_DEFAULT));
        d.put(WRITE_HIGH_WATER_MARK_PROP, Sizes.format(WRITE_HIGH_WATER_MARK_DEFAULT));
        d.put(WRITE_LOW_WATER_MARK_PROP, Sizes.format(WRITE_LOW_WATER_MARK_DEFAULT));
        d.put(DRAIN_TIMEOUT_MS_PROP, String.valueOf(DRAIN_TIMEOUT_MS_DEFAULT));
        d.put(REQUEST_DEADLINE_MS_PROP, String.valueOf(REQUEST_DEADLINE_MS_DEFAULT));
        d.put(MAX_CONNECTIONS_PROP, String.valueOf(MAX_CONNECTIONS_DEFAULT));
        d.put(MAX_CONNECTIONS_PER_PEER_PROP, String.valueOf(MAX_CONNECTIONS_PER_PEER_DEFAULT));
        d.put(IDLE_TIMEOUT_MS_PROP, String.valueOf(IDLE_TIMEOUT_MS_DEFAULT));
        d.put(REQUEST_READ_TIMEOUT_MS_PROP, String.valueOf(REQUEST_READ_TIMEOUT_MS_DEFAULT));
        d.put(HTTP_MAX_CONNECTIONS_PROP, String.valueOf(HTTP_MAX_CONNECTIONS_DEFAULT));
        d.put(HTTP_MAX_CONNECTIONS_PER_PEER_PROP, String.valueOf(HTTP_MAX_CONNECTIONS_PER_PEER_DEFAULT));
        d.put(HTTP_IDLE_TIMEOUT_MS_PROP, String.valueOf(HTTP_IDLE_TIMEOUT_MS_DEFAULT));
        d.put(HTTP_REQUEST_READ_TIMEOUT_MS_PROP, String.valueOf(HTTP_REQUEST_READ_TIMEOUT_MS_DEFAULT));
        d.put(CONTROL_MAX_INBOUND_MESSAGE_BYTES_PROP, Sizes.format(CONTROL_MAX_INBOUND_MESSAGE_BYTES_DEFAULT));
        d.put(CONTROL_MAX_CONCURRENT_CALLS_PROP, String.valueOf(CONTROL_MAX_CONCURRENT_CALLS_DEFAULT));
        d.put(CONTROL_MAX_CONNECTION_IDLE_MS_PROP, String.valueOf(CONTROL_MAX_CONNECTION_IDLE_MS_DEFAULT));
        d.put(CONTROL_KEEPALIVE_TIME_MS_PROP, String.valueOf(CONTROL_KEEPALIVE_TIME_MS_DEFAULT));
        d.put(CONTROL_KEEPALIVE_TIMEOUT_MS_PROP, String.valueOf(CONTROL_KEEPALIVE_TIMEOUT_MS_DEFAULT));
        d.put(MAX_NAMESPACES_PROP, String.valueOf(MAX_NAMESPACES_DEFAULT));
        DEFAULTS = Collections.unmodifiableMap(d);
        Map<String, String> renamed = new LinkedHashMap<>();
        renamed.put(PREFIX + "drainTimeoutMillis", DRAIN_TIMEOUT_MS_PROP);
        renamed.putAll(CpuTierContext.RENAMED_PROPERTIES);
        RENAMED_PROPERTIES = Collections.unmodifiableMap(renamed);
    }

    /** Transport of the data plane: {@code auto} picks epoll where it is available. */
    public enum Transport { AUTO, EPOLL, NIO }

    private final Map<String, String> settings;
    private final String nodeId;
    private final String bind;
    private final int dataPort;
    private final int controlPort;
    private final int httpPort;
    private final Path dataDir;
    private final int maxBlockBytes;
    private final int maxBlocksPerRequest;
    private final long maxFrameBytes;
    private final boolean promoteOnHit;
    private final boolean nvmeEnabled;
    private final Transport transport;
    private final int ioThreads;
    private final int tierThreads;
    private final int tierQueueDepth;
    private final int maxInFlightPerConnection;
    private final int writeHighWaterMark;
    private final int writeLowWaterMark;
    private final long drainTimeoutMs;
    private final long requestDeadlineMs;
    private final ListenerLimits dataLimits;
    private final ListenerLimits httpLimits;
    private final ControlLimits controlLimits;
    private final int maxNamespaces;
    private final Properties cpuProperties;
    private final Properties nvmeProperties;
    private final TierFactory tierFactory;
    private final ClusterContext cluster;
    private final EventsContext events;
    private final SecurityContext security;

    private ServerContext(Builder b, Map<String, String> s) {
        Settings v = new Settings(s, b.origins);
        this.settings = Collections.unmodifiableMap(new TreeMap<>(s));
        this.nodeId = (String) read(v, NODE_ID_PROP);
        this.bind = (String) read(v, BIND_PROP);
        this.dataPort = (Integer) read(v, DATA_PORT_PROP);
        this.controlPort = (Integer) read(v, CONTROL_PORT_PROP);
        this.httpPort = (Integer) read(v, HTTP_PORT_PROP);
        this.dataDir = (Path) read(v, DATA_DIR_PROP);
        this.maxBlockBytes = (Integer) read(v, MAX_BLOCK_BYTES_PROP);
        this.maxBlocksPerRequest = (Integer) read(v, MAX_BLOCKS_PER_REQUEST_PROP);
        this.maxFrameBytes = (Long) read(v, MAX_FRAME_BYTES_PROP);
        this.promoteOnHit = (Boolean) read(v, PROMOTE_ON_HIT_PROP);
        this.nvmeEnabled = (Boolean) read(v, NVME_ENABLED_PROP);
        this.transport = (Transport) read(v, TRANSPORT_PROP);
        this.ioThreads = (Integer) read(v, IO_THREADS_PROP);
        this.tierThreads = (Integer) read(v, TIER_THREADS_PROP);
        this.tierQueueDepth = (Integer) read(v, TIER_QUEUE_DEPTH_PROP);
        this.maxInFlightPerConnection = (Integer) read(v, MAX_IN_FLIGHT_PER_CONNECTION_PROP);
        this.writeHighWaterMark = (Integer) read(v, WRITE_HIGH_WATER_MARK_PROP);
        this.writeLowWaterMark = (Integer) read(v, WRITE_LOW_WATER_MARK_PROP);
        this.drainTimeoutMs = (Long) read(v, DRAIN_TIMEOUT_MS_PROP);
        this.requestDeadlineMs = (Long) read(v, REQUEST_DEADLINE_MS_PROP);
        this.dataLimits = new ListenerLimits("data", (Integer) read(v, MAX_CONNECTIONS_PROP),
            (Integer) read(v, MAX_CONNECTIONS_PER_PEER_PROP), (Long) read(v, IDLE_TIMEOUT_MS_PROP),
            (Long) read(v, REQUEST_READ_TIMEOUT_MS_PROP));
        this.httpLimits = new ListenerLimits("http", (Integer) read(v, HTTP_MAX_CONNECTIONS_PROP),
            (Integer) read(v, HTTP_MAX_CONNECTIONS_PER_PEER_PROP), (Long) read(v, HTTP_IDLE_TIMEOUT_MS_PROP),
            (Long) read(v, HTTP_REQUEST_READ_TIMEOUT_MS_PROP));
        this.controlLimits = new ControlLimits((Integer) read(v, CONTROL_MAX_INBOUND_MESSAGE_BYTES_PROP),
            (Integer) read(v, CONTROL_MAX_CONCURRENT_CALLS_PROP), (Long) read(v, CONTROL_MAX_CONNECTION_IDLE_MS_PROP),
            (Long) read(v, CONTROL_KEEPALIVE_TIME_MS_PROP), (Long) read(v, CONTROL_KEEPALIVE_TIMEOUT_MS_PROP));
        this.maxNamespaces = (Integer) read(v, MAX_NAMESPACES_PROP);
        this.cpuProperties = v.tierProperties("spillway.cpu.");
        this.nvmeProperties = v.tierProperties("spillway.nvme.");
        read(v, CPU_CAPACITY_PROP);
        read(v, NVME_CAPACITY_PROP);
        this.tierFactory = b.tierFactory;
        this.cluster = ClusterContext.from(s, b.origins, dataDir.resolve("ignite"));
        this.events = EventsContext.from(s, b.origins, bind, dataDir);
        this.security = SecurityContext.from(s, b.origins);
        if (cluster.enabled() && security.mode() == SecurityMode.MTLS && cluster.joinSecretFile().isEmpty()) {
            throw new IllegalArgumentException("a clustered node in " + SecurityContext.MODE_PROP + "=mtls needs a "
                + "join secret: set " + ClusterContext.JOIN_SECRET_FILE_PROP + " (a file of at least 16 characters, the same"
                + " on every member; docs/security.md, \"Cluster membership\")");
        }
        long direct = PlatformDependent.maxDirectMemory();
        if (cpuCapacityBytes() > direct) {
            throw new IllegalArgumentException(CPU_CAPACITY_PROP + "=" + cpuCapacityBytes() + " exceeds the JVM's "
                + "direct memory limit " + direct + " (the CPU tier is off-heap): raise -XX:MaxDirectMemorySize or "
                + "lower it");
        }
        if (maxBlockBytes > maxFrameBytes) {
            throw new IllegalArgumentException(MAX_BLOCK_BYTES_PROP + "=" + maxBlockBytes + " must not exceed "
                + MAX_FRAME_BYTES_PROP + "=" + maxFrameBytes);
        }
        if (writeLowWaterMark >= writeHighWaterMark) {
            throw new IllegalArgumentException(WRITE_LOW_WATER_MARK_PROP + "=" + writeLowWaterMark + " must be below "
                + WRITE_HIGH_WATER_MARK_PROP + "=" + writeHighWaterMark);
        }
        if (dataLimits.maxConnectionsPerPeer() > dataLimits.maxConnections()) {
            throw new IllegalArgumentException(MAX_CONNECTIONS_PER_PEER_PROP + "=" + dataLimits.maxConnectionsPerPeer()
                + " must not exceed " + MAX_CONNECTIONS_PROP + "=" + dataLimits.maxConnections());
        }
        if (httpLimits.maxConnectionsPerPeer() > httpLimits.maxConnections()) {
            throw new IllegalArgumentException(HTTP_MAX_CONNECTIONS_PER_PEER_PROP + "="
                + httpLimits.maxConnectionsPerPeer() + " must not exceed " + HTTP_MAX_CONNECTIONS_PROP + "="
                + httpLimits.maxConnections());
        }
        long ports = (long) dataPort * controlPort * httpPort;
        if (ports != 0 && (dataPort == controlPort || dataPort == httpPort || controlPort == httpPort)) {
            throw new IllegalArgumentException("ports must differ: " + DATA_PORT_PROP + "=" + dataPort + ", "
                + CONTROL_PORT_PROP + "=" + controlPort + ", " + HTTP_PORT_PROP + "=" + httpPort);
        }
    }

    /**
     * Reads and checks one of the node's own settings (or a tier's size): the one place each setting's type and range
     * are stated, used by the builder's setters at once and by {@link Builder#build()}. {@code null} for a name it
     * does not check (the tiers' other settings, cluster and events: their own contexts check those).
     *
     * @throws IllegalArgumentException naming the property, the value and where it came from
     */
    private static Object read(Settings v, String key) {
        return switch (key) {
            case NODE_ID_PROP, BIND_PROP -> v.text(key);
            case DATA_PORT_PROP, CONTROL_PORT_PROP, HTTP_PORT_PROP -> v.port(key);
            case DATA_DIR_PROP -> v.path(key);
            case MAX_BLOCK_BYTES_PROP -> (int) v.size(key, 1, Integer.MAX_VALUE - 64);
            case MAX_BLOCKS_PER_REQUEST_PROP -> (int) v.integer(key, 1, 1 << 20);
            case MAX_FRAME_BYTES_PROP -> v.size(key, 1, 0xFFFF_FFFFL);
            case PROMOTE_ON_HIT_PROP, NVME_ENABLED_PROP -> v.bool(key);
            case TRANSPORT_PROP -> v.choice(key, Transport.class);
            case IO_THREADS_PROP, TIER_THREADS_PROP -> (int) v.integer(key, 1, 1024);
            case TIER_QUEUE_DEPTH_PROP -> (int) v.integer(key, 1, 1 << 20);
            case MAX_IN_FLIGHT_PER_CONNECTION_PROP -> (int) v.integer(key, 1, 1 << 16);
            case WRITE_HIGH_WATER_MARK_PROP -> (int) v.size(key, 2, Integer.MAX_VALUE);
            case WRITE_LOW_WATER_MARK_PROP -> (int) v.size(key, 1, Integer.MAX_VALUE);
            case DRAIN_TIMEOUT_MS_PROP, REQUEST_DEADLINE_MS_PROP -> v.integer(key, 0, 3_600_000);
            case MAX_CONNECTIONS_PROP, MAX_CONNECTIONS_PER_PEER_PROP -> (int) v.integer(key, 1, 1 << 24);
            case HTTP_MAX_CONNECTIONS_PROP, HTTP_MAX_CONNECTIONS_PER_PEER_PROP -> (int) v.integer(key, 1, 1 << 16);
            case IDLE_TIMEOUT_MS_PROP, REQUEST_READ_TIMEOUT_MS_PROP, HTTP_IDLE_TIMEOUT_MS_PROP,
                 HTTP_REQUEST_READ_TIMEOUT_MS_PROP -> v.integer(key, 0, 86_400_000);
            case CONTROL_MAX_INBOUND_MESSAGE_BYTES_PROP -> (int) v.size(key, 1024, Integer.MAX_VALUE);
            case CONTROL_MAX_CONCURRENT_CALLS_PROP -> (int) v.integer(key, 1, 1 << 16);
            case CONTROL_MAX_CONNECTION_IDLE_MS_PROP, CONTROL_KEEPALIVE_TIME_MS_PROP,
                 CONTROL_KEEPALIVE_TIMEOUT_MS_PROP -> v.integer(key, 1, 86_400_000);
            case MAX_NAMESPACES_PROP -> (int) v.integer(key, 1, 1 << 24);
            case CPU_CAPACITY_PROP, NVME_CAPACITY_PROP -> v.size(key, 1, Long.MAX_VALUE);
            default -> null;
        };
    }

    public static Builder builder() {
        return new Builder();
    }

    public String nodeId() { return nodeId; }
    public String bind() { return bind; }
    /** Data-plane port; 0 asks for an ephemeral port ({@link SpillwayServer#dataPort()} says which). */
    public int dataPort() { return dataPort; }
    public int controlPort() { return controlPort; }
    public int httpPort() { return httpPort; }
    public Path dataDir() { return dataDir; }
    public int maxBlockBytes() { return maxBlockBytes; }
    public int maxBlocksPerRequest() { return maxBlocksPerRequest; }
    public long maxFrameBytes() { return maxFrameBytes; }
    public boolean promoteOnHit() { return promoteOnHit; }
    /** Whether the node has an NVMe tier; without one, blocks evicted from the CPU tier are dropped. */
    public boolean nvmeEnabled() { return nvmeEnabled; }
    public Transport transport() { return transport; }
    public int ioThreads() { return ioThreads; }
    public int tierThreads() { return tierThreads; }
    public int tierQueueDepth() { return tierQueueDepth; }
    public int maxInFlightPerConnection() { return maxInFlightPerConnection; }
    public int writeHighWaterMark() { return writeHighWaterMark; }
    public int writeLowWaterMark() { return writeLowWaterMark; }
    /** How long shutdown waits for requests in flight, in milliseconds. */
    public long drainTimeoutMs() { return drainTimeoutMs; }
    /** Milliseconds a request may wait in the tier executor's queue before it is refused; 0: no deadline. */
    public long requestDeadlineMs() { return requestDeadlineMs; }
    /** The data plane's connection caps and timeouts. */
    public ListenerLimits dataLimits() { return dataLimits; }
    /** The HTTP endpoint's connection caps and timeouts. */
    public ListenerLimits httpLimits() { return httpLimits; }
    /** The gRPC control plane's message, call and connection limits. */
    public ControlLimits controlLimits() { return controlLimits; }
    /** Namespaces registered at most. */
    public int maxNamespaces() { return maxNamespaces; }
    /** {@code spillway.cpu.*} with sizes in plain bytes and the server's defaults filled in. */
    public Properties cpuProperties() { return copy(cpuProperties); }
    /** {@code spillway.nvme.*} with sizes in plain bytes and the server's defaults filled in. */
    public Properties nvmeProperties() { return copy(nvmeProperties); }
    public long cpuCapacityBytes() { return Long.parseLong(cpuProperties.getProperty(CPU_CAPACITY_PROP)); }
    public long nvmeCapacityBytes() { return Long.parseLong(nvmeProperties.getProperty(NVME_CAPACITY_PROP)); }
    public TierFactory tierFactory() { return tierFactory; }
    /** The {@code spillway.cluster.*} settings (cluster membership is off by default). */
    public ClusterContext cluster() { return cluster; }
    /** The {@code spillway.events.*} settings: the block-location feed (on by default, docs/events.md). */
    public EventsContext events() { return events; }
    /** The {@code spillway.security.*} settings: TLS, identities and tenants (mtls by default, docs/security.md). */
    public SecurityContext security() { return security; }
    /** Every effective setting, sorted by name (for the startup log and {@code --print-config}). */
    public Map<String, String> settings() { return settings; }

    private static Properties copy(Properties p) {
        Properties c = new Properties();
        c.putAll(p);
        return c;
    }

    @Override
    public String toString() {
        return "ServerContext" + settings;
    }

    /**
     * Collects settings as property strings. Each setter checks its value at once (a bad one is an
     * {@link IllegalArgumentException} naming the property, the value and where it came from); {@link #build()} fills
     * the defaults in and checks how the values fit together.
     */
    public static final class Builder {
        private final Map<String, String> values = new LinkedHashMap<>();
        private final Map<String, String> origins = new LinkedHashMap<>();
        private TierFactory tierFactory = TierFactory.DEFAULT;

        /**
         * Sets any {@code spillway.*} property; an unknown {@code spillway.server.*} name is rejected, and a
         * {@link #RENAMED_PROPERTIES renamed} one is taken as its new name, with a warning.
         */
        public Builder set(String property, String value) {
            put(property, value, null);
            return this;
        }

        /** Takes every value of {@code sources}, remembering where each came from for error messages. */
        public Builder load(PropertySources sources) {
            sources.values().forEach((k, v) -> put(k, v, sources.origin(k)));
            return this;
        }

        private void put(String property, String value, String origin) {
            String k = property.trim();
            String now = RENAMED_PROPERTIES.get(k);
            if (now != null) {
                System.getLogger(ServerContext.class.getName()).log(System.Logger.Level.WARNING,
                    PropertySources.deprecated(k, now, origin == null ? "builder" : origin));
                k = now;
            }
            if (origin == null) {
                origins.remove(k);
            } else {
                origins.put(k, origin);
            }
            if (!k.startsWith(PropertySources.PREFIX)) {
                throw new IllegalArgumentException("setting '" + k + "' is not a spillway.* property");
            }
            if (k.startsWith(PREFIX) && !DEFAULTS.containsKey(k)) {
                throw new IllegalArgumentException("unknown setting '" + k + "' (from " + origin(k) + "); known: "
                    + DEFAULTS.keySet());
            }
            if (value == null) {
                throw new IllegalArgumentException(k + " must not be null (from " + origin(k) + ")");
            }
            read(new Settings(Map.of(k, value), origins), k);
            values.put(k, value);
        }

        public Builder nodeId(String v) { return set(NODE_ID_PROP, v); }
        public Builder bind(String v) { return set(BIND_PROP, v); }
        public Builder dataPort(int v) { return set(DATA_PORT_PROP, String.valueOf(v)); }
        public Builder controlPort(int v) { return set(CONTROL_PORT_PROP, String.valueOf(v)); }
        public Builder httpPort(int v) { return set(HTTP_PORT_PROP, String.valueOf(v)); }
        public Builder dataDir(Path v) { return set(DATA_DIR_PROP, v == null ? null : v.toString()); }
        public Builder maxBlockBytes(long v) { return set(MAX_BLOCK_BYTES_PROP, String.valueOf(v)); }
        public Builder maxBlocksPerRequest(int v) { return set(MAX_BLOCKS_PER_REQUEST_PROP, String.valueOf(v)); }
        public Builder promoteOnHit(boolean v) { return set(PROMOTE_ON_HIT_PROP, String.valueOf(v)); }
        public Builder nvmeEnabled(boolean v) { return set(NVME_ENABLED_PROP, String.valueOf(v)); }
        public Builder cpuCapacityBytes(long v) { return set(CPU_CAPACITY_PROP, String.valueOf(v)); }
        public Builder nvmeCapacityBytes(long v) { return set(NVME_CAPACITY_PROP, String.valueOf(v)); }
        public Builder drainTimeoutMs(long v) { return set(DRAIN_TIMEOUT_MS_PROP, String.valueOf(v)); }
        public Builder requestDeadlineMs(long v) { return set(REQUEST_DEADLINE_MS_PROP, String.valueOf(v)); }
        public Builder ioThreads(int v) { return set(IO_THREADS_PROP, String.valueOf(v)); }
        public Builder tierThreads(int v) { return set(TIER_THREADS_PROP, String.valueOf(v)); }
        /** Any {@code spillway.cluster.*} setting, e.g. {@code cluster("enabled", "true")}. */
        public Builder cluster(String name, String v) { return set(ClusterContext.PREFIX + name, v); }
        /** Any {@code spillway.events.*} setting, e.g. {@code events("enabled", "false")}. */
        public Builder events(String name, String v) { return set(EventsContext.PREFIX + name, v); }
        /** Any {@code spillway.security.*} setting, e.g. {@code security("mode", "mtls")}. */
        public Builder security(String name, String v) { return set(SecurityContext.PREFIX + name, v); }
        /**
         * {@code spillway.security.mode=none}, said explicitly: plaintext and no identities, for the local demo, tests
         * and benchmarks on loopback. The default is {@code mtls}; the node warns at start-up when it runs without.
         */
        public Builder plaintext() { return security("mode", "none"); }
        /** How the tiers are opened; tests inject in-memory tiers here. */
        public Builder tierFactory(TierFactory v) { tierFactory = v; return this; }

        public ServerContext build() {
            Map<String, String> s = new LinkedHashMap<>();
            DEFAULTS.forEach((k, v) -> {
                if (v != null) {
                    s.put(k, v);
                }
            });
            for (Map.Entry<String, String> e : values.entrySet()) {
                String k = e.getKey();
                if (k.startsWith(PREFIX) || k.startsWith("spillway.cpu.") || k.startsWith("spillway.nvme.")
                    || k.startsWith(ClusterContext.PREFIX) || k.startsWith(EventsContext.PREFIX)
                    || k.startsWith(SecurityContext.PREFIX)) {
                    s.put(k, e.getValue());
                }
            }
            s.computeIfAbsent(NODE_ID_PROP, k -> hostName());
            Path dir = Path.of(s.get(DATA_DIR_PROP));
            s.computeIfAbsent(CPU_CAPACITY_PROP, k -> String.valueOf(defaultCpuCapacity()));
            s.computeIfAbsent(CPU_MAX_BLOCK_BYTES_PROP, k -> s.get(MAX_BLOCK_BYTES_PROP));
            s.computeIfAbsent(NVME_DIRECTORY_PROP, k -> dir.resolve("nvme").toString());
            s.computeIfAbsent(NVME_CAPACITY_PROP, k -> String.valueOf(defaultNvmeCapacity(dir)));
            s.computeIfAbsent(NVME_MAX_BLOCK_BYTES_PROP, k -> s.get(MAX_BLOCK_BYTES_PROP));
            return new ServerContext(this, s);
        }

        private String origin(String k) {
            return origins.getOrDefault(k, "builder");
        }
    }

    /**
     * A quarter of physical memory, at most 64 GiB, and at most three quarters of the JVM's direct memory limit
     * (the rest is left to the data plane's buffers and the NVMe tier's read buffers).
     */
    static long defaultCpuCapacity() {
        long physical = 8L << 30;
        if (ManagementFactory.getOperatingSystemMXBean() instanceof com.sun.management.OperatingSystemMXBean os) {
            physical = os.getTotalMemorySize();
        }
        long direct = PlatformDependent.maxDirectMemory() / 4 * 3;
        return Math.max(64L << 20, Math.min(Math.min(CPU_DEFAULT_CAP, direct), (long) (physical * CPU_DEFAULT_SHARE)));
    }

    static long defaultNvmeCapacity(Path dataDir) {
        Path p = dataDir.toAbsolutePath();
        while (p != null && !Files.exists(p)) {
            p = p.getParent();
        }
        long usable = 16L << 30;
        try {
            if (p != null) {
                usable = Files.getFileStore(p).getUsableSpace();
            }
        } catch (IOException e) {
            // keep the fallback
        }
        return Math.min(NVME_DEFAULT_CAP, Math.max(256L << 20, usable / 2));
    }

    private static String hostName() {
        try {
            return InetAddress.getLocalHost().getHostName().toLowerCase(Locale.ROOT);
        } catch (IOException e) {
            return "spillway-node";
        }
    }

    /** Names of the server's own settings, for documentation and {@code --help}. */
    public static Set<String> serverPropertyNames() {
        return DEFAULTS.keySet();
    }
}
