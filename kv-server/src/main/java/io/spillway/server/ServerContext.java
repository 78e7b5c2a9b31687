package io.spillway.server;

import io.spillway.server.cluster.ClusterContext;
import io.spillway.server.events.EventsContext;
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
 * Every setting of one node, each with a property name, a default and validation that names the bad value.
 * Load order: defaults &lt; config file &lt; environment ({@code SPILLWAY_SERVER_DATA_PORT}) &lt; flags; see
 * {@link PropertySources}. Keys under {@code spillway.cpu.} and {@code spillway.nvme.} are passed to the tiers.
 *
 * <pre>{@code
 * ServerContext ctx = ServerContext.builder().dataPort(0).controlPort(0).httpPort(0).dataDir(dir).build();
 * }</pre>
 */
public final class ServerContext {
    public static final String NODE_ID = "spillway.server.nodeId";
    public static final String BIND = "spillway.server.bind";
    public static final String DATA_PORT = "spillway.server.dataPort";
    public static final String CONTROL_PORT = "spillway.server.controlPort";
    public static final String HTTP_PORT = "spillway.server.httpPort";
    public static final String DATA_DIR = "spillway.server.dataDir";
    public static final String MAX_BLOCK_BYTES = "spillway.server.maxBlockBytes";
    public static final String MAX_BLOCKS_PER_REQUEST = "spillway.server.maxBlocksPerRequest";
    public static final String MAX_FRAME_BYTES = "spillway.server.maxFrameBytes";
    public static final String PROMOTE_ON_HIT = "spillway.server.promoteOnHit";
    public static final String NVME_ENABLED = "spillway.server.nvmeEnabled";
    public static final String TRANSPORT = "spillway.server.transport";
    public static final String IO_THREADS = "spillway.server.ioThreads";
    public static final String TIER_THREADS = "spillway.server.tierThreads";
    public static final String TIER_QUEUE_DEPTH = "spillway.server.tierQueueDepth";
    public static final String MAX_IN_FLIGHT_PER_CONNECTION = "spillway.server.maxInFlightPerConnection";
    public static final String WRITE_HIGH_WATER_MARK = "spillway.server.writeHighWaterMark";
    public static final String WRITE_LOW_WATER_MARK = "spillway.server.writeLowWaterMark";
    public static final String DRAIN_TIMEOUT_MILLIS = "spillway.server.drainTimeoutMillis";
    public static final String CPU_CAPACITY = "spillway.cpu.capacityBytes";
    public static final String CPU_MAX_BLOCK_BYTES = "spillway.cpu.maxBlockBytes";
    public static final String NVME_DIRECTORY = "spillway.nvme.directory";
    public static final String NVME_CAPACITY = "spillway.nvme.capacityBytes";
    public static final String NVME_MAX_BLOCK_BYTES = "spillway.nvme.maxBlockBytes";

    /** The CPU tier's default: this share of physical memory, at most {@link #CPU_DEFAULT_CAP}. */
    public static final double CPU_DEFAULT_SHARE = 0.25;
    public static final long CPU_DEFAULT_CAP = 64L << 30;
    /** The NVMe tier's default: half the free space under the data dir, at most {@link #NVME_DEFAULT_CAP}. */
    public static final long NVME_DEFAULT_CAP = 256L << 30;

    private static final int CORES = Runtime.getRuntime().availableProcessors();

    /** Server settings with their defaults, in documentation order ({@code null}: computed in {@link Builder#build()}). */
    static final Map<String, String> DEFAULTS;

    static {
        Map<String, String> d = new LinkedHashMap<>();
        d.put(NODE_ID, null);
        d.put(BIND, "127.0.0.1");
        d.put(DATA_PORT, "7600");
        d.put(CONTROL_PORT, "7601");
        d.put(HTTP_PORT, "7602");
        d.put(DATA_DIR, "./data");
        d.put(MAX_BLOCK_BYTES, "16m");
        d.put(MAX_BLOCKS_PER_REQUEST, "1024");
        d.put(MAX_FRAME_BYTES, "1g");
        d.put(PROMOTE_ON_HIT, "true");
        d.put(NVME_ENABLED, "true");
        d.put(TRANSPORT, "auto");
        d.put(IO_THREADS, String.valueOf(CORES));
        d.put(TIER_THREADS, String.valueOf(Math.max(2, CORES)));
        d.put(TIER_QUEUE_DEPTH, "1024");
        d.put(MAX_IN_FLIGHT_PER_CONNECTION, "64");
        d.put(WRITE_HIGH_WATER_MARK, "4m");
        d.put(WRITE_LOW_WATER_MARK, "2m");
        d.put(DRAIN_TIMEOUT_MILLIS, "10000");
        DEFAULTS = Collections.unmodifiableMap(d);
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
    private final long drainTimeoutMillis;
    private final Properties cpuProperties;
    private final Properties nvmeProperties;
    private final TierFactory tierFactory;
    private final ClusterContext cluster;
    private final EventsContext events;

    private ServerContext(Builder b, Map<String, String> s) {
        Settings v = new Settings(s, b.origins);
        this.settings = Collections.unmodifiableMap(new TreeMap<>(s));
        this.nodeId = v.text(NODE_ID);
        this.bind = v.text(BIND);
        this.dataPort = v.port(DATA_PORT);
        this.controlPort = v.port(CONTROL_PORT);
        this.httpPort = v.port(HTTP_PORT);
        this.dataDir = v.path(DATA_DIR);
        this.maxBlockBytes = (int) v.size(MAX_BLOCK_BYTES, 1, Integer.MAX_VALUE - 64);
        this.maxBlocksPerRequest = (int) v.integer(MAX_BLOCKS_PER_REQUEST, 1, 1 << 20);
        this.maxFrameBytes = v.size(MAX_FRAME_BYTES, 1, 0xFFFF_FFFFL);
        this.promoteOnHit = v.bool(PROMOTE_ON_HIT);
        this.nvmeEnabled = v.bool(NVME_ENABLED);
        this.transport = v.choice(TRANSPORT, Transport.class);
        this.ioThreads = (int) v.integer(IO_THREADS, 1, 1024);
        this.tierThreads = (int) v.integer(TIER_THREADS, 1, 1024);
        this.tierQueueDepth = (int) v.integer(TIER_QUEUE_DEPTH, 1, 1 << 20);
        this.maxInFlightPerConnection = (int) v.integer(MAX_IN_FLIGHT_PER_CONNECTION, 1, 1 << 16);
        this.writeHighWaterMark = (int) v.size(WRITE_HIGH_WATER_MARK, 2, Integer.MAX_VALUE);
        this.writeLowWaterMark = (int) v.size(WRITE_LOW_WATER_MARK, 1, Integer.MAX_VALUE);
        this.drainTimeoutMillis = v.integer(DRAIN_TIMEOUT_MILLIS, 0, 3_600_000);
        this.cpuProperties = v.tierProperties("spillway.cpu.");
        this.nvmeProperties = v.tierProperties("spillway.nvme.");
        v.size(CPU_CAPACITY, 1, Long.MAX_VALUE);
        v.size(NVME_CAPACITY, 1, Long.MAX_VALUE);
        this.tierFactory = b.tierFactory;
        this.cluster = ClusterContext.from(s, b.origins, dataDir.resolve("ignite"));
        this.events = EventsContext.from(s, b.origins, bind, dataDir);
        long direct = io.netty.util.internal.PlatformDependent.maxDirectMemory();
        if (cpuCapacityBytes() > direct) {
            throw new IllegalArgumentException(CPU_CAPACITY + "=" + cpuCapacityBytes() + " exceeds the JVM's direct "
                + "memory limit " + direct + " (the CPU tier is off-heap): raise -XX:MaxDirectMemorySize or lower it");
        }
        if (maxBlockBytes > maxFrameBytes) {
            throw new IllegalArgumentException(MAX_BLOCK_BYTES + "=" + maxBlockBytes + " must not exceed "
                + MAX_FRAME_BYTES + "=" + maxFrameBytes);
        }
        if (writeLowWaterMark >= writeHighWaterMark) {
            throw new IllegalArgumentException(WRITE_LOW_WATER_MARK + "=" + writeLowWaterMark + " must be below "
                + WRITE_HIGH_WATER_MARK + "=" + writeHighWaterMark);
        }
        long ports = (long) dataPort * controlPort * httpPort;
        if (ports != 0 && (dataPort == controlPort || dataPort == httpPort || controlPort == httpPort)) {
            throw new IllegalArgumentException("ports must differ: " + DATA_PORT + "=" + dataPort + ", "
                + CONTROL_PORT + "=" + controlPort + ", " + HTTP_PORT + "=" + httpPort);
        }
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
    public long drainTimeoutMillis() { return drainTimeoutMillis; }
    /** {@code spillway.cpu.*} with sizes in plain bytes and the server's defaults filled in. */
    public Properties cpuProperties() { return copy(cpuProperties); }
    /** {@code spillway.nvme.*} with sizes in plain bytes and the server's defaults filled in. */
    public Properties nvmeProperties() { return copy(nvmeProperties); }
    public long cpuCapacityBytes() { return Long.parseLong(cpuProperties.getProperty(CPU_CAPACITY)); }
    public long nvmeCapacityBytes() { return Long.parseLong(nvmeProperties.getProperty(NVME_CAPACITY)); }
    public TierFactory tierFactory() { return tierFactory; }
    /** The {@code spillway.cluster.*} settings (cluster membership is off by default). */
    public ClusterContext cluster() { return cluster; }
    /** The {@code spillway.events.*} settings: the block-location feed (on by default, docs/events.md). */
    public EventsContext events() { return events; }
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

    /** Collects settings as property strings; {@link #build()} fills defaults, parses and validates. */
    public static final class Builder {
        private final Map<String, String> values = new LinkedHashMap<>();
        private final Map<String, String> origins = new LinkedHashMap<>();
        private TierFactory tierFactory = TierFactory.DEFAULT;

        /** Sets any {@code spillway.*} property (unknown {@code spillway.server.*} names are rejected by build). */
        public Builder set(String property, String value) {
            values.put(property, value);
            origins.remove(property);
            return this;
        }

        /** Takes every value of {@code sources}, remembering where each came from for error messages. */
        public Builder load(PropertySources sources) {
            sources.values().forEach((k, v) -> {
                values.put(k, v);
                origins.put(k, sources.origin(k));
            });
            return this;
        }

        public Builder nodeId(String v) { return set(NODE_ID, v); }
        public Builder bind(String v) { return set(BIND, v); }
        public Builder dataPort(int v) { return set(DATA_PORT, String.valueOf(v)); }
        public Builder controlPort(int v) { return set(CONTROL_PORT, String.valueOf(v)); }
        public Builder httpPort(int v) { return set(HTTP_PORT, String.valueOf(v)); }
        public Builder dataDir(Path v) { return set(DATA_DIR, v.toString()); }
        public Builder maxBlockBytes(long v) { return set(MAX_BLOCK_BYTES, String.valueOf(v)); }
        public Builder maxBlocksPerRequest(int v) { return set(MAX_BLOCKS_PER_REQUEST, String.valueOf(v)); }
        public Builder promoteOnHit(boolean v) { return set(PROMOTE_ON_HIT, String.valueOf(v)); }
        public Builder nvmeEnabled(boolean v) { return set(NVME_ENABLED, String.valueOf(v)); }
        public Builder cpuCapacityBytes(long v) { return set(CPU_CAPACITY, String.valueOf(v)); }
        public Builder nvmeCapacityBytes(long v) { return set(NVME_CAPACITY, String.valueOf(v)); }
        public Builder drainTimeoutMillis(long v) { return set(DRAIN_TIMEOUT_MILLIS, String.valueOf(v)); }
        public Builder ioThreads(int v) { return set(IO_THREADS, String.valueOf(v)); }
        public Builder tierThreads(int v) { return set(TIER_THREADS, String.valueOf(v)); }
        /** Any {@code spillway.cluster.*} setting, e.g. {@code cluster("enabled", "true")}. */
        public Builder cluster(String name, String v) { return set(ClusterContext.PREFIX + name, v); }
        /** Any {@code spillway.events.*} setting, e.g. {@code events("enabled", "false")}. */
        public Builder events(String name, String v) { return set(EventsContext.PREFIX + name, v); }
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
                if (!k.startsWith(PropertySources.PREFIX)) {
                    throw new IllegalArgumentException("setting '" + k + "' is not a spillway.* property");
                }
                if (k.startsWith("spillway.server.") && !DEFAULTS.containsKey(k)) {
                    throw new IllegalArgumentException("unknown setting '" + k + "' (from " + origin(k)
                        + "); known: " + DEFAULTS.keySet());
                }
                if (k.startsWith("spillway.server.") || k.startsWith("spillway.cpu.") || k.startsWith("spillway.nvme.")
                    || k.startsWith(ClusterContext.PREFIX) || k.startsWith(EventsContext.PREFIX)) {
                    s.put(k, e.getValue());
                }
            }
            s.computeIfAbsent(NODE_ID, k -> hostName());
            Path dir = Path.of(s.get(DATA_DIR).isBlank() ? "./data" : s.get(DATA_DIR));
            s.computeIfAbsent(CPU_CAPACITY, k -> String.valueOf(defaultCpuCapacity()));
            s.computeIfAbsent(CPU_MAX_BLOCK_BYTES, k -> s.get(MAX_BLOCK_BYTES));
            s.computeIfAbsent(NVME_DIRECTORY, k -> dir.resolve("nvme").toString());
            s.computeIfAbsent(NVME_CAPACITY, k -> String.valueOf(defaultNvmeCapacity(dir)));
            s.computeIfAbsent(NVME_MAX_BLOCK_BYTES, k -> s.get(MAX_BLOCK_BYTES));
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
        long direct = io.netty.util.internal.PlatformDependent.maxDirectMemory() / 4 * 3;
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
