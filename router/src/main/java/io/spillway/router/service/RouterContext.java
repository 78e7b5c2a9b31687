package io.spillway.router.service;

import io.spillway.key.Namespace;
import io.spillway.placement.routing.RoutingConfig;
import io.spillway.placement.routing.TransferCostModel;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * Everything a router is started with; {@link Builder#build()} checks each value and names the bad one.
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
 * @param vllmEvents      vLLM KV-event publishers {@code host:eventsPort[:replayPort]}, topics naming their pods
 * @param maxKeys         the index's bound
 * @param scrapeInterval  how often each pod's /metrics is read
 * @param shedAtWaiting   shed (429) when every candidate has this many waiting; 0 never
 * @param maxBodyBytes    the largest request body taken
 * @param decisionLog     decisions kept for the debug view
 */
public record RouterContext(String host, int proxyPort, int extProcPort, int httpPort, RoutingConfig routing,
                            TransferCostModel costModel, Namespace namespace, String tokenizer,
                            Path chatTemplate, List<String> servedModelNames, List<String> staticPods, String k8sNamespace, Map<String, String> k8sSelector,
                            String inferencePool, int podPort, List<String> feedNodes, List<String> vllmEvents, long maxKeys,
                            Duration scrapeInterval, int shedAtWaiting, int maxBodyBytes, int decisionLog) {
    public static Builder builder() {
        return new Builder();
    }

    /** Defaults: bind 0.0.0.0, proxy 8080, ext_proc 9002, http 9090, {@code llm-d-default}, approximate tokens. */
    public static final class Builder {
        private String host = "0.0.0.0";
        private int proxyPort = 8080;
        private int extProcPort = 9002;
        private int httpPort = 9090;
        private RoutingConfig routing = RoutingConfig.preset("spillway-default");
        private TransferCostModel costModel = TransferCostModel.defaults();
        private Namespace namespace;
        private String tokenizer = "approximate";
        private Path chatTemplate;
        private final List<String> servedModelNames = new ArrayList<>();
        private final List<String> staticPods = new ArrayList<>();
        private String k8sNamespace;
        private Map<String, String> k8sSelector = Map.of();
        private String inferencePool;
        private int podPort = 8000;
        private final List<String> feedNodes = new ArrayList<>();
        private final List<String> vllmEvents = new ArrayList<>();
        private long maxKeys = 10_000_000;
        private Duration scrapeInterval = Duration.ofMillis(50);
        private int shedAtWaiting;
        private int maxBodyBytes = 16 << 20;
        private int decisionLog = 64;

        public Builder host(String v) { host = v; return this; }
        public Builder proxyPort(int v) { proxyPort = v; return this; }
        public Builder extProcPort(int v) { extProcPort = v; return this; }
        public Builder httpPort(int v) { httpPort = v; return this; }
        public Builder routing(RoutingConfig v) { routing = v; return this; }
        public Builder costModel(TransferCostModel v) { costModel = v; return this; }
        public Builder namespace(Namespace v) { namespace = v; return this; }
        public Builder tokenizer(String v) { tokenizer = v; return this; }
        public Builder chatTemplate(Path v) { chatTemplate = v; return this; }
        public Builder servedModelName(String v) { servedModelNames.add(v); return this; }
        public Builder staticPod(String v) { staticPods.add(v); return this; }
        public Builder kubernetes(String ns, Map<String, String> selector) {
            k8sNamespace = ns;
            k8sSelector = Map.copyOf(selector);
            return this;
        }
        /** Pods from the InferencePool {@code name} in namespace {@code ns} (its selector and target ports). */
        public Builder inferencePool(String ns, String name) {
            k8sNamespace = ns;
            inferencePool = name;
            return this;
        }
        public Builder podPort(int v) { podPort = v; return this; }
        public Builder feedNode(String v) { feedNodes.add(v); return this; }
        public Builder vllmEvents(String v) { vllmEvents.add(v); return this; }
        public Builder maxKeys(long v) { maxKeys = v; return this; }
        public Builder scrapeInterval(Duration v) { scrapeInterval = v; return this; }
        public Builder shedAtWaiting(int v) { shedAtWaiting = v; return this; }
        public Builder maxBodyBytes(int v) { maxBodyBytes = v; return this; }
        public Builder decisionLog(int v) { decisionLog = v; return this; }

        /** @throws IllegalArgumentException naming the first bad value */
        public RouterContext build() {
            port("proxyPort", proxyPort, true);
            port("extProcPort", extProcPort, true);
            port("httpPort", httpPort, false);
            if (proxyPort == -1 && extProcPort == -1) {
                throw new IllegalArgumentException("a router needs a front: proxyPort or extProcPort");
            }
            if (namespace == null) {
                throw new IllegalArgumentException("a router needs the model's namespace (its model id at least)");
            }
            if (staticPods.isEmpty() == (k8sNamespace == null)) {
                throw new IllegalArgumentException("pods come from a static list or from Kubernetes: give exactly one"
                    + " (static pods: " + staticPods.size() + ", Kubernetes namespace: " + k8sNamespace + ")");
            }
            if (k8sNamespace != null && k8sSelector.isEmpty() == (inferencePool == null)) {
                throw new IllegalArgumentException("Kubernetes discovery needs a label selector or an InferencePool: "
                    + "give exactly one (selector: " + k8sSelector + ", InferencePool: " + inferencePool + ")");
            }
            if (inferencePool != null && inferencePool.isBlank()) {
                throw new IllegalArgumentException("inferencePool must name a pool, got '" + inferencePool + "'");
            }
            port("podPort", podPort, false);
            if (!tokenizer.equals("approximate") && !tokenizer.equals("engine")
                && !Path.of(tokenizer).toFile().isFile()) {
                throw new IllegalArgumentException("tokenizer must be approximate, engine or a tokenizer.json file, got '"
                    + tokenizer + "'");
            }
            if (chatTemplate != null && !chatTemplate.toFile().isFile()) {
                throw new IllegalArgumentException("chatTemplate must be a tokenizer_config.json or Jinja file, got '"
                    + chatTemplate + "'");
            }
            if (servedModelNames.stream().anyMatch(n -> n == null || n.isBlank())) {
                throw new IllegalArgumentException("servedModelNames must not be blank, got " + servedModelNames);
            }
            if (maxKeys < 1 || shedAtWaiting < 0 || maxBodyBytes < 1 || decisionLog < 1
                || scrapeInterval.isNegative() || scrapeInterval.isZero()) {
                throw new IllegalArgumentException("maxKeys, maxBodyBytes, decisionLog and scrapeInterval must be > 0"
                    + " and shedAtWaiting >= 0; got " + maxKeys + ", " + maxBodyBytes + ", " + decisionLog + ", "
                    + scrapeInterval + ", " + shedAtWaiting);
            }
            List<String> served = servedModelNames.isEmpty() ? List.of(namespace.modelId())
                : List.copyOf(servedModelNames);
            return new RouterContext(host, proxyPort, extProcPort, httpPort, routing, costModel, namespace, tokenizer,
                chatTemplate, served, List.copyOf(staticPods), k8sNamespace, k8sSelector, inferencePool, podPort,
                List.copyOf(feedNodes),
                List.copyOf(vllmEvents), maxKeys, scrapeInterval, shedAtWaiting, maxBodyBytes, decisionLog);
        }

        private static void port(String name, int port, boolean mayBeOff) {
            if ((port < 0 && !(mayBeOff && port == -1)) || port > 65_535) {
                throw new IllegalArgumentException(name + " must be 0..65535" + (mayBeOff ? " or -1 (off)" : "")
                    + ", got " + port);
            }
        }
    }
}
