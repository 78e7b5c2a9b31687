package io.spillway.router.service;

import io.spillway.config.PropertyReader;
import io.spillway.config.PropertySources;
import io.spillway.identity.TlsFiles;
import io.spillway.key.Namespace;
import io.spillway.placement.routing.CostFile;
import io.spillway.placement.routing.CostInputs;
import io.spillway.placement.routing.RoutingConfig;
import io.spillway.placement.routing.TransferCostModel;
import io.spillway.router.discovery.KubernetesPods;
import io.spillway.router.discovery.StaticPods;
import io.spillway.router.extproc.ExtProcOptions;
import io.spillway.router.extproc.ExtProcServer;
import io.spillway.router.extproc.Objectives;
import io.spillway.listener.ListenerLimits;
import io.spillway.router.limits.ExtProcLimits;
import io.spillway.router.limits.RouterLimits;
import java.io.IOException;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.function.Consumer;
import java.util.regex.Pattern;

/**
 * Everything a router is started with. Every setting has a property name ({@code X_PROP}, {@code spillway.router.*})
 * and a default ({@code X_DEFAULT}), stated here only; the builder's setters reject a bad value at once and
 * {@link Builder#build()} a bad combination, each naming the property. {@link Builder#load} reads the layered
 * settings the way the server does: defaults &lt; {@code --config} file (Java properties) &lt; environment
 * ({@code SPILLWAY_ROUTER_PROXY_PORT}) &lt; flags, see {@link PropertySources}.
 *
 * <pre>{@code
 * RouterContext ctx = RouterContext.builder().namespace(ns).staticPod("10.0.0.5:8000").proxyPort(0).build();
 * }</pre>
 *
 * @param host            the address the router's ports bind
 * @param proxyPort       the OpenAI-compatible proxy's port; -1 for none (0 picks one)
 * @param extProcPort     the Envoy ext_proc endpoint picker's port; -1 for none
 * @param httpPort        metrics, health and the decision log; 0 picks one
 * @param routing         scorers, weights, P/D split
 * @param costModel       what a cluster hit is worth
 * @param namespace       the model's key namespace (as the engines and Spillway's clients key blocks)
 * @param tokenizer       {@code approximate}, {@code engine} (the pods' /tokenize) or a tokenizer.json path
 * @param chatTemplate    the model's chat template: a {@code tokenizer_config.json} or a Jinja file; null to take
 *                        the {@code tokenizer_config.json} beside the tokenizer.json (engine mode needs none: the
 *                        engine renders)
 * @param servedModelNames the names the base model is served under (vLLM's {@code --served-model-name}; the model
 *                        id when none): a request's {@code model} of another name is a LoRA adapter's
 * @param staticPods      {@code host:port[=role]} pods, or empty when discovery is Kubernetes
 * @param k8sNamespace    the Kubernetes namespace of the pods (with {@code k8sSelector})
 * @param k8sSelector     label selector {@code k=v[,k=v]}, or empty with {@code inferencePool}
 * @param inferencePool   the InferencePool ({@code inference.networking.k8s.io/v1}) in {@code k8sNamespace} whose
 *                        selector and target ports give the pods, or null for the label selector
 * @param podPort         the pods' serving port under Kubernetes discovery
 * @param feedNodes       Spillway nodes' feed addresses {@code host:eventsPort}
 * @param feedLocalHost   the local address the feed is received on (the nodes send to it): an IP literal, IPv6 in
 *                        brackets, or a host name that resolved when the setting was taken
 * @param clusterSeeds    Spillway nodes' control addresses {@code host:controlPort}: the feed admits only the nodes
 *                        their partition map lists and loads snapshots where the map says; empty trusts heartbeats
 * @param vllmEvents      vLLM KV-event publishers {@code host:eventsPort[:replayPort]}, topics naming their pods
 * @param maxKeys         the index's bound
 * @param scrapeInterval  how often each pod's /metrics is read
 * @param shedAtWaiting   shed (429) when every candidate has this many waiting; 0 never
 * @param maxBodyBytes    the largest request body taken
 * @param decisionLog     decisions kept for the debug view
 * @param extProc         the endpoint picker's TLS, objectives and assumed body mode
 * @param limits          connection caps and timeouts, the proxy's queue, upstream silence, speculative entries
 * @param feedTls         the router's certificate, key and the authorities that sign nodes, for snapshot calls to
 *                        nodes with {@code spillway.security.mode=mtls}; null: plaintext
 */
public record RouterContext(String host, int proxyPort, int extProcPort, int httpPort, RoutingConfig routing,
                            TransferCostModel costModel, Namespace namespace, String tokenizer,
                            Path chatTemplate, List<String> servedModelNames, List<String> staticPods,
                            String k8sNamespace, Map<String, String> k8sSelector, String inferencePool, int podPort,
                            List<String> feedNodes, String feedLocalHost, List<String> clusterSeeds,
                            List<String> vllmEvents, long maxKeys, Duration scrapeInterval,
                            int shedAtWaiting, int maxBodyBytes, int decisionLog, ExtProcOptions extProc,
                            RouterLimits limits, TlsFiles feedTls) {
    public static final String PREFIX = "spillway.router.";
    /** The model id, as the engines and clients key it; required. */
    public static final String MODEL_PROP = PREFIX + "model";
    /** Tokens per block, part of the model's key namespace. */
    public static final String BLOCK_SIZE_PROP = PREFIX + "blockSize";
    public static final int BLOCK_SIZE_DEFAULT = 16;
    /** The model's layers, part of its key namespace. */
    public static final String LAYERS_PROP = PREFIX + "layers";
    public static final int LAYERS_DEFAULT = 32;
    /** The model's KV heads, part of its key namespace. */
    public static final String KV_HEADS_PROP = PREFIX + "kvHeads";
    public static final int KV_HEADS_DEFAULT = 8;
    /** The model's head dimension, part of its key namespace. */
    public static final String HEAD_DIM_PROP = PREFIX + "headDim";
    public static final int HEAD_DIM_DEFAULT = 128;
    /** Static pods, {@code host:port[=role]}, comma-separated; or Kubernetes discovery instead. */
    public static final String PODS_PROP = PREFIX + "pods";
    /** The Kubernetes namespace to discover pods in (with a selector or an InferencePool). */
    public static final String K8S_NAMESPACE_PROP = PREFIX + "k8sNamespace";
    /** The pods' label selector, {@code k=v[,k=v]}. */
    public static final String K8S_SELECTOR_PROP = PREFIX + "k8sSelector";
    /** The InferencePool in the namespace whose selector and target ports give the pods. */
    public static final String INFERENCE_POOL_PROP = PREFIX + "inferencePool";
    /** The pods' serving port under Kubernetes discovery by label selector. */
    public static final String POD_PORT_PROP = PREFIX + "podPort";
    public static final int POD_PORT_DEFAULT = 8000;
    /** A routing configuration file: an llm-d EndpointPickerConfig (YAML), as llm-d's EPP takes it. */
    public static final String CONFIG_FILE_PROP = PREFIX + "configFile";
    /** A routing configuration given inline (YAML), instead of {@link #CONFIG_FILE_PROP}. */
    public static final String CONFIG_TEXT_PROP = PREFIX + "configText";
    /**
     * A cost file ({@code kind spillway-costs}) or the JSON of {@code bench compare --json} / {@code bench bridge
     * --json}: what a cluster hit is worth here, from what this deployment measured (docs/operations.md); none:
     * {@link TransferCostModel#defaults()}.
     */
    public static final String COSTS_FILE_PROP = PREFIX + "costsFile";
    /** The routing preset when no configuration file or text is given ({@link RoutingConfig#PRESETS}). */
    public static final String PRESET_PROP = PREFIX + "preset";
    public static final String PRESET_DEFAULT = "spillway-default";
    /** {@code approximate}, {@code engine} (the pods' /tokenize) or a tokenizer.json path. */
    public static final String TOKENIZER_PROP = PREFIX + "tokenizer";
    public static final String TOKENIZER_DEFAULT = "approximate";
    /** The model's chat template; by default the tokenizer_config.json beside the tokenizer's file. */
    public static final String CHAT_TEMPLATE_PROP = PREFIX + "chatTemplate";
    /** Names the base model is served under, comma-separated; the model id by default. */
    public static final String SERVED_MODEL_NAMES_PROP = PREFIX + "servedModelNames";
    /** Spillway nodes' block-location feeds, {@code host:eventsPort}, comma-separated. */
    public static final String FEED_NODES_PROP = PREFIX + "feedNodes";
    /**
     * The local address the feed subscriber receives on, which each node of {@link #FEED_NODES_PROP} is asked to send
     * to: an IP literal (IPv6 bare or in brackets) or a host name that resolves. The default reaches only nodes on
     * this host; on Kubernetes, the pod's IP.
     */
    public static final String FEED_LOCAL_HOST_PROP = PREFIX + "feedLocalHost";
    public static final String FEED_LOCAL_HOST_DEFAULT = "127.0.0.1";
    /**
     * Spillway nodes' control addresses, {@code host:controlPort}, comma-separated: the feed admits only the nodes
     * their partition map lists, and loads each one's snapshot at the address the map gives (docs/security.md).
     * Unset, any heartbeat that reaches the feed's port is believed.
     */
    public static final String CLUSTER_SEEDS_PROP = PREFIX + "clusterSeeds";
    /**
     * The router's certificate chain (PEM, its URI {@code spiffe://<domain>/role/router}) for snapshot calls to nodes
     * that run mutual TLS (docs/security.md); with {@link #FEED_KEY_FILE_PROP} and {@link #FEED_TRUST_FILE_PROP}.
     */
    public static final String FEED_CERT_FILE_PROP = PREFIX + "feedCertFile";
    /** The router's private key for snapshot calls, PKCS#8 PEM. */
    public static final String FEED_KEY_FILE_PROP = PREFIX + "feedKeyFile";
    /** The authorities that sign the nodes' certificates, PEM. */
    public static final String FEED_TRUST_FILE_PROP = PREFIX + "feedTrustFile";
    /** How often the three files are checked for new content. */
    public static final Duration FEED_TLS_REFRESH = Duration.ofSeconds(5);
    /** vLLM KV-event publishers, {@code host:port[:replayPort]} or {@code listen=tcp://*:5557}, comma-separated. */
    public static final String VLLM_EVENTS_PROP = PREFIX + "vllmEvents";
    /** The address every port binds. */
    public static final String HOST_PROP = PREFIX + "host";
    public static final String HOST_DEFAULT = "0.0.0.0";
    /** The OpenAI-compatible proxy's port; -1 for none, 0 picks one. */
    public static final String PROXY_PORT_PROP = PREFIX + "proxyPort";
    public static final int PROXY_PORT_DEFAULT = 8080;
    /** The Envoy ext_proc endpoint picker's port; -1 for none, 0 picks one. */
    public static final String EXT_PROC_PORT_PROP = PREFIX + "extProcPort";
    public static final int EXT_PROC_PORT_DEFAULT = 9002;
    /** Metrics, health and {@code /debug/decisions}; 0 picks one. */
    public static final String HTTP_PORT_PROP = PREFIX + "httpPort";
    public static final int HTTP_PORT_DEFAULT = 9090;
    /** The block-location index's bound, in keys. */
    public static final String MAX_KEYS_PROP = PREFIX + "maxKeys";
    public static final long MAX_KEYS_DEFAULT = 10_000_000;
    /** How often each pod's /metrics is read, in milliseconds. */
    public static final String SCRAPE_INTERVAL_MS_PROP = PREFIX + "scrapeIntervalMs";
    public static final long SCRAPE_INTERVAL_MS_DEFAULT = 50;
    /** 429 for a sheddable request when every pod has this many waiting; 0 never. */
    public static final String SHED_AT_WAITING_PROP = PREFIX + "shedAtWaiting";
    public static final int SHED_AT_WAITING_DEFAULT = 0;
    /** The largest request body taken (a size); a larger one gets 413. */
    public static final String MAX_BODY_BYTES_PROP = PREFIX + "maxBodyBytes";
    public static final int MAX_BODY_BYTES_DEFAULT = 16 << 20;
    /** Decisions kept for {@code /debug/decisions}. */
    public static final String DECISION_LOG_PROP = PREFIX + "decisionLog";
    public static final int DECISION_LOG_DEFAULT = 64;
    /** Serve ext_proc over TLS; by default on when a certificate is given. */
    public static final String EXT_PROC_TLS_PROP = PREFIX + "extProcTls";
    /** ext_proc's TLS certificate chain (PEM), re-read when it changes. */
    public static final String EXT_PROC_CERT_PROP = PREFIX + "extProcCert";
    /** ext_proc's TLS private key (PEM), re-read when it changes. */
    public static final String EXT_PROC_KEY_PROP = PREFIX + "extProcKey";
    /** How often the TLS files are checked for changes, in milliseconds. */
    public static final String EXT_PROC_CERT_REFRESH_MS_PROP = PREFIX + "extProcCertRefreshMs";
    public static final long EXT_PROC_CERT_REFRESH_MS_DEFAULT = 60_000;
    /**
     * The body mode when Envoy sends no protocol_config (Envoy 1.33): {@code infer}, {@code full-duplex-streamed},
     * {@code buffered}, {@code streamed} or {@code none}.
     */
    public static final String EXT_PROC_MODE_PROP = PREFIX + "extProcMode";
    public static final String EXT_PROC_MODE_DEFAULT = "infer";
    /** InferenceObjectives' priorities, {@code name=priority}, comma-separated; below 0 is sheddable. */
    public static final String OBJECTIVES_PROP = PREFIX + "objectives";
    /** OpenAI-proxy connections open at once, at most; more are closed at accept and counted. */
    public static final String PROXY_MAX_CONNECTIONS_PROP = PREFIX + "proxyMaxConnections";
    public static final int PROXY_MAX_CONNECTIONS_DEFAULT = 10_000;
    /** OpenAI-proxy connections open at once from one peer address, at most. */
    public static final String PROXY_MAX_CONNECTIONS_PER_PEER_PROP = PREFIX + "proxyMaxConnectionsPerPeer";
    public static final int PROXY_MAX_CONNECTIONS_PER_PEER_DEFAULT = 10_000;
    /** A proxy connection with nothing read, written or in flight this long is closed, in milliseconds; 0: never. */
    public static final String PROXY_IDLE_TIMEOUT_MS_PROP = PREFIX + "proxyIdleTimeoutMs";
    public static final long PROXY_IDLE_TIMEOUT_MS_DEFAULT = 300_000;
    /** A proxy request must arrive whole within this of its first byte, in milliseconds; 0: no limit. */
    public static final String PROXY_REQUEST_READ_TIMEOUT_MS_PROP = PREFIX + "proxyRequestReadTimeoutMs";
    public static final long PROXY_REQUEST_READ_TIMEOUT_MS_DEFAULT = 30_000;
    /** Proxy requests waiting for a scheduling thread, at most; more are answered 503. */
    public static final String PROXY_MAX_QUEUED_PROP = PREFIX + "proxyMaxQueued";
    public static final int PROXY_MAX_QUEUED_DEFAULT = 1024;
    /** A pod silent this long (no byte of its answer) is given up, in milliseconds. */
    public static final String UPSTREAM_READ_TIMEOUT_MS_PROP = PREFIX + "upstreamReadTimeoutMs";
    public static final long UPSTREAM_READ_TIMEOUT_MS_DEFAULT = 300_000;
    /** HTTP endpoint connections open at once, at most. */
    public static final String HTTP_MAX_CONNECTIONS_PROP = PREFIX + "httpMaxConnections";
    public static final int HTTP_MAX_CONNECTIONS_DEFAULT = 64;
    /** HTTP endpoint connections open at once from one peer address, at most. */
    public static final String HTTP_MAX_CONNECTIONS_PER_PEER_PROP = PREFIX + "httpMaxConnectionsPerPeer";
    public static final int HTTP_MAX_CONNECTIONS_PER_PEER_DEFAULT = 16;
    /** An HTTP endpoint connection with no request this long is closed, in milliseconds; 0: never. */
    public static final String HTTP_IDLE_TIMEOUT_MS_PROP = PREFIX + "httpIdleTimeoutMs";
    public static final long HTTP_IDLE_TIMEOUT_MS_DEFAULT = 30_000;
    /** An HTTP endpoint request must arrive whole within this of its first byte, in milliseconds; 0: no limit. */
    public static final String HTTP_REQUEST_READ_TIMEOUT_MS_PROP = PREFIX + "httpRequestReadTimeoutMs";
    public static final long HTTP_REQUEST_READ_TIMEOUT_MS_DEFAULT = 5_000;
    /** Speculative entries (prompt blocks, per pod) held at most; beyond it the earliest due leave first. */
    public static final String MAX_SPECULATIVE_KEYS_PROP = PREFIX + "maxSpeculativeKeys";
    public static final int MAX_SPECULATIVE_KEYS_DEFAULT = 1_000_000;

    /** Endpoint-picker (ext_proc) streams open at once, at most; more are answered RESOURCE_EXHAUSTED and counted. */
    public static final String EXT_PROC_MAX_STREAMS_PROP = PREFIX + "extProcMaxStreams";
    public static final int EXT_PROC_MAX_STREAMS_DEFAULT = ExtProcLimits.DEFAULTS.maxStreams();
    /** Endpoint-picker streams one HTTP/2 connection may have open at once (MAX_CONCURRENT_STREAMS). */
    public static final String EXT_PROC_MAX_STREAMS_PER_CONNECTION_PROP = PREFIX + "extProcMaxStreamsPerConnection";
    public static final int EXT_PROC_MAX_STREAMS_PER_CONNECTION_DEFAULT =
        ExtProcLimits.DEFAULTS.maxStreamsPerConnection();
    /** An endpoint-picker connection with no stream this long is closed, in milliseconds. */
    public static final String EXT_PROC_MAX_CONNECTION_IDLE_MS_PROP = PREFIX + "extProcMaxConnectionIdleMs";
    public static final long EXT_PROC_MAX_CONNECTION_IDLE_MS_DEFAULT =
        ExtProcLimits.DEFAULTS.maxConnectionIdleMs();
    /** An endpoint-picker connection silent this long is pinged, in milliseconds. */
    public static final String EXT_PROC_KEEPALIVE_TIME_MS_PROP = PREFIX + "extProcKeepAliveTimeMs";
    public static final long EXT_PROC_KEEPALIVE_TIME_MS_DEFAULT = ExtProcLimits.DEFAULTS.keepAliveTimeMs();
    /** ...and closed when the ping goes unanswered this long, in milliseconds. */
    public static final String EXT_PROC_KEEPALIVE_TIMEOUT_MS_PROP = PREFIX + "extProcKeepAliveTimeoutMs";
    public static final long EXT_PROC_KEEPALIVE_TIMEOUT_MS_DEFAULT =
        ExtProcLimits.DEFAULTS.keepAliveTimeoutMs();

    /** The limits' defaults, as {@link RouterLimits}. */
    public static final RouterLimits DEFAULT_LIMITS = new RouterLimits(
        new ListenerLimits("proxy", PROXY_MAX_CONNECTIONS_DEFAULT, PROXY_MAX_CONNECTIONS_PER_PEER_DEFAULT,
            PROXY_IDLE_TIMEOUT_MS_DEFAULT, PROXY_REQUEST_READ_TIMEOUT_MS_DEFAULT),
        new ListenerLimits("http", HTTP_MAX_CONNECTIONS_DEFAULT, HTTP_MAX_CONNECTIONS_PER_PEER_DEFAULT,
            HTTP_IDLE_TIMEOUT_MS_DEFAULT, HTTP_REQUEST_READ_TIMEOUT_MS_DEFAULT),
        PROXY_MAX_QUEUED_DEFAULT, UPSTREAM_READ_TIMEOUT_MS_DEFAULT, MAX_SPECULATIVE_KEYS_DEFAULT,
        ExtProcLimits.DEFAULTS);

    /** The limit settings: name, smallest and largest value (a timeout of 0 turns it off). */
    private static final Map<String, long[]> LIMIT_RANGES = Map.ofEntries(
        Map.entry(PROXY_MAX_CONNECTIONS_PROP, new long[] {1, 1 << 24}),
        Map.entry(PROXY_MAX_CONNECTIONS_PER_PEER_PROP, new long[] {1, 1 << 24}),
        Map.entry(PROXY_IDLE_TIMEOUT_MS_PROP, new long[] {0, 86_400_000}),
        Map.entry(PROXY_REQUEST_READ_TIMEOUT_MS_PROP, new long[] {0, 86_400_000}),
        Map.entry(PROXY_MAX_QUEUED_PROP, new long[] {1, 1 << 20}),
        Map.entry(UPSTREAM_READ_TIMEOUT_MS_PROP, new long[] {1, 86_400_000}),
        Map.entry(HTTP_MAX_CONNECTIONS_PROP, new long[] {1, 1 << 16}),
        Map.entry(HTTP_MAX_CONNECTIONS_PER_PEER_PROP, new long[] {1, 1 << 16}),
        Map.entry(HTTP_IDLE_TIMEOUT_MS_PROP, new long[] {0, 86_400_000}),
        Map.entry(HTTP_REQUEST_READ_TIMEOUT_MS_PROP, new long[] {0, 86_400_000}),
        Map.entry(MAX_SPECULATIVE_KEYS_PROP, new long[] {1, Integer.MAX_VALUE}),
        Map.entry(EXT_PROC_MAX_STREAMS_PROP, new long[] {1, 1 << 24}),
        Map.entry(EXT_PROC_MAX_STREAMS_PER_CONNECTION_PROP, new long[] {1, 1 << 24}),
        Map.entry(EXT_PROC_MAX_CONNECTION_IDLE_MS_PROP, new long[] {1, 86_400_000}),
        Map.entry(EXT_PROC_KEEPALIVE_TIME_MS_PROP, new long[] {10, 86_400_000}),
        Map.entry(EXT_PROC_KEEPALIVE_TIMEOUT_MS_PROP, new long[] {10, 86_400_000}));

    /** Every {@code spillway.router.*} name {@link Builder#load} reads. */
    public static final Set<String> PROPERTY_NAMES = Set.of(MODEL_PROP, BLOCK_SIZE_PROP, LAYERS_PROP, KV_HEADS_PROP,
        HEAD_DIM_PROP, PODS_PROP, K8S_NAMESPACE_PROP, K8S_SELECTOR_PROP, INFERENCE_POOL_PROP, POD_PORT_PROP,
        CONFIG_FILE_PROP, CONFIG_TEXT_PROP, PRESET_PROP, COSTS_FILE_PROP, TOKENIZER_PROP, CHAT_TEMPLATE_PROP, SERVED_MODEL_NAMES_PROP,
        FEED_NODES_PROP, FEED_LOCAL_HOST_PROP, CLUSTER_SEEDS_PROP, VLLM_EVENTS_PROP, HOST_PROP, PROXY_PORT_PROP, EXT_PROC_PORT_PROP, HTTP_PORT_PROP,
        MAX_KEYS_PROP, SCRAPE_INTERVAL_MS_PROP, SHED_AT_WAITING_PROP, MAX_BODY_BYTES_PROP, DECISION_LOG_PROP,
        EXT_PROC_TLS_PROP, EXT_PROC_CERT_PROP, EXT_PROC_KEY_PROP, EXT_PROC_CERT_REFRESH_MS_PROP, EXT_PROC_MODE_PROP,
        OBJECTIVES_PROP, PROXY_MAX_CONNECTIONS_PROP, PROXY_MAX_CONNECTIONS_PER_PEER_PROP, PROXY_IDLE_TIMEOUT_MS_PROP,
        PROXY_REQUEST_READ_TIMEOUT_MS_PROP, PROXY_MAX_QUEUED_PROP, UPSTREAM_READ_TIMEOUT_MS_PROP,
        HTTP_MAX_CONNECTIONS_PROP, HTTP_MAX_CONNECTIONS_PER_PEER_PROP, HTTP_IDLE_TIMEOUT_MS_PROP,
        HTTP_REQUEST_READ_TIMEOUT_MS_PROP, MAX_SPECULATIVE_KEYS_PROP, FEED_CERT_FILE_PROP, FEED_KEY_FILE_PROP,
        FEED_TRUST_FILE_PROP, EXT_PROC_MAX_STREAMS_PROP, EXT_PROC_MAX_STREAMS_PER_CONNECTION_PROP,
        EXT_PROC_MAX_CONNECTION_IDLE_MS_PROP, EXT_PROC_KEEPALIVE_TIME_MS_PROP, EXT_PROC_KEEPALIVE_TIMEOUT_MS_PROP);

    private static final Pattern IPV4 = Pattern.compile(
        "((25[0-5]|2[0-4][0-9]|1[0-9][0-9]|[1-9]?[0-9])\\.){3}(25[0-5]|2[0-4][0-9]|1[0-9][0-9]|[1-9]?[0-9])");
    /** RFC 1123 labels, dot-separated. */
    private static final Pattern HOST_NAME = Pattern.compile("(?=.{1,253}$)[A-Za-z0-9]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?"
        + "(\\.[A-Za-z0-9]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?)*\\.?");

    public static Builder builder() {
        return new Builder();
    }

    /** Collects settings; each setter checks its value at once, naming the property. */
    public static final class Builder {
        private String host = HOST_DEFAULT;
        private int proxyPort = PROXY_PORT_DEFAULT;
        private int extProcPort = EXT_PROC_PORT_DEFAULT;
        private int httpPort = HTTP_PORT_DEFAULT;
        private RoutingConfig routing = RoutingConfig.preset(PRESET_DEFAULT);
        private TransferCostModel costModel = TransferCostModel.defaults();
        private CostInputs costInputs = CostInputs.defaults();
        private Namespace namespace;
        private String tokenizer = TOKENIZER_DEFAULT;
        private Path chatTemplate;
        private final List<String> servedModelNames = new ArrayList<>();
        private final List<String> staticPods = new ArrayList<>();
        private String k8sNamespace;
        private Map<String, String> k8sSelector = Map.of();
        private String inferencePool;
        private int podPort = POD_PORT_DEFAULT;
        private final List<String> feedNodes = new ArrayList<>();
        private String feedLocalHost = FEED_LOCAL_HOST_DEFAULT;
        private final List<String> clusterSeeds = new ArrayList<>();
        private Path feedCert;
        private Path feedKey;
        private Path feedTrust;
        private final List<String> vllmEvents = new ArrayList<>();
        private long maxKeys = MAX_KEYS_DEFAULT;
        private Duration scrapeInterval = Duration.ofMillis(SCRAPE_INTERVAL_MS_DEFAULT);
        private int shedAtWaiting = SHED_AT_WAITING_DEFAULT;
        private int maxBodyBytes = MAX_BODY_BYTES_DEFAULT;
        private int decisionLog = DECISION_LOG_DEFAULT;
        private Boolean extProcTls;
        private Path extProcCert;
        private Path extProcKey;
        private Duration extProcCertRefresh = Duration.ofMillis(EXT_PROC_CERT_REFRESH_MS_DEFAULT);
        private String extProcMode = EXT_PROC_MODE_DEFAULT;
        private final List<String> objectives = new ArrayList<>();
        private final Map<String, Long> limits = new HashMap<>();

        private Builder() {
        }

        /**
         * One of the limit settings ({@value #PROXY_MAX_CONNECTIONS_PROP}, {@value #PROXY_MAX_QUEUED_PROP},
         * {@value #UPSTREAM_READ_TIMEOUT_MS_PROP}, {@value #MAX_SPECULATIVE_KEYS_PROP}, ...: see {@link RouterLimits}),
         * checked against its range at once.
         */
        public Builder limit(String property, long v) {
            long[] range = LIMIT_RANGES.get(property);
            if (range == null) {
                throw new IllegalArgumentException("'" + property + "' is not a router limit; limits: "
                    + new TreeSet<>(LIMIT_RANGES.keySet()));
            }
            if (v < range[0] || v > range[1]) {
                throw new IllegalArgumentException(property + " must be " + range[0] + ".." + range[1] + ", got " + v);
            }
            limits.put(property, v);
            return this;
        }

        private long limitOr(String property, long dflt) {
            return limits.getOrDefault(property, dflt);
        }

        private RouterLimits limits() {
            ListenerLimits proxy = new ListenerLimits("proxy",
                (int) limitOr(PROXY_MAX_CONNECTIONS_PROP, PROXY_MAX_CONNECTIONS_DEFAULT),
                (int) limitOr(PROXY_MAX_CONNECTIONS_PER_PEER_PROP, PROXY_MAX_CONNECTIONS_PER_PEER_DEFAULT),
                limitOr(PROXY_IDLE_TIMEOUT_MS_PROP, PROXY_IDLE_TIMEOUT_MS_DEFAULT),
                limitOr(PROXY_REQUEST_READ_TIMEOUT_MS_PROP, PROXY_REQUEST_READ_TIMEOUT_MS_DEFAULT));
            ListenerLimits http = new ListenerLimits("http",
                (int) limitOr(HTTP_MAX_CONNECTIONS_PROP, HTTP_MAX_CONNECTIONS_DEFAULT),
                (int) limitOr(HTTP_MAX_CONNECTIONS_PER_PEER_PROP, HTTP_MAX_CONNECTIONS_PER_PEER_DEFAULT),
                limitOr(HTTP_IDLE_TIMEOUT_MS_PROP, HTTP_IDLE_TIMEOUT_MS_DEFAULT),
                limitOr(HTTP_REQUEST_READ_TIMEOUT_MS_PROP, HTTP_REQUEST_READ_TIMEOUT_MS_DEFAULT));
            if (proxy.maxConnectionsPerPeer() > proxy.maxConnections()) {
                throw new IllegalArgumentException(PROXY_MAX_CONNECTIONS_PER_PEER_PROP + "="
                    + proxy.maxConnectionsPerPeer() + " must not exceed " + PROXY_MAX_CONNECTIONS_PROP + "="
                    + proxy.maxConnections());
            }
            if (http.maxConnectionsPerPeer() > http.maxConnections()) {
                throw new IllegalArgumentException(HTTP_MAX_CONNECTIONS_PER_PEER_PROP + "="
                    + http.maxConnectionsPerPeer() + " must not exceed " + HTTP_MAX_CONNECTIONS_PROP + "="
                    + http.maxConnections());
            }
            return new RouterLimits(proxy, http, (int) limitOr(PROXY_MAX_QUEUED_PROP, PROXY_MAX_QUEUED_DEFAULT),
                limitOr(UPSTREAM_READ_TIMEOUT_MS_PROP, UPSTREAM_READ_TIMEOUT_MS_DEFAULT),
                (int) limitOr(MAX_SPECULATIVE_KEYS_PROP, MAX_SPECULATIVE_KEYS_DEFAULT),
                new ExtProcLimits((int) limitOr(EXT_PROC_MAX_STREAMS_PROP, EXT_PROC_MAX_STREAMS_DEFAULT),
                    (int) limitOr(EXT_PROC_MAX_STREAMS_PER_CONNECTION_PROP, EXT_PROC_MAX_STREAMS_PER_CONNECTION_DEFAULT),
                    limitOr(EXT_PROC_MAX_CONNECTION_IDLE_MS_PROP, EXT_PROC_MAX_CONNECTION_IDLE_MS_DEFAULT),
                    limitOr(EXT_PROC_KEEPALIVE_TIME_MS_PROP, EXT_PROC_KEEPALIVE_TIME_MS_DEFAULT),
                    limitOr(EXT_PROC_KEEPALIVE_TIMEOUT_MS_PROP, EXT_PROC_KEEPALIVE_TIMEOUT_MS_DEFAULT)));
        }

        /** The address every port binds ({@value #HOST_PROP}). */
        public Builder host(String v) {
            host = requireText("host", HOST_PROP, v);
            return this;
        }

        /** The OpenAI proxy's port ({@value #PROXY_PORT_PROP}): 0..65535, or -1 for none. */
        public Builder proxyPort(int v) {
            proxyPort = port("proxyPort", PROXY_PORT_PROP, v, true);
            return this;
        }

        /** The ext_proc endpoint picker's port ({@value #EXT_PROC_PORT_PROP}): 0..65535, or -1 for none. */
        public Builder extProcPort(int v) {
            extProcPort = port("extProcPort", EXT_PROC_PORT_PROP, v, true);
            return this;
        }

        /** Metrics, health and the decision log ({@value #HTTP_PORT_PROP}): 0..65535. */
        public Builder httpPort(int v) {
            httpPort = port("httpPort", HTTP_PORT_PROP, v, false);
            return this;
        }

        /** Scorers, weights, P/D split ({@value #CONFIG_FILE_PROP}, {@value #CONFIG_TEXT_PROP}, {@value #PRESET_PROP}). */
        public Builder routing(RoutingConfig v) {
            routing = requireNonNull("routing", PRESET_PROP, v);
            return this;
        }

        /** The routing configuration as set so far (for {@code --print-config}). */
        public RoutingConfig routingConfig() {
            return routing;
        }

        /** What a cluster hit is worth (no property: set in code). */
        public Builder costModel(TransferCostModel v) {
            costModel = requireNonNull("costModel", "-", v);
            return this;
        }

        /**
         * What a cluster hit is worth, from a cost file or a measurement's JSON ({@value #COSTS_FILE_PROP}; see
         * {@link CostFile}); figures a measurement lacks stay {@link TransferCostModel#defaults()}'s.
         */
        public Builder costsFile(Path file) {
            String text;
            try {
                text = Files.readString(requireNonNull("costsFile", COSTS_FILE_PROP, file), StandardCharsets.UTF_8);
            } catch (IOException e) {
                throw new IllegalArgumentException("costsFile (" + COSTS_FILE_PROP + "): cannot read '" + file + "': "
                    + e, e);
            }
            try {
                costInputs = CostFile.parse(text, file.toString(), CostInputs.defaults());
            } catch (IllegalArgumentException e) {
                throw new IllegalArgumentException("costsFile (" + COSTS_FILE_PROP + "): " + e.getMessage(), e);
            }
            costModel = costInputs.model();
            return this;
        }

        /** The cost figures and their sources as set so far (the defaults unless {@link #costsFile} was given). */
        public CostInputs costInputs() {
            return costInputs;
        }

        /** The model's key namespace ({@value #MODEL_PROP}, {@value #BLOCK_SIZE_PROP}, ...). */
        public Builder namespace(Namespace v) {
            namespace = requireNonNull("namespace", MODEL_PROP, v);
            return this;
        }

        /** {@code approximate}, {@code engine} or a tokenizer.json file ({@value #TOKENIZER_PROP}). */
        public Builder tokenizer(String v) {
            if (v == null || (!v.equals("approximate") && !v.equals("engine") && !Path.of(v).toFile().isFile())) {
                throw new IllegalArgumentException("tokenizer (" + TOKENIZER_PROP + ") must be approximate, engine or "
                    + "a tokenizer.json file, got '" + v + "'");
            }
            tokenizer = v;
            return this;
        }

        /** The model's chat template ({@value #CHAT_TEMPLATE_PROP}): a file, or null for the one beside the tokenizer. */
        public Builder chatTemplate(Path v) {
            if (v != null && !v.toFile().isFile()) {
                throw new IllegalArgumentException("chatTemplate (" + CHAT_TEMPLATE_PROP + ") must be a "
                    + "tokenizer_config.json or Jinja file, got '" + v + "'");
            }
            chatTemplate = v;
            return this;
        }

        /** A name the base model is served under ({@value #SERVED_MODEL_NAMES_PROP}); repeat for more. */
        public Builder servedModelName(String v) {
            servedModelNames.add(requireText("servedModelNames", SERVED_MODEL_NAMES_PROP, v));
            return this;
        }

        /** A static pod {@code host:port[=role]} ({@value #PODS_PROP}); repeat for more. */
        public Builder staticPod(String v) {
            try {
                StaticPods.parse(List.of(requireText("pods", PODS_PROP, v)));
            } catch (IllegalArgumentException e) {
                throw new IllegalArgumentException("pods (" + PODS_PROP + "): " + e.getMessage(), e);
            }
            staticPods.add(v);
            return this;
        }

        /** Pods by label selector in a Kubernetes namespace ({@value #K8S_NAMESPACE_PROP}, {@value #K8S_SELECTOR_PROP}). */
        public Builder kubernetes(String ns, Map<String, String> selector) {
            k8sNamespace = requireText("k8sNamespace", K8S_NAMESPACE_PROP, ns);
            k8sSelector = Map.copyOf(requireNonNull("k8sSelector", K8S_SELECTOR_PROP, selector));
            return this;
        }

        /** Pods from the InferencePool {@code name} in namespace {@code ns} (its selector and target ports). */
        public Builder inferencePool(String ns, String name) {
            k8sNamespace = requireText("k8sNamespace", K8S_NAMESPACE_PROP, ns);
            inferencePool = requireText("inferencePool", INFERENCE_POOL_PROP, name);
            return this;
        }

        /** The pods' serving port under Kubernetes discovery ({@value #POD_PORT_PROP}): 0..65535. */
        public Builder podPort(int v) {
            podPort = port("podPort", POD_PORT_PROP, v, false);
            return this;
        }

        /** A Spillway node's feed, {@code host:eventsPort} ({@value #FEED_NODES_PROP}); repeat for more. */
        public Builder feedNode(String v) {
            feedNodes.add(requireText("feedNodes", FEED_NODES_PROP, v));
            return this;
        }

        /** A node's control address, {@code host:controlPort} ({@value #CLUSTER_SEEDS_PROP}); repeat for more. */
        public Builder clusterSeed(String v) {
            String seed = requireText("clusterSeeds", CLUSTER_SEEDS_PROP, v).strip();
            int colon = seed.lastIndexOf(':');
            if (colon <= 0 || colon == seed.length() - 1 || !seed.substring(colon + 1).chars().allMatch(Character::isDigit)
                || Integer.parseInt(seed.substring(colon + 1)) > 65_535) {
                throw new IllegalArgumentException("clusterSeeds (" + CLUSTER_SEEDS_PROP + ") '" + seed
                    + "' must be host:controlPort");
            }
            clusterSeeds.add(seed);
            return this;
        }

        /**
         * The address the feed is received on ({@value #FEED_LOCAL_HOST_PROP}): an IPv4 literal, an IPv6 literal
         * (bare or in brackets; kept in brackets, as Aeron's channels take it) or a host name that resolves now.
         */
        public Builder feedLocalHost(String v) {
            feedLocalHost = feedAddress(requireText("feedLocalHost", FEED_LOCAL_HOST_PROP, v).strip());
            return this;
        }

        private static String feedAddress(String v) {
            String bare = v.startsWith("[") && v.endsWith("]") ? v.substring(1, v.length() - 1) : v;
            boolean v6 = bare.contains(":");
            boolean v4 = bare.matches("[0-9.]+");
            if (v6 ? !bare.matches("[0-9A-Fa-f:.]+") : (v4 ? !IPV4.matcher(bare).matches()
                : !HOST_NAME.matcher(bare).matches() || !bare.equals(v))) {
                throw new IllegalArgumentException("feedLocalHost (" + FEED_LOCAL_HOST_PROP + ") must be an IP "
                    + "literal or a host name, got '" + v + "'");
            }
            try {
                InetAddress.getByName(bare); // a literal is only parsed; a name is looked up
            } catch (UnknownHostException e) {
                throw new IllegalArgumentException("feedLocalHost (" + FEED_LOCAL_HOST_PROP + ") '" + v + "' "
                    + (v4 || v6 ? "is not a valid IP literal" : "does not resolve") + ": " + e.getMessage(), e);
            }
            return v6 ? "[" + bare + "]" : bare;
        }

        /** A vLLM KV-event publisher ({@value #VLLM_EVENTS_PROP}); repeat for more. */
        public Builder vllmEvents(String v) {
            vllmEvents.add(requireText("vllmEvents", VLLM_EVENTS_PROP, v));
            return this;
        }

        /** The index's bound ({@value #MAX_KEYS_PROP}); > 0. */
        public Builder maxKeys(long v) {
            requirePositive("maxKeys", MAX_KEYS_PROP, v);
            maxKeys = v;
            return this;
        }

        /** How often each pod's /metrics is read ({@value #SCRAPE_INTERVAL_MS_PROP}); > 0. */
        public Builder scrapeInterval(Duration v) {
            scrapeInterval = requirePositive("scrapeInterval", SCRAPE_INTERVAL_MS_PROP, v);
            return this;
        }

        /** Shed when every candidate has this many waiting ({@value #SHED_AT_WAITING_PROP}); >= 0, 0 never. */
        public Builder shedAtWaiting(int v) {
            if (v < 0) {
                throw new IllegalArgumentException("shedAtWaiting (" + SHED_AT_WAITING_PROP + ") must be >= 0, got "
                    + v);
            }
            shedAtWaiting = v;
            return this;
        }

        /** The largest request body taken ({@value #MAX_BODY_BYTES_PROP}); > 0. */
        public Builder maxBodyBytes(int v) {
            requirePositive("maxBodyBytes", MAX_BODY_BYTES_PROP, v);
            maxBodyBytes = v;
            return this;
        }

        /** Decisions kept for the debug view ({@value #DECISION_LOG_PROP}); > 0. */
        public Builder decisionLog(int v) {
            requirePositive("decisionLog", DECISION_LOG_PROP, v);
            decisionLog = v;
            return this;
        }

        /** Serve ext_proc over TLS ({@value #EXT_PROC_TLS_PROP}); null: when a certificate is given. */
        public Builder extProcTls(Boolean v) {
            extProcTls = v;
            return this;
        }

        /**
         * The router's certificate, key and the nodes' authorities for snapshot calls over mutual TLS
         * ({@value #FEED_CERT_FILE_PROP}, {@value #FEED_KEY_FILE_PROP}, {@value #FEED_TRUST_FILE_PROP}); all null:
         * plaintext.
         */
        public Builder feedTls(Path cert, Path key, Path trust) {
            feedCert = cert;
            feedKey = key;
            feedTrust = trust;
            return this;
        }

        /** ext_proc's certificate chain and private key, PEM ({@value #EXT_PROC_CERT_PROP}, {@value #EXT_PROC_KEY_PROP}). */
        public Builder extProcCert(Path cert, Path key) {
            extProcCert = cert;
            extProcKey = key;
            return this;
        }

        /** How often the TLS files are checked for changes ({@value #EXT_PROC_CERT_REFRESH_MS_PROP}); > 0. */
        public Builder extProcCertRefresh(Duration v) {
            extProcCertRefresh = requirePositive("extProcCertRefresh", EXT_PROC_CERT_REFRESH_MS_PROP, v);
            return this;
        }

        /** The body mode assumed when Envoy announces none ({@value #EXT_PROC_MODE_PROP}). */
        public Builder extProcMode(String v) {
            try {
                ExtProcOptions.mode(requireText("extProcMode", EXT_PROC_MODE_PROP, v));
            } catch (IllegalArgumentException e) {
                throw new IllegalArgumentException("extProcMode (" + EXT_PROC_MODE_PROP + "): " + e.getMessage(), e);
            }
            extProcMode = v;
            return this;
        }

        /** An InferenceObjective's priority, {@code name=priority} ({@value #OBJECTIVES_PROP}); repeat for more. */
        public Builder objective(String v) {
            List<String> all = new ArrayList<>(objectives);
            all.add(requireText("objectives", OBJECTIVES_PROP, v));
            try {
                Objectives.parse(all);
            } catch (IllegalArgumentException e) {
                throw new IllegalArgumentException("objectives (" + OBJECTIVES_PROP + "): " + e.getMessage(), e);
            }
            objectives.add(v);
            return this;
        }

        /**
         * Takes every {@code spillway.router.*} value of {@code sources} (other keys are left to other components);
         * an unknown {@code spillway.router.*} name is rejected. Errors name the property, the value and where it
         * came from.
         */
        public Builder load(PropertySources sources) {
            PropertyReader r = sources.reader();
            for (String k : sources.values().keySet()) {
                if (k.startsWith(PREFIX) && !PROPERTY_NAMES.contains(k)) {
                    throw new IllegalArgumentException("unknown setting '" + k + "' (from " + sources.origin(k)
                        + "); known: " + new TreeSet<>(PROPERTY_NAMES));
                }
            }
            r.string(HOST_PROP).ifPresent(v -> from(sources, HOST_PROP, () -> host(v)));
            r.intValue(PROXY_PORT_PROP).ifPresent(v -> from(sources, PROXY_PORT_PROP, () -> proxyPort(v)));
            r.intValue(EXT_PROC_PORT_PROP).ifPresent(v -> from(sources, EXT_PROC_PORT_PROP, () -> extProcPort(v)));
            r.intValue(HTTP_PORT_PROP).ifPresent(v -> from(sources, HTTP_PORT_PROP, () -> httpPort(v)));
            r.path(COSTS_FILE_PROP).ifPresent(v -> from(sources, COSTS_FILE_PROP, () -> costsFile(v)));
            RoutingConfig loaded = routing(sources, r);
            if (loaded != null) {
                routing(loaded);
            }
            r.string(MODEL_PROP).ifPresent(model -> {
                int blockSize = r.intValue(BLOCK_SIZE_PROP, 1, Integer.MAX_VALUE).orElse(BLOCK_SIZE_DEFAULT);
                int layers = r.intValue(LAYERS_PROP, 1, Integer.MAX_VALUE).orElse(LAYERS_DEFAULT);
                int kvHeads = r.intValue(KV_HEADS_PROP, 1, Integer.MAX_VALUE).orElse(KV_HEADS_DEFAULT);
                int headDim = r.intValue(HEAD_DIM_PROP, 1, Integer.MAX_VALUE).orElse(HEAD_DIM_DEFAULT);
                from(sources, MODEL_PROP, () -> namespace(Namespace.builder().modelId(model).blockSizeTokens(blockSize)
                    .layers(layers).kvHeads(kvHeads).headDim(headDim).build()));
            });
            r.string(TOKENIZER_PROP).ifPresent(v -> from(sources, TOKENIZER_PROP, () -> tokenizer(v)));
            r.path(CHAT_TEMPLATE_PROP).ifPresent(v -> from(sources, CHAT_TEMPLATE_PROP, () -> chatTemplate(v)));
            replace(servedModelNames, list(r, SERVED_MODEL_NAMES_PROP), v -> from(sources, SERVED_MODEL_NAMES_PROP,
                () -> servedModelName(v)));
            replace(staticPods, list(r, PODS_PROP), v -> from(sources, PODS_PROP, () -> staticPod(v)));
            String ns = r.string(K8S_NAMESPACE_PROP).orElse(null);
            String selector = r.string(K8S_SELECTOR_PROP).orElse(null);
            String pool = r.string(INFERENCE_POOL_PROP).orElse(null);
            if (ns == null && (selector != null || pool != null)) {
                throw new IllegalArgumentException((pool != null ? INFERENCE_POOL_PROP + " (--inference-pool)"
                    : K8S_SELECTOR_PROP + " (--k8s-selector)") + " needs " + K8S_NAMESPACE_PROP
                    + " (--k8s-namespace) (from " + sources.origin(pool != null ? INFERENCE_POOL_PROP
                    : K8S_SELECTOR_PROP) + ")");
            }
            if (ns != null && selector != null && pool != null) {
                throw new IllegalArgumentException(INFERENCE_POOL_PROP + " (--inference-pool) and " + K8S_SELECTOR_PROP
                    + " (--k8s-selector) exclude each other (from " + sources.origin(INFERENCE_POOL_PROP) + " and "
                    + sources.origin(K8S_SELECTOR_PROP) + ")");
            }
            if (ns != null && pool != null) {
                from(sources, INFERENCE_POOL_PROP, () -> inferencePool(ns, pool));
            } else if (ns != null) {
                from(sources, K8S_SELECTOR_PROP, () -> kubernetes(ns, selector == null ? Map.of()
                    : KubernetesPods.selector(selector)));
            }
            r.intValue(POD_PORT_PROP).ifPresent(v -> from(sources, POD_PORT_PROP, () -> podPort(v)));
            replace(feedNodes, list(r, FEED_NODES_PROP), v -> from(sources, FEED_NODES_PROP, () -> feedNode(v)));
            r.string(FEED_LOCAL_HOST_PROP).ifPresent(v -> from(sources, FEED_LOCAL_HOST_PROP,
                () -> feedLocalHost(v)));
            replace(clusterSeeds, list(r, CLUSTER_SEEDS_PROP), v -> from(sources, CLUSTER_SEEDS_PROP,
                () -> clusterSeed(v)));
            feedTls(r.path(FEED_CERT_FILE_PROP).orElse(feedCert), r.path(FEED_KEY_FILE_PROP).orElse(feedKey),
                r.path(FEED_TRUST_FILE_PROP).orElse(feedTrust));
            replace(vllmEvents, list(r, VLLM_EVENTS_PROP), v -> from(sources, VLLM_EVENTS_PROP, () -> vllmEvents(v)));
            r.longValue(MAX_KEYS_PROP).ifPresent(v -> from(sources, MAX_KEYS_PROP, () -> maxKeys(v)));
            r.longValue(SCRAPE_INTERVAL_MS_PROP).ifPresent(v -> from(sources, SCRAPE_INTERVAL_MS_PROP,
                () -> scrapeInterval(Duration.ofMillis(v))));
            r.intValue(SHED_AT_WAITING_PROP).ifPresent(v -> from(sources, SHED_AT_WAITING_PROP,
                () -> shedAtWaiting(v)));
            r.intSize(MAX_BODY_BYTES_PROP).ifPresent(v -> from(sources, MAX_BODY_BYTES_PROP, () -> maxBodyBytes(v)));
            r.intValue(DECISION_LOG_PROP).ifPresent(v -> from(sources, DECISION_LOG_PROP, () -> decisionLog(v)));
            r.bool(EXT_PROC_TLS_PROP).ifPresent(this::extProcTls);
            Path cert = r.path(EXT_PROC_CERT_PROP).orElse(extProcCert);
            Path key = r.path(EXT_PROC_KEY_PROP).orElse(extProcKey);
            extProcCert(cert, key);
            r.longValue(EXT_PROC_CERT_REFRESH_MS_PROP).ifPresent(v -> from(sources, EXT_PROC_CERT_REFRESH_MS_PROP,
                () -> extProcCertRefresh(Duration.ofMillis(v))));
            r.string(EXT_PROC_MODE_PROP).ifPresent(v -> from(sources, EXT_PROC_MODE_PROP, () -> extProcMode(v)));
            replace(objectives, list(r, OBJECTIVES_PROP), v -> from(sources, OBJECTIVES_PROP, () -> objective(v)));
            for (String prop : LIMIT_RANGES.keySet()) {
                r.longValue(prop).ifPresent(v -> from(sources, prop, () -> limit(prop, v)));
            }
            return this;
        }

        /** A list setting given in the properties replaces the builder's list (a later layer's list replaces too). */
        private static void replace(List<String> current, List<String> given, Consumer<String> add) {
            if (!given.isEmpty()) {
                current.clear();
                given.forEach(add);
            }
        }

        /** The routing configuration the settings name (text, file or preset), or null when they name none. */
        private static RoutingConfig routing(PropertySources sources, PropertyReader r) {
            String text = r.string(CONFIG_TEXT_PROP).orElse(null);
            Path file = r.path(CONFIG_FILE_PROP).orElse(null);
            if (text != null && file != null) {
                throw new IllegalArgumentException("give one routing configuration: " + CONFIG_FILE_PROP
                    + " (--config-file, from " + sources.origin(CONFIG_FILE_PROP) + ") or " + CONFIG_TEXT_PROP
                    + " (--config-text, from " + sources.origin(CONFIG_TEXT_PROP) + ")");
            }
            if (text != null) {
                return parse(CONFIG_TEXT_PROP, sources, text);
            }
            if (file != null) {
                String yaml;
                try {
                    yaml = Files.readString(file, StandardCharsets.UTF_8);
                } catch (IOException e) {
                    throw new IllegalArgumentException(CONFIG_FILE_PROP + ": cannot read '" + file + "' (from "
                        + sources.origin(CONFIG_FILE_PROP) + "): " + e, e);
                }
                return parse(CONFIG_FILE_PROP, sources, yaml);
            }
            String preset = r.string(PRESET_PROP).orElse(null);
            if (preset == null) {
                return null;
            }
            try {
                return RoutingConfig.preset(preset);
            } catch (IllegalArgumentException e) {
                throw new IllegalArgumentException(PRESET_PROP + ": " + e.getMessage() + " (from "
                    + sources.origin(PRESET_PROP) + ")", e);
            }
        }

        private static RoutingConfig parse(String prop, PropertySources sources, String yaml) {
            try {
                return RoutingConfig.parse(yaml);
            } catch (IllegalArgumentException e) {
                throw new IllegalArgumentException(prop + ": " + e.getMessage() + " (from " + sources.origin(prop)
                    + ")", e);
            }
        }

        /** Runs a setter, adding the value's origin to its error. */
        private static void from(PropertySources sources, String prop, Runnable set) {
            try {
                set.run();
            } catch (IllegalArgumentException e) {
                throw new IllegalArgumentException(e.getMessage() + " (from " + sources.origin(prop) + ")", e);
            }
        }

        private static List<String> list(PropertyReader r, String prop) {
            List<String> out = new ArrayList<>();
            r.string(prop).ifPresent(v -> {
                for (String part : v.split(",", -1)) {
                    if (!part.isBlank()) {
                        out.add(part.strip());
                    }
                }
            });
            return out;
        }

        /**
         * The context these settings make.
         *
         * @throws IllegalArgumentException naming the settings that are missing or do not fit together
         */
        public RouterContext build() {
            if (proxyPort == -1 && extProcPort == -1) {
                throw new IllegalArgumentException("a router needs a front: " + PROXY_PORT_PROP + " or "
                    + EXT_PROC_PORT_PROP + " must not be -1");
            }
            if (namespace == null) {
                throw new IllegalArgumentException(MODEL_PROP + " (--model) must be set: a router needs the model's "
                    + "namespace (its model id at least)");
            }
            if (staticPods.isEmpty() == (k8sNamespace == null)) {
                throw new IllegalArgumentException("pods come from a static list (" + PODS_PROP + ") or from "
                    + "Kubernetes (" + K8S_NAMESPACE_PROP + "): give exactly one (static pods: " + staticPods.size()
                    + ", Kubernetes namespace: " + k8sNamespace + ")");
            }
            if (k8sNamespace != null && k8sSelector.isEmpty() == (inferencePool == null)) {
                throw new IllegalArgumentException("Kubernetes discovery needs a label selector (" + K8S_SELECTOR_PROP
                    + ") or an InferencePool (" + INFERENCE_POOL_PROP + "): give exactly one (selector: " + k8sSelector
                    + ", InferencePool: " + inferencePool + ")");
            }
            boolean tls = extProcTls != null ? extProcTls : extProcCert != null;
            ExtProcServer.Tls serverTls = null;
            if (tls) {
                if (extProcCert == null || extProcKey == null) {
                    throw new IllegalArgumentException("ext_proc TLS needs both " + EXT_PROC_CERT_PROP
                        + " (--ext-proc-cert) and " + EXT_PROC_KEY_PROP + " (--ext-proc-key), got " + extProcCert
                        + " and " + extProcKey);
                }
                serverTls = new ExtProcServer.Tls(extProcCert, extProcKey, extProcCertRefresh);
            }
            ExtProcOptions extProc = new ExtProcOptions(serverTls, Objectives.parse(objectives),
                ExtProcOptions.mode(extProcMode));
            List<String> served = servedModelNames.isEmpty() ? List.of(namespace.modelId())
                : List.copyOf(servedModelNames);
            TlsFiles feedTls = null;
            if (feedCert != null || feedKey != null || feedTrust != null) {
                if (feedCert == null || feedKey == null || feedTrust == null) {
                    throw new IllegalArgumentException("the feed's TLS needs " + FEED_CERT_FILE_PROP + ", "
                        + FEED_KEY_FILE_PROP + " and " + FEED_TRUST_FILE_PROP + " together, got " + feedCert + ", "
                        + feedKey + " and " + feedTrust);
                }
                feedTls = TlsFiles.mutual(feedCert, feedKey, feedTrust, FEED_TLS_REFRESH);
            }
            return new RouterContext(host, proxyPort, extProcPort, httpPort, routing, costModel, namespace, tokenizer,
                chatTemplate, served, List.copyOf(staticPods), k8sNamespace, k8sSelector, inferencePool, podPort,
                List.copyOf(feedNodes), feedLocalHost, List.copyOf(clusterSeeds), List.copyOf(vllmEvents), maxKeys,
                scrapeInterval, shedAtWaiting, maxBodyBytes, decisionLog, extProc, limits(), feedTls);
        }

        private static int port(String name, String prop, int port, boolean mayBeOff) {
            if ((port < 0 && !(mayBeOff && port == -1)) || port > 65_535) {
                throw new IllegalArgumentException(name + " (" + prop + ") must be 0..65535"
                    + (mayBeOff ? " or -1 (off)" : "") + ", got " + port);
            }
            return port;
        }

        private static void requirePositive(String name, String prop, long v) {
            if (v < 1) {
                throw new IllegalArgumentException(name + " (" + prop + ") must be > 0, got " + v);
            }
        }

        private static Duration requirePositive(String name, String prop, Duration v) {
            if (v == null || v.isNegative() || v.isZero()) {
                throw new IllegalArgumentException(name + " (" + prop + ") must be > 0, got "
                    + (v == null ? null : v.toMillis() + " ms"));
            }
            return v;
        }

        private static String requireText(String name, String prop, String v) {
            if (v == null || v.isBlank()) {
                throw new IllegalArgumentException(name + " (" + prop + ") must not be blank, got '" + v + "'");
            }
            return v;
        }

        private static <T> T requireNonNull(String name, String prop, T v) {
            if (v == null) {
                throw new IllegalArgumentException(name + " (" + prop + ") must not be null");
            }
            return v;
        }
    }
}
