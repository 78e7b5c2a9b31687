package io.spillway.server.events;

import io.spillway.config.PropertyReader;
import io.spillway.config.Sizes;
import io.spillway.server.SettingsSection;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;
import java.util.zip.CRC32C;

/**
 * The {@code spillway.events.*} settings of one node: where its block-location feed is published (docs/events.md),
 * the media driver it uses, how much it coalesces, and the optional vLLM-format feed. Read through the node's layered
 * settings (defaults &lt; file &lt; environment &lt; flags); every error names the property, the value and its origin.
 */
public final class EventsContext {
    public static final String PREFIX = "spillway.events.";
    /** Whether the node publishes its block locations at all. */
    public static final String ENABLED_PROP = PREFIX + "enabled";
    public static final boolean ENABLED_DEFAULT = true;
    /** The UDP port subscribers send to (the default channel's MDC control port); 0 picks one. */
    public static final String PORT_PROP = PREFIX + "port";
    public static final int PORT_DEFAULT = 7603;
    /** The Aeron channel of the network publication, or {@code none}; by default MDC on the bind address and port. */
    public static final String CHANNEL_PROP = PREFIX + "channel";
    public static final String IPC_PROP = PREFIX + "ipc";
    public static final boolean IPC_DEFAULT = false;
    public static final String STREAM_ID_PROP = PREFIX + "streamId";
    /** The stream every Spillway feed publishes on unless told otherwise. */
    public static final int STREAM_ID_DEFAULT = 1001;
    /** What the names of embedded drivers' default directories start with (then a tag of the node's data dir). */
    public static final String DRIVER_DIR_PREFIX = "spillway-events-";
    public static final String EMBEDDED_DRIVER_PROP = PREFIX + "embeddedDriver";
    public static final boolean EMBEDDED_DRIVER_DEFAULT = true;
    /** The media driver's directory; by default one under {@code /dev/shm} named after the data dir. */
    public static final String AERON_DIR_PROP = PREFIX + "aeronDir";
    public static final String HEARTBEAT_INTERVAL_MS_PROP = PREFIX + "heartbeatIntervalMs";
    public static final long HEARTBEAT_INTERVAL_MS_DEFAULT = 100;
    public static final String PENDING_KEYS_PROP = PREFIX + "pendingKeys";
    public static final int PENDING_KEYS_DEFAULT = 1 << 20;
    /** A size. */
    public static final String MARK_BUFFER_BYTES_PROP = PREFIX + "markBufferBytes";
    public static final int MARK_BUFFER_BYTES_DEFAULT = 8 << 20;
    public static final String IDLE_MAX_PARK_MICROS_PROP = PREFIX + "idleMaxParkMicros";
    public static final long IDLE_MAX_PARK_MICROS_DEFAULT = 1000;
    /**
     * A default driver directory beside this node's whose driver has not beaten its heartbeat for this long is a dead
     * node's, and is removed when the feed starts, in milliseconds.
     */
    public static final String DEAD_DRIVER_TIMEOUT_MS_PROP = PREFIX + "deadDriverTimeoutMs";
    public static final long DEAD_DRIVER_TIMEOUT_MS_DEFAULT = 20_000;
    public static final String LOSS_RATE_PROP = PREFIX + "lossRate";
    public static final double LOSS_RATE_DEFAULT = 0;
    public static final String LOSS_SEED_PROP = PREFIX + "lossSeed";
    public static final long LOSS_SEED_DEFAULT = -1;
    public static final String VLLM_ENABLED_PROP = PREFIX + "vllm.enabled";
    public static final boolean VLLM_ENABLED_DEFAULT = false;
    public static final String VLLM_ENDPOINT_PROP = PREFIX + "vllm.endpoint";
    public static final String VLLM_ENDPOINT_DEFAULT = "tcp://*:5557";
    public static final String VLLM_REPLAY_ENDPOINT_PROP = PREFIX + "vllm.replayEndpoint";
    public static final String VLLM_REPLAY_ENDPOINT_DEFAULT = "tcp://*:5558";
    public static final String VLLM_MODEL_PROP = PREFIX + "vllm.model";
    public static final String VLLM_MODEL_DEFAULT = "spillway";
    public static final String VLLM_BLOCK_SIZE_PROP = PREFIX + "vllm.blockSize";
    public static final int VLLM_BLOCK_SIZE_DEFAULT = 16;

    /** Settings and their defaults, in documentation order ({@code null}: derived, see the getters). */
    public static final Map<String, String> DEFAULTS;

    static {
        Map<String, String> d = new LinkedHashMap<>();
        d.put(ENABLED_PROP, String.valueOf(ENABLED_DEFAULT));
        d.put(PORT_PROP, String.valueOf(PORT_DEFAULT));
        d.put(CHANNEL_PROP, null);
        d.put(IPC_PROP, String.valueOf(IPC_DEFAULT));
        d.put(STREAM_ID_PROP, String.valueOf(STREAM_ID_DEFAULT));
        d.put(EMBEDDED_DRIVER_PROP, String.valueOf(EMBEDDED_DRIVER_DEFAULT));
        d.put(AERON_DIR_PROP, null);
        d.put(HEARTBEAT_INTERVAL_MS_PROP, String.valueOf(HEARTBEAT_INTERVAL_MS_DEFAULT));
        d.put(PENDING_KEYS_PROP, String.valueOf(PENDING_KEYS_DEFAULT));
        d.put(MARK_BUFFER_BYTES_PROP, Sizes.format(MARK_BUFFER_BYTES_DEFAULT));
        d.put(IDLE_MAX_PARK_MICROS_PROP, String.valueOf(IDLE_MAX_PARK_MICROS_DEFAULT));
        d.put(DEAD_DRIVER_TIMEOUT_MS_PROP, String.valueOf(DEAD_DRIVER_TIMEOUT_MS_DEFAULT));
        d.put(LOSS_RATE_PROP, String.valueOf(LOSS_RATE_DEFAULT));
        d.put(LOSS_SEED_PROP, String.valueOf(LOSS_SEED_DEFAULT));
        d.put(VLLM_ENABLED_PROP, String.valueOf(VLLM_ENABLED_DEFAULT));
        d.put(VLLM_ENDPOINT_PROP, VLLM_ENDPOINT_DEFAULT);
        d.put(VLLM_REPLAY_ENDPOINT_PROP, VLLM_REPLAY_ENDPOINT_DEFAULT);
        d.put(VLLM_MODEL_PROP, VLLM_MODEL_DEFAULT);
        d.put(VLLM_BLOCK_SIZE_PROP, String.valueOf(VLLM_BLOCK_SIZE_DEFAULT));
        DEFAULTS = Collections.unmodifiableMap(d);
    }

    private final boolean enabled;
    private final int port;
    private final String channel;
    private final boolean ipc;
    private final int streamId;
    private final boolean embeddedDriver;
    private final String aeronDir;
    private final long heartbeatIntervalMs;
    private final int pendingKeys;
    private final int markBufferBytes;
    private final long idleMaxParkMicros;
    private final long deadDriverTimeoutMs;
    private final double lossRate;
    private final long lossSeed;
    private final boolean vllmEnabled;
    private final String vllmEndpoint;
    private final String vllmReplayEndpoint;
    private final String vllmModel;
    private final int vllmBlockSize;
    private final String dataDirTag;

    private EventsContext(PropertyReader r, String bind, Path dataDir) {
        enabled = r.bool(ENABLED_PROP).orElseThrow();
        port = r.intValue(PORT_PROP, 0, 65535).orElseThrow();
        String c = r.string(CHANNEL_PROP).orElse(null);
        channel = c != null ? c : "aeron:udp?control=" + bind + ":" + port
            + "|control-mode=dynamic|term-length=8m"; // Aeron's default MTU: real networks take it unfragmented
        ipc = r.bool(IPC_PROP).orElseThrow();
        streamId = r.intValue(STREAM_ID_PROP, Integer.MIN_VALUE, Integer.MAX_VALUE).orElseThrow();
        embeddedDriver = r.bool(EMBEDDED_DRIVER_PROP).orElseThrow();
        aeronDir = r.string(AERON_DIR_PROP).orElse(null);
        heartbeatIntervalMs = r.longValue(HEARTBEAT_INTERVAL_MS_PROP, 10, 60_000).orElseThrow();
        pendingKeys = r.intValue(PENDING_KEYS_PROP, 1024, 1 << 28).orElseThrow();
        markBufferBytes = (int) r.size(MARK_BUFFER_BYTES_PROP, 64 << 10, 1 << 30).orElseThrow();
        idleMaxParkMicros = r.longValue(IDLE_MAX_PARK_MICROS_PROP, 1, 1_000_000).orElseThrow();
        deadDriverTimeoutMs = r.longValue(DEAD_DRIVER_TIMEOUT_MS_PROP, 500, 3_600_000).orElseThrow();
        lossRate = r.doubleValue(LOSS_RATE_PROP).orElseThrow();
        if (!(lossRate >= 0 && lossRate < 1)) {
            throw new IllegalArgumentException(LOSS_RATE_PROP + "=" + lossRate + " must be in [0, 1)");
        }
        lossSeed = r.longValue(LOSS_SEED_PROP, Long.MIN_VALUE, Long.MAX_VALUE).orElseThrow();
        vllmEnabled = r.bool(VLLM_ENABLED_PROP).orElseThrow();
        vllmEndpoint = r.string(VLLM_ENDPOINT_PROP).orElseThrow();
        vllmReplayEndpoint = r.string(VLLM_REPLAY_ENDPOINT_PROP).orElseThrow();
        vllmModel = r.string(VLLM_MODEL_PROP).orElseThrow();
        vllmBlockSize = r.intValue(VLLM_BLOCK_SIZE_PROP, 1, 1 << 20).orElseThrow();
        if (enabled && channel.equals("none") && !ipc) {
            throw new IllegalArgumentException(CHANNEL_PROP + "=none and " + IPC_PROP + "=false leave the feed nowhere to go: "
                + "set " + ENABLED_PROP + "=false to turn it off");
        }
        if (!channel.equals("none") && !channel.startsWith("aeron:")) {
            throw new IllegalArgumentException(CHANNEL_PROP + "='" + channel + "' is not an Aeron channel (aeron:udp?... "
                + "or aeron:ipc), nor 'none'");
        }
        if (lossRate > 0 && !embeddedDriver) {
            throw new IllegalArgumentException(LOSS_RATE_PROP + "=" + lossRate + " needs the embedded media driver ("
                + EMBEDDED_DRIVER_PROP + "=true): loss is injected by the driver that sends");
        }
        if (!embeddedDriver && aeronDir == null) {
            throw new IllegalArgumentException(EMBEDDED_DRIVER_PROP + "=false needs " + AERON_DIR_PROP
                + ": the directory of the external media driver");
        }
        dataDirTag = tag(dataDir);
    }

    private static String tag(Path dataDir) {
        CRC32C crc = new CRC32C();
        crc.update(dataDir.toAbsolutePath().normalize().toString().getBytes(StandardCharsets.UTF_8));
        return Long.toHexString(crc.getValue());
    }

    /** The embedded driver's default directory of a node whose data dir is {@code dataDir}. */
    public static Path defaultDriverDirectory(Path dataDir) {
        Path shm = Path.of("/dev/shm");
        Path base = Files.isDirectory(shm) && Files.isWritable(shm) ? shm : Path.of(System.getProperty("java.io.tmpdir"));
        return base.resolve(DRIVER_DIR_PREFIX + tag(dataDir));
    }

    /**
     * Reads the {@code spillway.events.*} entries of {@code values}; unknown event keys are rejected. The default
     * channel listens for subscribers on {@code bind}:{@link #PORT_PROP}.
     */
    public static EventsContext from(Map<String, String> values, Map<String, String> origins, String bind,
                                     Path dataDir) {
        return new EventsContext(SettingsSection.read(PREFIX, DEFAULTS, values, origins,
            k -> DEFAULTS.containsKey(k) ? k : null), bind, dataDir);
    }

    /** Whether the node publishes its block locations at all. */
    public boolean enabled() { return enabled; }
    /** The UDP port subscribers ask to receive from (the default channel's MDC control port); 0: ephemeral. */
    public int port() { return port; }
    /**
     * The Aeron channel of the network publication, or {@code none}: by default multi-destination-cast with dynamic
     * control, so any number of subscribers join and leave by sending to {@code bind:port}; any Aeron UDP channel
     * (unicast {@code endpoint=}, multicast, manual MDC) works.
     */
    public String channel() { return channel; }
    /** Whether the feed is also published on {@code aeron:ipc}, for subscribers on the same host and driver. */
    public boolean ipc() { return ipc; }
    public int streamId() { return streamId; }
    /** Whether the node runs its own media driver; otherwise it connects to one at {@link #aeronDir()}. */
    public boolean embeddedDriver() { return embeddedDriver; }

    /**
     * The media driver's directory: the setting, or for an embedded driver a directory under {@code /dev/shm}
     * (the temp dir where there is none) named after the node's data dir, so a restarted node reuses and cleans it.
     */
    public String aeronDir() {
        if (aeronDir != null) {
            return aeronDir;
        }
        Path shm = Path.of("/dev/shm");
        Path base = Files.isDirectory(shm) && Files.isWritable(shm) ? shm : Path.of(System.getProperty("java.io.tmpdir"));
        return base.resolve(DRIVER_DIR_PREFIX + dataDirTag).toString();
    }

    public Optional<String> configuredAeronDir() { return Optional.ofNullable(aeronDir); }
    public long heartbeatIntervalMs() { return heartbeatIntervalMs; }
    /** Keys whose change waits to be published, at most; past it, marks queue up, then a gap is declared. */
    public int pendingKeys() { return pendingKeys; }
    /** Bytes of the ring the data path writes change marks into (24 bytes a mark). */
    public int markBufferBytes() { return markBufferBytes; }
    /**
     * Longest sleep of the embedded media driver's thread when idle: at most this much (plus the timer's slack) is
     * added to a message's way out over UDP. The default, 1 ms, is Aeron's own for a shared driver thread: a node's
     * feed costs it a few hundred wake-ups a second, not ten thousand. IPC_PROP subscribers do not wait on it.
     */
    public long idleMaxParkMicros() { return idleMaxParkMicros; }
    public long deadDriverTimeoutMs() { return deadDriverTimeoutMs; }
    /** Fraction of the feed's outgoing data frames the embedded driver drops on purpose (Aeron's loss generator). */
    public double lossRate() { return lossRate; }
    /** Seed of the loss generator; -1 seeds it from the clock. */
    public long lossSeed() { return lossSeed; }
    /** Whether the node also publishes vLLM-format KV events on ZMQ (docs/events-vllm.md). */
    public boolean vllmEnabled() { return vllmEnabled; }
    public String vllmEndpoint() { return vllmEndpoint; }
    public String vllmReplayEndpoint() { return vllmReplayEndpoint; }
    /** The model part of the vLLM topic, {@code kv@<host>:<port>@<model>}. */
    public String vllmModel() { return vllmModel; }
    /** The {@code block_size} put in vLLM-format {@code BlockStored} events. */
    public int vllmBlockSize() { return vllmBlockSize; }
}
