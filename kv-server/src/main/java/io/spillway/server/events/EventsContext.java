package io.spillway.server.events;

import io.spillway.config.PropertyReader;
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
    public static final String ENABLED = PREFIX + "enabled";
    public static final String PORT = PREFIX + "port";
    public static final String CHANNEL = PREFIX + "channel";
    public static final String IPC = PREFIX + "ipc";
    public static final String STREAM_ID = PREFIX + "streamId";
    public static final String EMBEDDED_DRIVER = PREFIX + "embeddedDriver";
    public static final String AERON_DIR = PREFIX + "aeronDir";
    public static final String HEARTBEAT_INTERVAL_MS = PREFIX + "heartbeatIntervalMs";
    public static final String PENDING_KEYS = PREFIX + "pendingKeys";
    public static final String MARK_BUFFER_BYTES = PREFIX + "markBufferBytes";
    public static final String IDLE_MAX_PARK_MICROS = PREFIX + "idleMaxParkMicros";
    public static final String LOSS_RATE = PREFIX + "lossRate";
    public static final String LOSS_SEED = PREFIX + "lossSeed";
    public static final String VLLM_ENABLED = PREFIX + "vllm.enabled";
    public static final String VLLM_ENDPOINT = PREFIX + "vllm.endpoint";
    public static final String VLLM_REPLAY_ENDPOINT = PREFIX + "vllm.replayEndpoint";
    public static final String VLLM_MODEL = PREFIX + "vllm.model";
    public static final String VLLM_BLOCK_SIZE = PREFIX + "vllm.blockSize";

    /** The stream every Spillway feed publishes on unless told otherwise. */
    public static final int DEFAULT_STREAM_ID = 1001;

    /** Settings and their defaults, in documentation order ({@code null}: derived, see the getters). */
    public static final Map<String, String> DEFAULTS;

    static {
        Map<String, String> d = new LinkedHashMap<>();
        d.put(ENABLED, "true");
        d.put(PORT, "7603");
        d.put(CHANNEL, null);
        d.put(IPC, "false");
        d.put(STREAM_ID, String.valueOf(DEFAULT_STREAM_ID));
        d.put(EMBEDDED_DRIVER, "true");
        d.put(AERON_DIR, null);
        d.put(HEARTBEAT_INTERVAL_MS, "100");
        d.put(PENDING_KEYS, "1048576");
        d.put(MARK_BUFFER_BYTES, "8m");
        d.put(IDLE_MAX_PARK_MICROS, "1000");
        d.put(LOSS_RATE, "0");
        d.put(LOSS_SEED, "-1");
        d.put(VLLM_ENABLED, "false");
        d.put(VLLM_ENDPOINT, "tcp://*:5557");
        d.put(VLLM_REPLAY_ENDPOINT, "tcp://*:5558");
        d.put(VLLM_MODEL, "spillway");
        d.put(VLLM_BLOCK_SIZE, "16");
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
    private final double lossRate;
    private final long lossSeed;
    private final boolean vllmEnabled;
    private final String vllmEndpoint;
    private final String vllmReplayEndpoint;
    private final String vllmModel;
    private final int vllmBlockSize;
    private final String dataDirTag;

    private EventsContext(PropertyReader r, String bind, Path dataDir) {
        enabled = r.bool(ENABLED).orElseThrow();
        port = r.intValue(PORT, 0, 65535).orElseThrow();
        String c = r.string(CHANNEL).orElse(null);
        channel = c != null ? c : "aeron:udp?control=" + bind + ":" + port
            + "|control-mode=dynamic|term-length=8m"; // Aeron's default MTU: real networks take it unfragmented
        ipc = r.bool(IPC).orElseThrow();
        streamId = r.intValue(STREAM_ID, Integer.MIN_VALUE, Integer.MAX_VALUE).orElseThrow();
        embeddedDriver = r.bool(EMBEDDED_DRIVER).orElseThrow();
        aeronDir = r.string(AERON_DIR).orElse(null);
        heartbeatIntervalMs = r.longValue(HEARTBEAT_INTERVAL_MS, 10, 60_000).orElseThrow();
        pendingKeys = r.intValue(PENDING_KEYS, 1024, 1 << 28).orElseThrow();
        markBufferBytes = (int) r.size(MARK_BUFFER_BYTES, 64 << 10, 1 << 30).orElseThrow();
        idleMaxParkMicros = r.longValue(IDLE_MAX_PARK_MICROS, 1, 1_000_000).orElseThrow();
        lossRate = r.doubleValue(LOSS_RATE).orElseThrow();
        if (!(lossRate >= 0 && lossRate < 1)) {
            throw new IllegalArgumentException(LOSS_RATE + "=" + lossRate + " must be in [0, 1)");
        }
        lossSeed = r.longValue(LOSS_SEED, Long.MIN_VALUE, Long.MAX_VALUE).orElseThrow();
        vllmEnabled = r.bool(VLLM_ENABLED).orElseThrow();
        vllmEndpoint = r.string(VLLM_ENDPOINT).orElseThrow();
        vllmReplayEndpoint = r.string(VLLM_REPLAY_ENDPOINT).orElseThrow();
        vllmModel = r.string(VLLM_MODEL).orElseThrow();
        vllmBlockSize = r.intValue(VLLM_BLOCK_SIZE, 1, 1 << 20).orElseThrow();
        if (enabled && channel.equals("none") && !ipc) {
            throw new IllegalArgumentException(CHANNEL + "=none and " + IPC + "=false leave the feed nowhere to go: "
                + "set " + ENABLED + "=false to turn it off");
        }
        if (!channel.equals("none") && !channel.startsWith("aeron:")) {
            throw new IllegalArgumentException(CHANNEL + "='" + channel + "' is not an Aeron channel (aeron:udp?... "
                + "or aeron:ipc), nor 'none'");
        }
        if (lossRate > 0 && !embeddedDriver) {
            throw new IllegalArgumentException(LOSS_RATE + "=" + lossRate + " needs the embedded media driver ("
                + EMBEDDED_DRIVER + "=true): loss is injected by the driver that sends");
        }
        if (!embeddedDriver && aeronDir == null) {
            throw new IllegalArgumentException(EMBEDDED_DRIVER + "=false needs " + AERON_DIR
                + ": the directory of the external media driver");
        }
        CRC32C crc = new CRC32C();
        crc.update(dataDir.toAbsolutePath().normalize().toString().getBytes(StandardCharsets.UTF_8));
        dataDirTag = Long.toHexString(crc.getValue());
    }

    /**
     * Reads the {@code spillway.events.*} entries of {@code values}; unknown event keys are rejected. The default
     * channel listens for subscribers on {@code bind}:{@link #PORT}.
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
        return base.resolve("spillway-events-" + dataDirTag).toString();
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
     * feed costs it a few hundred wake-ups a second, not ten thousand. IPC subscribers do not wait on it.
     */
    public long idleMaxParkMicros() { return idleMaxParkMicros; }
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
