package io.spillway.router;

import static io.spillway.router.service.RouterContext.BLOCK_SIZE_DEFAULT;
import static io.spillway.router.service.RouterContext.BLOCK_SIZE_PROP;
import static io.spillway.router.service.RouterContext.CHAT_TEMPLATE_PROP;
import static io.spillway.router.service.RouterContext.CONFIG_FILE_PROP;
import static io.spillway.router.service.RouterContext.COSTS_FILE_PROP;
import static io.spillway.router.service.RouterContext.CONFIG_TEXT_PROP;
import static io.spillway.router.service.RouterContext.EXT_PROC_CERT_PROP;
import static io.spillway.router.service.RouterContext.EXT_PROC_CERT_REFRESH_MS_DEFAULT;
import static io.spillway.router.service.RouterContext.EXT_PROC_CERT_REFRESH_MS_PROP;
import static io.spillway.router.service.RouterContext.EXT_PROC_KEY_PROP;
import static io.spillway.router.service.RouterContext.EXT_PROC_MODE_DEFAULT;
import static io.spillway.router.service.RouterContext.EXT_PROC_MODE_PROP;
import static io.spillway.router.service.RouterContext.EXT_PROC_PORT_DEFAULT;
import static io.spillway.router.service.RouterContext.EXT_PROC_PORT_PROP;
import static io.spillway.router.service.RouterContext.EXT_PROC_TLS_PROP;
import static io.spillway.router.service.RouterContext.FEED_LOCAL_HOST_DEFAULT;
import static io.spillway.router.service.RouterContext.FEED_LOCAL_HOST_PROP;
import static io.spillway.router.service.RouterContext.CLUSTER_SEEDS_PROP;
import static io.spillway.router.service.RouterContext.FEED_NODES_PROP;
import static io.spillway.router.service.RouterContext.HEAD_DIM_DEFAULT;
import static io.spillway.router.service.RouterContext.HEAD_DIM_PROP;
import static io.spillway.router.service.RouterContext.HOST_DEFAULT;
import static io.spillway.router.service.RouterContext.HOST_PROP;
import static io.spillway.router.service.RouterContext.HTTP_PORT_DEFAULT;
import static io.spillway.router.service.RouterContext.HTTP_PORT_PROP;
import static io.spillway.router.service.RouterContext.INFERENCE_POOL_PROP;
import static io.spillway.router.service.RouterContext.K8S_NAMESPACE_PROP;
import static io.spillway.router.service.RouterContext.K8S_SELECTOR_PROP;
import static io.spillway.router.service.RouterContext.KV_HEADS_DEFAULT;
import static io.spillway.router.service.RouterContext.KV_HEADS_PROP;
import static io.spillway.router.service.RouterContext.LAYERS_DEFAULT;
import static io.spillway.router.service.RouterContext.LAYERS_PROP;
import static io.spillway.router.service.RouterContext.MAX_BODY_BYTES_DEFAULT;
import static io.spillway.router.service.RouterContext.MAX_BODY_BYTES_PROP;
import static io.spillway.router.service.RouterContext.MAX_KEYS_DEFAULT;
import static io.spillway.router.service.RouterContext.MAX_KEYS_PROP;
import static io.spillway.router.service.RouterContext.MODEL_PROP;
import static io.spillway.router.service.RouterContext.OBJECTIVES_PROP;
import static io.spillway.router.service.RouterContext.PODS_PROP;
import static io.spillway.router.service.RouterContext.POD_PORT_DEFAULT;
import static io.spillway.router.service.RouterContext.POD_PORT_PROP;
import static io.spillway.router.service.RouterContext.PRESET_DEFAULT;
import static io.spillway.router.service.RouterContext.PRESET_PROP;
import static io.spillway.router.service.RouterContext.PROXY_PORT_DEFAULT;
import static io.spillway.router.service.RouterContext.PROXY_PORT_PROP;
import static io.spillway.router.service.RouterContext.SCRAPE_INTERVAL_MS_DEFAULT;
import static io.spillway.router.service.RouterContext.SCRAPE_INTERVAL_MS_PROP;
import static io.spillway.router.service.RouterContext.SERVED_MODEL_NAMES_PROP;
import static io.spillway.router.service.RouterContext.SHED_AT_WAITING_DEFAULT;
import static io.spillway.router.service.RouterContext.SHED_AT_WAITING_PROP;
import static io.spillway.router.service.RouterContext.TOKENIZER_DEFAULT;
import static io.spillway.router.service.RouterContext.TOKENIZER_PROP;
import static io.spillway.router.service.RouterContext.VLLM_EVENTS_PROP;

import io.spillway.config.PropertySources;
import io.spillway.placement.routing.RoutingConfig;
import io.spillway.router.service.Router;
import io.spillway.router.service.RouterContext;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import java.util.regex.Pattern;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code bin/spillway router}: starts a router and runs until SIGTERM or SIGINT. Settings load as the server's do:
 * defaults &lt; {@code --config} file (Java properties, {@code spillway.router.*}) &lt; environment
 * ({@code SPILLWAY_ROUTER_*}) &lt; flags; each flag sets one {@link RouterContext} property, whose default is stated
 * there only. The routing configuration (an llm-d EndpointPickerConfig) is {@code --config-file} or
 * {@code --config-text}, as llm-d's EPP takes it.
 */
@Command(name = "router", mixinStandardHelpOptions = true,
    description = "Spillway's cache-aware router: OpenAI-compatible proxy and Envoy ext_proc endpoint picker")
public final class RouterMain implements Callable<Integer> {
    @Option(names = "--config", paramLabel = "FILE", description = "a Java properties file of spillway.router.* "
        + "settings (below the environment and the flags); the routing configuration is --config-file")
    Path config;
    @Option(names = "--model", description = "the model id, as the engines and clients key it (required)")
    String model;
    @Option(names = "--block-size", description = "tokens per block (default: " + BLOCK_SIZE_DEFAULT + ")")
    Integer blockSize;
    @Option(names = "--layers", description = "the model's layers, part of its key namespace (default: "
        + LAYERS_DEFAULT + ")")
    Integer layers;
    @Option(names = "--kv-heads", description = "the model's KV heads, part of its key namespace (default: "
        + KV_HEADS_DEFAULT + ")")
    Integer kvHeads;
    @Option(names = "--head-dim", description = "the model's head dimension (default: " + HEAD_DIM_DEFAULT + ")")
    Integer headDim;
    @Option(names = "--pods", split = ",", description = "static pods, host:port[=role]: an llm-d role (decode, "
        + "prefill, prefill-decode, both, encode, encode-prefill, encode-prefill-decode); none: decode only")
    List<String> pods = new ArrayList<>();
    @Option(names = "--k8s-namespace", description = "discover pods in this Kubernetes namespace (with --k8s-selector "
        + "or --inference-pool)")
    String k8sNamespace;
    @Option(names = "--k8s-selector", description = "their label selector, k=v[,k=v]")
    String k8sSelector;
    @Option(names = "--inference-pool", description = "take the pods from this InferencePool "
        + "(inference.networking.k8s.io/v1) in --k8s-namespace: its selector and target ports")
    String inferencePool;
    @Option(names = "--pod-port", description = "the pods' serving port (Kubernetes; default: " + POD_PORT_DEFAULT
        + ")")
    Integer podPort;
    @Option(names = "--config-file", paramLabel = "FILE", description = "a routing configuration file: an llm-d "
        + "EndpointPickerConfig (YAML), as llm-d's EPP takes it")
    Path configFile;
    @Option(names = "--config-text", paramLabel = "YAML", description = "the routing configuration inline, instead of "
        + "--config-file")
    String configText;
    @Option(names = "--preset", description = "a routing preset when no --config-file: llm-d-default, "
        + "spillway-default, spillway-pd or load-only (default: " + PRESET_DEFAULT + ")")
    String preset;
    @Option(names = "--print-config", description = "print the routing configuration (--config-file, --config-text "
        + "or --preset) as an llm-d EndpointPickerConfig and exit")
    boolean printConfig;
    @Option(names = "--tokenizer", description = "approximate, engine (the pods' /tokenize) or a tokenizer.json path "
        + "(default: " + TOKENIZER_DEFAULT + ")")
    String tokenizer;
    @Option(names = "--costs", paramLabel = "FILE", description = "what a cluster hit is worth here: a cost file or "
        + "the JSON of bench compare --json / bench bridge --json (docs/operations.md; default: the cost model's "
        + "assumed defaults, 10 GB/s)")
    Path costs;
    @Option(names = "--chat-template", description = "the model's chat template: its tokenizer_config.json or a Jinja "
        + "file (default: the tokenizer_config.json beside --tokenizer's file)")
    Path chatTemplate;
    @Option(names = "--served-model-name", description = "a name the base model is served under, as vLLM's "
        + "--served-model-name (repeat; default: --model); a request naming another model names a LoRA adapter")
    List<String> servedModelNames = new ArrayList<>();
    @Option(names = "--feed-node", description = "a Spillway node's block-location feed, host:eventsPort (repeat)")
    List<String> feedNodes = new ArrayList<>();
    @Option(names = "--feed-local-host", description = "the local address the feed is received on, which the nodes "
        + "send to: an IP literal or a resolvable host name (default: " + FEED_LOCAL_HOST_DEFAULT + ", nodes on this "
        + "host only; on Kubernetes, the pod's IP)")
    String feedLocalHost;
    @Option(names = "--cluster-seed", description = "a Spillway node's control address, host:controlPort (repeat): "
        + "the feed then admits only the nodes the cluster's partition map lists and loads their snapshots where the "
        + "map says (without it, any heartbeat reaching the feed's port is believed)")
    List<String> clusterSeeds = new ArrayList<>();
    @Option(names = "--vllm-events", description = "a vLLM KV-event publisher, host:port[:replayPort] (the router "
        + "connects), or listen=tcp://*:5557 (the pods connect, as llm-d lays it out) (repeat)")
    List<String> vllmEvents = new ArrayList<>();
    @Option(names = "--host", description = "address to bind (default: " + HOST_DEFAULT + ")")
    String host;
    @Option(names = "--proxy-port", description = "OpenAI proxy port, -1 for none (default: " + PROXY_PORT_DEFAULT
        + ")")
    Integer proxyPort;
    @Option(names = "--ext-proc-port", description = "Envoy ext_proc port, -1 for none (default: "
        + EXT_PROC_PORT_DEFAULT + ")")
    Integer extProcPort;
    @Option(names = "--http-port", description = "metrics, health, /debug/decisions (default: " + HTTP_PORT_DEFAULT
        + ")")
    Integer httpPort;
    @Option(names = "--max-keys", description = "the index's bound (default: " + MAX_KEYS_DEFAULT + ")")
    Long maxKeys;
    @Option(names = "--scrape-ms", description = "pods' /metrics interval in ms (default: "
        + SCRAPE_INTERVAL_MS_DEFAULT + ")")
    Long scrapeMs;
    @Option(names = "--shed-at-waiting", description = "429 for a sheddable request (priority < 0) when every pod has "
        + "this many waiting (default: " + SHED_AT_WAITING_DEFAULT + ", never)")
    Integer shedAtWaiting;
    @Option(names = "--max-body-bytes", description = "the largest request body taken; a larger one gets 413 "
        + "(default: " + MAX_BODY_BYTES_DEFAULT + ")")
    String maxBodyBytes;
    @Option(names = "--ext-proc-tls", negatable = true, description = "serve ext_proc over TLS (default: on when "
        + "--ext-proc-cert is given)")
    Boolean extProcTls;
    @Option(names = "--ext-proc-cert", description = "ext_proc's TLS certificate chain (PEM), re-read when it changes")
    Path extProcCert;
    @Option(names = "--ext-proc-key", description = "ext_proc's TLS private key (PEM), re-read when it changes")
    Path extProcKey;
    @Option(names = "--ext-proc-cert-refresh-ms", description = "how often the TLS files are checked for changes, in "
        + "ms (default: " + EXT_PROC_CERT_REFRESH_MS_DEFAULT + ")")
    Long extProcCertRefreshMs;
    /** The old spelling, in seconds: still taken, with a warning. */
    @Option(names = "--ext-proc-cert-refresh-s", hidden = true,
        description = "deprecated: --ext-proc-cert-refresh-ms, in seconds")
    Long extProcCertRefreshS;
    @Option(names = "--ext-proc-mode", description = "the body mode when Envoy sends no protocol_config (Envoy 1.33): "
        + "infer, full-duplex-streamed, buffered, streamed or none (default: " + EXT_PROC_MODE_DEFAULT + ")")
    String extProcMode;
    @Option(names = "--objective", description = "an InferenceObjective's priority, name=priority (repeat); "
        + "x-gateway-inference-objective names it, below 0 is sheddable")
    List<String> objectives = new ArrayList<>();

    /** A top-level {@code kind: EndpointPickerConfig} line: what makes a file an llm-d configuration beyond doubt. */
    private static final Pattern EPP_KIND =
        Pattern.compile("^kind:\\s*[\"']?EndpointPickerConfig[\"']?\\s*(#.*)?$");
    /** Top-level keys of an EndpointPickerConfig, a YAML document marker or list item: YAML, not properties. */
    private static final Pattern YAML_LINE =
        Pattern.compile("^(apiVersion|kind|plugins|schedulingProfiles|featureGates|saturationDetector|data)\\s*:.*"
            + "|^---\\s*$|^-\\s.*");

    private final Map<String, String> environment;

    public RouterMain() {
        this(System.getenv());
    }

    RouterMain(Map<String, String> environment) {
        this.environment = environment;
    }

    /** The layered settings: the {@code --config} file, the environment, then these flags. */
    PropertySources sources() {
        PropertySources sources = new PropertySources();
        Map<String, String> flags = new LinkedHashMap<>();
        if (config != null) {
            if (isEndpointPickerConfig(config)) {
                if (configFile != null || configText != null) {
                    throw new IllegalArgumentException("--config " + config + " is an llm-d EndpointPickerConfig, and "
                        + "--config-file or --config-text gives another: give the routing configuration once, with "
                        + "--config-file");
                }
                sources.warn("--config " + config + " is an llm-d EndpointPickerConfig: taken as --config-file "
                    + config + " (deprecated: --config now takes a Java properties file of spillway.router.* "
                    + "settings, as for the server; give the routing configuration with --config-file)");
                flags.put(CONFIG_FILE_PROP, config.toString());
            } else {
                sources.file(config);
            }
        }
        sources.environment(environment);
        putIf(flags, MODEL_PROP, model);
        putIf(flags, BLOCK_SIZE_PROP, blockSize);
        putIf(flags, LAYERS_PROP, layers);
        putIf(flags, KV_HEADS_PROP, kvHeads);
        putIf(flags, HEAD_DIM_PROP, headDim);
        putList(flags, PODS_PROP, pods);
        putIf(flags, K8S_NAMESPACE_PROP, k8sNamespace);
        putIf(flags, K8S_SELECTOR_PROP, k8sSelector);
        putIf(flags, INFERENCE_POOL_PROP, inferencePool);
        putIf(flags, POD_PORT_PROP, podPort);
        putIf(flags, CONFIG_FILE_PROP, configFile);
        putIf(flags, CONFIG_TEXT_PROP, configText);
        putIf(flags, PRESET_PROP, preset);
        putIf(flags, COSTS_FILE_PROP, costs);
        putIf(flags, TOKENIZER_PROP, tokenizer);
        putIf(flags, CHAT_TEMPLATE_PROP, chatTemplate);
        putList(flags, SERVED_MODEL_NAMES_PROP, servedModelNames);
        putList(flags, FEED_NODES_PROP, feedNodes);
        putIf(flags, FEED_LOCAL_HOST_PROP, feedLocalHost);
        putList(flags, CLUSTER_SEEDS_PROP, clusterSeeds);
        putList(flags, VLLM_EVENTS_PROP, vllmEvents);
        putIf(flags, HOST_PROP, host);
        putIf(flags, PROXY_PORT_PROP, proxyPort);
        putIf(flags, EXT_PROC_PORT_PROP, extProcPort);
        putIf(flags, HTTP_PORT_PROP, httpPort);
        putIf(flags, MAX_KEYS_PROP, maxKeys);
        putIf(flags, SCRAPE_INTERVAL_MS_PROP, scrapeMs);
        putIf(flags, SHED_AT_WAITING_PROP, shedAtWaiting);
        putIf(flags, MAX_BODY_BYTES_PROP, maxBodyBytes);
        putIf(flags, EXT_PROC_TLS_PROP, extProcTls);
        putIf(flags, EXT_PROC_CERT_PROP, extProcCert);
        putIf(flags, EXT_PROC_KEY_PROP, extProcKey);
        if (extProcCertRefreshS != null) {
            sources.warn("--ext-proc-cert-refresh-s is deprecated and will be removed: use --ext-proc-cert-refresh-ms "
                + "(" + EXT_PROC_CERT_REFRESH_MS_PROP + "); taken as " + extProcCertRefreshS * 1000 + " ms");
            if (extProcCertRefreshMs == null) {
                flags.put(EXT_PROC_CERT_REFRESH_MS_PROP, String.valueOf(extProcCertRefreshS * 1000));
            }
        }
        putIf(flags, EXT_PROC_CERT_REFRESH_MS_PROP, extProcCertRefreshMs);
        putIf(flags, EXT_PROC_MODE_PROP, extProcMode);
        putList(flags, OBJECTIVES_PROP, objectives);
        sources.overrides(flags, "command line");
        return sources;
    }

    /** The router's context from the file, the environment and these flags, in that order of precedence. */
    RouterContext context() {
        return RouterContext.builder().load(sources()).build();
    }

    /**
     * Whether {@code file}, given to {@code --config}, is an llm-d EndpointPickerConfig (what {@code --config} took
     * before it meant the same as the server's): only when it has a top-level {@code kind: EndpointPickerConfig} line
     * and no {@code spillway.*} key.
     *
     * @throws IllegalArgumentException when it looks like YAML but not beyond doubt, naming {@code --config-file}
     */
    static boolean isEndpointPickerConfig(Path file) {
        List<String> lines;
        try {
            lines = Files.readAllLines(file, StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new IllegalArgumentException("cannot read config file '" + file + "': " + e, e);
        }
        boolean spillway = false;
        boolean kind = false;
        boolean yaml = false;
        for (String line : lines) {
            String t = line.strip();
            spillway |= t.startsWith(PropertySources.PREFIX);
            kind |= EPP_KIND.matcher(line).matches();
            yaml |= YAML_LINE.matcher(line).matches();
        }
        if (kind && !spillway) {
            return true;
        }
        if (yaml || kind) {
            throw new IllegalArgumentException("--config " + file + " looks like YAML (an llm-d EndpointPickerConfig?)"
                + (spillway ? " mixed with spillway.* settings" : " without a top-level 'kind: EndpointPickerConfig'")
                + ": --config takes a Java properties file of spillway.router.* settings; give a routing "
                + "configuration with --config-file");
        }
        return false;
    }

    private static void putIf(Map<String, String> flags, String key, Object value) {
        if (value != null) {
            flags.put(key, value.toString());
        }
    }

    private static void putList(Map<String, String> flags, String key, List<String> values) {
        if (!values.isEmpty()) {
            flags.put(key, String.join(",", values));
        }
    }

    @Override
    public Integer call() throws Exception {
        PropertySources sources = sources();
        if (printConfig) {
            RoutingConfig routing = RouterContext.builder().load(sources).routingConfig();
            System.out.print(routing.toYaml(RoutingConfig.API_VERSION));
            return 0;
        }
        RouterContext ctx = RouterContext.builder().load(sources).build();
        CountDownLatch stop = new CountDownLatch(1);
        try (Router router = new Router(ctx)) {
            Runtime.getRuntime().addShutdownHook(new Thread(stop::countDown, "spillway-router-stop"));
            System.out.printf("router: proxy %d, ext_proc %d, http %d (metrics, /debug/decisions)%n",
                router.proxyPort(), router.extProcPort(), router.httpPort());
            stop.await();
        }
        return 0;
    }

    public static void main(String[] args) {
        System.exit(new CommandLine(new RouterMain()).setExecutionExceptionHandler((e, cmd, parsed) -> {
            cmd.getErr().println("router: " + e.getMessage());
            return 2;
        }).execute(args));
    }
}
