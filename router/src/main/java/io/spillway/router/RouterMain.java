package io.spillway.router;

import io.spillway.key.Namespace;
import io.spillway.placement.routing.RoutingConfig;
import io.spillway.router.discovery.KubernetesPods;
import io.spillway.router.extproc.ExtProcOptions;
import io.spillway.router.extproc.ExtProcServer;
import io.spillway.router.extproc.Objectives;
import io.spillway.router.service.Router;
import io.spillway.router.service.RouterContext;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code bin/spillway router}: starts a router and runs until SIGTERM or SIGINT. */
@Command(name = "router", mixinStandardHelpOptions = true,
    description = "Spillway's cache-aware router: OpenAI-compatible proxy and Envoy ext_proc endpoint picker")
public final class RouterMain implements Callable<Integer> {
    @Option(names = "--model", required = true, description = "the model id, as the engines and clients key it")
    String model;
    @Option(names = "--block-size", defaultValue = "16", description = "tokens per block (default: ${DEFAULT-VALUE})")
    int blockSize;
    @Option(names = "--layers", defaultValue = "32", description = "the model's layers, part of its key namespace")
    int layers;
    @Option(names = "--kv-heads", defaultValue = "8", description = "the model's KV heads, part of its key namespace")
    int kvHeads;
    @Option(names = "--head-dim", defaultValue = "128", description = "the model's head dimension")
    int headDim;
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
    @Option(names = "--pod-port", defaultValue = "8000", description = "the pods' serving port (Kubernetes)")
    int podPort;
    @Option(names = "--config", description = "a routing configuration file (an llm-d EndpointPickerConfig)")
    Path config;
    @Option(names = "--preset", defaultValue = "spillway-default", description = "a routing preset when no --config: "
        + "llm-d-default, spillway-default, spillway-pd or load-only (default: ${DEFAULT-VALUE})")
    String preset;
    @Option(names = "--print-config", description = "print the routing configuration (--config or --preset) as an "
        + "llm-d EndpointPickerConfig and exit")
    boolean printConfig;
    @Option(names = "--tokenizer", defaultValue = "approximate",
        description = "approximate, engine (the pods' /tokenize) or a tokenizer.json path")
    String tokenizer;
    @Option(names = "--chat-template", description = "the model's chat template: its tokenizer_config.json or a Jinja "
        + "file (default: the tokenizer_config.json beside --tokenizer's file)")
    Path chatTemplate;
    @Option(names = "--served-model-name", description = "a name the base model is served under, as vLLM's "
        + "--served-model-name (repeat; default: --model); a request naming another model names a LoRA adapter")
    List<String> servedModelNames = new ArrayList<>();
    @Option(names = "--feed-node", description = "a Spillway node's block-location feed, host:eventsPort (repeat)")
    List<String> feedNodes = new ArrayList<>();
    @Option(names = "--vllm-events", description = "a vLLM KV-event publisher, host:port[:replayPort] (the router "
        + "connects), or listen=tcp://*:5557 (the pods connect, as llm-d lays it out) (repeat)")
    List<String> vllmEvents = new ArrayList<>();
    @Option(names = "--host", defaultValue = "0.0.0.0", description = "address to bind (default: ${DEFAULT-VALUE})")
    String host;
    @Option(names = "--proxy-port", defaultValue = "8080", description = "OpenAI proxy port, -1 for none")
    int proxyPort;
    @Option(names = "--ext-proc-port", defaultValue = "9002", description = "Envoy ext_proc port, -1 for none")
    int extProcPort;
    @Option(names = "--http-port", defaultValue = "9090", description = "metrics, health, /debug/decisions")
    int httpPort;
    @Option(names = "--max-keys", defaultValue = "10000000", description = "the index's bound")
    long maxKeys;
    @Option(names = "--scrape-ms", defaultValue = "50", description = "pods' /metrics interval")
    long scrapeMs;
    @Option(names = "--shed-at-waiting", defaultValue = "0", description = "429 for a sheddable request (priority < 0) "
        + "when every pod has this many waiting")
    int shedAtWaiting;
    @Option(names = "--max-body-bytes", defaultValue = "16777216", description = "the largest request body taken; "
        + "a larger one gets 413 (default: ${DEFAULT-VALUE})")
    int maxBodyBytes;
    @Option(names = "--ext-proc-tls", negatable = true, description = "serve ext_proc over TLS (default: on when "
        + "--ext-proc-cert is given)")
    Boolean extProcTls;
    @Option(names = "--ext-proc-cert", description = "ext_proc's TLS certificate chain (PEM), re-read when it changes")
    Path extProcCert;
    @Option(names = "--ext-proc-key", description = "ext_proc's TLS private key (PEM), re-read when it changes")
    Path extProcKey;
    @Option(names = "--ext-proc-cert-refresh-s", defaultValue = "60", description = "how often the TLS files are "
        + "checked for changes (default: ${DEFAULT-VALUE})")
    long extProcCertRefreshS;
    @Option(names = "--ext-proc-mode", defaultValue = "infer", description = "the body mode when Envoy sends no "
        + "protocol_config (Envoy 1.33): infer, full-duplex-streamed, buffered, streamed or none (default: "
        + "${DEFAULT-VALUE})")
    String extProcMode;
    @Option(names = "--objective", description = "an InferenceObjective's priority, name=priority (repeat); "
        + "x-gateway-inference-objective names it, below 0 is sheddable")
    List<String> objectives = new ArrayList<>();

    @Override
    public Integer call() throws Exception {
        RoutingConfig routing = config != null ? RoutingConfig.parse(Files.readString(config))
            : RoutingConfig.preset(preset);
        if (printConfig) {
            System.out.print(routing.toYaml(RoutingConfig.API_VERSION));
            return 0;
        }
        RouterContext.Builder b = RouterContext.builder().host(host).proxyPort(proxyPort).extProcPort(extProcPort)
            .httpPort(httpPort).tokenizer(tokenizer).podPort(podPort).maxKeys(maxKeys)
            .scrapeInterval(Duration.ofMillis(scrapeMs)).shedAtWaiting(shedAtWaiting).maxBodyBytes(maxBodyBytes)
            .routing(routing)
            .namespace(Namespace.builder().modelId(model).blockSizeTokens(blockSize).layers(layers).kvHeads(kvHeads)
                .headDim(headDim).build());
        b.chatTemplate(chatTemplate);
        servedModelNames.forEach(b::servedModelName);
        pods.forEach(b::staticPod);
        feedNodes.forEach(b::feedNode);
        vllmEvents.forEach(b::vllmEvents);
        if (k8sNamespace != null && inferencePool != null && k8sSelector == null) {
            b.inferencePool(k8sNamespace, inferencePool);
        } else if (k8sNamespace != null) {
            if (inferencePool != null) {
                throw new IllegalArgumentException("--inference-pool and --k8s-selector exclude each other");
            }
            b.kubernetes(k8sNamespace, KubernetesPods.selector(k8sSelector == null ? "" : k8sSelector));
        } else if (inferencePool != null) {
            throw new IllegalArgumentException("--inference-pool needs --k8s-namespace");
        }
        RouterContext ctx = b.build();
        CountDownLatch stop = new CountDownLatch(1);
        boolean tls = extProcTls != null ? extProcTls : extProcCert != null;
        ExtProcOptions extProc = new ExtProcOptions(tls ? new ExtProcServer.Tls(extProcCert, extProcKey,
            Duration.ofSeconds(extProcCertRefreshS)) : null, Objectives.parse(objectives),
            ExtProcOptions.mode(extProcMode));
        try (Router router = new Router(ctx, extProc)) {
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
