package io.spillway.perf.eval;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import io.spillway.client.KvClient;
import io.spillway.key.BlockKey;
import io.spillway.key.Namespace;
import io.spillway.key.RequestExtras;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.LongAdder;

/**
 * A simulated vLLM pod serving real requests: the OpenAI API ({@code /v1/completions} and {@code
 * /v1/chat/completions}, streamed as server-sent events when asked), {@code /tokenize} (a prompt or chat messages),
 * {@code /v1/models}, {@code /health}, and {@code /metrics} with vLLM's {@code vllm:*} gauges and counters, over one
 * {@link SimPod} in wall-clock time. A request becomes tokens as its {@link PromptReader} says (the simulator's
 * EnginePrompts: the router's approximate tokenizer, a token per 4 characters, so the router's keys and the pod's
 * agree, or a model's files, its tokenizer and chat template, as vLLM); its blocks are keyed by kv-client with its
 * extras (an adapter, a salt).
 * The reply's text is one made-up word a generated token.
 */
public final class EngineServer implements AutoCloseable {
    private static final ObjectMapper JSON = new ObjectMapper();
    /** OpenAI's default {@code max_tokens} for completions. */
    static final int DEFAULT_MAX_TOKENS = 16;
    private static final long REPLY_TIMEOUT_SECONDS = 300;

    private final String model;
    private final EngineParams params;
    private final WallClock clock;
    private final SimPod pod;
    private final LiveBlocks blocks;
    private final PromptReader prompts;
    private final HttpServer http;
    private final EngineEvents events;
    private final KvClusterTiers tiers;
    private final ExecutorService handlers;
    private final AtomicInteger requests = new AtomicInteger();
    private long promptTokens;
    private final LongAdder cpuHitTokens = new LongAdder();
    private final LongAdder nvmeHitTokens = new LongAdder();
    private long generationTokens;

    /** Where a pod's KV connector reaches the Spillway cluster: a client, the model's namespace key, block bytes. */
    public record ClusterAccess(KvClient client, BlockKey namespace,
                                int blockBytes) {
    }

    /** The namespace a pod serving {@code model} keys its blocks under, unless told another. */
    public static Namespace namespaceOf(String model) {
        return Namespace.builder().tenant("eval").modelId(model).layers(32).kvHeads(8).headDim(128).build();
    }

    /**
     * Serves {@code namespace}'s model on {@code host:port} (0: any free port) with a pod sized and priced by {@code
     * params}, keying blocks under {@code namespace} (with a cluster, what the pod writes is found by whoever keys the
     * same tokens under the same namespace, a router included); publishes the pod's KV events on {@code
     * host:eventsPort} (0: any free port; -1: none), topic {@code kv@<host>:<port>@<model>}, the pod id a router knows
     * it by; with the Spillway cluster behind the pod ({@code cluster}, or null for none), blocks after the GPU's hits
     * are looked up and loaded from it, evicted blocks written to it; requests become tokens as {@code prompts} says
     * (which the caller closes).
     */
    public EngineServer(String host, int port, int eventsPort, Namespace namespace, EngineParams params,
                        ClusterAccess cluster, PromptReader prompts) throws IOException {
        this.prompts = prompts;
        this.model = namespace.modelId();
        this.params = params;
        this.clock = new WallClock("engine-" + port);
        this.blocks = new LiveBlocks(namespace);
        this.handlers = Executors.newCachedThreadPool(r -> {
            Thread t = new Thread(r, "engine-http");
            t.setDaemon(true);
            return t;
        });
        this.http = HttpServer.create(new InetSocketAddress(host, port), 256);
        this.events = eventsPort < 0 ? null : new EngineEvents(host, eventsPort, host + ":" + port(), this.model,
            blocks, clock);
        SimPod.Listener counts = new SimPod.Listener() {
            @Override
            public void firstToken(SimPod.Seq seq, long now) {
            }

            @Override
            public void finished(SimPod.Seq seq, long now) {
                promptTokens += seq.request.inputTokens();
                generationTokens += seq.request.outputTokens();
                cpuHitTokens.add(seq.cpuHitTokens);
                nvmeHitTokens.add(seq.nvmeHitTokens);
            }
        };
        this.tiers = cluster == null ? null : new KvClusterTiers(cluster.client(), cluster.namespace(), blocks,
            params.costs(), cluster.blockBytes(), clock);
        this.pod = new SimPod(0, params, tiers, events == null ? BlockEvents.NONE : events, clock, counts);
        http.setExecutor(handlers);
        http.createContext("/", this::handle);
        http.start();
    }

    /** Prompt tokens of finished requests loaded from the cluster's CPU tier instead of prefilled. */
    public long clusterCpuHitTokens() {
        return cpuHitTokens.sum();
    }

    /** The same from its NVMe tier. */
    public long clusterNvmeHitTokens() {
        return nvmeHitTokens.sum();
    }

    /** Cluster lookups, reads and block writes that failed (each answered as a miss, or the block not kept). */
    public long clusterFailures() {
        return tiers == null ? 0 : tiers.failures();
    }

    /** {@link #clusterFailures()} by reason: an error code or exception, with the blocks or calls it cost. */
    public Map<String, Long> clusterFailureReasons() {
        Map<String, Long> reasons = new TreeMap<>();
        if (tiers != null) {
            tiers.failureReasons.forEach((reason, n) -> reasons.put(reason, n.sum()));
        }
        return reasons;
    }

    /** The port KV events are published on, or -1. */
    public int eventsPort() {
        return events == null ? -1 : events.port();
    }

    public int port() {
        return http.getAddress().getPort();
    }

    private void handle(HttpExchange ex) throws IOException {
        try (ex) {
            String path = ex.getRequestURI().getPath();
            String method = ex.getRequestMethod();
            switch (path) {
                case "/health" -> reply(ex, 200, "text/plain", "");
                case "/metrics" -> reply(ex, 200, "text/plain; version=0.0.4", metrics());
                case "/v1/models" -> reply(ex, 200, "application/json", JSON.writeValueAsString(JSON.createObjectNode()
                    .put("object", "list").set("data", JSON.createArrayNode().add(JSON.createObjectNode()
                        .put("id", model).put("object", "model").put("max_model_len", maxModelLen())))));
                case "/v1/completions", "/v1/chat/completions", "/tokenize" -> {
                    if (!method.equals("POST")) {
                        error(ex, 405, "use POST for " + path);
                        return;
                    }
                    byte[] body = ex.getRequestBody().readAllBytes();
                    try {
                        Prompt prompt = prompt(body);
                        if (path.equals("/tokenize")) {
                            ArrayNode ids = JSON.createArrayNode();
                            for (int t : prompt.tokens) {
                                ids.add(t);
                            }
                            reply(ex, 200, "application/json", JSON.writeValueAsString(JSON.createObjectNode()
                                .put("count", prompt.tokens.length).put("max_model_len", maxModelLen())
                                .set("tokens", ids)));
                        } else {
                            complete(ex, prompt, path.equals("/v1/chat/completions"));
                        }
                    } catch (IllegalArgumentException e) {
                        error(ex, 400, e.getMessage());
                    }
                }
                default -> error(ex, 404, "no route " + method + " " + path);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    /**
     * A prompt's tokens, its blocks' extras, how many to generate, whether to stream, and whether the stream ends with
     * the usage.
     */
    private record Prompt(int[] tokens, RequestExtras extras, int maxTokens, boolean stream,
                          boolean usage) {
    }

    private Prompt prompt(byte[] body) {
        JsonNode root;
        try {
            root = JSON.readTree(body);
        } catch (IOException e) {
            throw new IllegalArgumentException("request body is not JSON: " + e.getMessage());
        }
        if (root == null || !root.isObject()) {
            throw new IllegalArgumentException("request body must be a JSON object");
        }
        PromptReader.Prompt prompt = prompts.of(root);
        int[] tokens = prompt.tokens();
        if (tokens.length == 0) {
            throw new IllegalArgumentException("the prompt is empty");
        }
        if (tokens.length > maxModelLen()) {
            throw new IllegalArgumentException("the prompt's " + tokens.length + " tokens exceed max_model_len "
                + maxModelLen());
        }
        JsonNode max = root.has("max_completion_tokens") ? root.get("max_completion_tokens") : root.get("max_tokens");
        int maxTokens = max == null || max.isNull() ? DEFAULT_MAX_TOKENS : max.asInt(-1);
        if (maxTokens < 1) {
            throw new IllegalArgumentException("max_tokens must be a positive int, got " + max);
        }
        return new Prompt(tokens, prompt.extras(), maxTokens, root.path("stream").asBoolean(false),
            root.path("stream_options").path("include_usage").asBoolean(false));
    }

    /** Runs the request on the pod; streams its tokens or answers once it is done. */
    private void complete(HttpExchange ex, Prompt prompt, boolean chat) throws IOException, InterruptedException {
        String id = (chat ? "chatcmpl-" : "cmpl-") + requests.incrementAndGet();
        BlockingQueue<Integer> tokens = new LinkedBlockingQueue<>();
        int[] ids = blocks.blocksOf(prompt.tokens, prompt.extras);
        SimPod.TokenSink sink = (generated, last, now) -> tokens.add(last ? -generated : generated);
        SimPod.Seq seq = new SimPod.Seq(new SimRequest(clock.now(), prompt.tokens.length, prompt.maxTokens, ids), 0,
            sink);
        clock.execute(now -> pod.submit(seq, now));
        ex.getResponseHeaders().set("content-type", prompt.stream ? "text/event-stream" : "application/json");
        if (prompt.stream) {
            ex.sendResponseHeaders(200, 0);
            OutputStream out = ex.getResponseBody();
            for (boolean last = false; !last; ) {
                Integer n = tokens.poll(REPLY_TIMEOUT_SECONDS, TimeUnit.SECONDS);
                if (n == null) {
                    return; // the pod never answered: end the stream without [DONE]
                }
                last = n < 0;
                ObjectNode chunk = chunk(id, chat, word(Math.abs(n)), last ? "length" : null);
                out.write(("data: " + JSON.writeValueAsString(chunk) + "\n\n").getBytes(StandardCharsets.UTF_8));
                out.flush();
            }
            if (prompt.usage) { // vLLM's stream_options.include_usage: a last chunk with no choices
                ObjectNode usage = JSON.createObjectNode().put("id", id).put("object", chat ? "chat.completion.chunk"
                    : "text_completion").put("model", model);
                usage.set("choices", JSON.createArrayNode());
                usage.set("usage", usage(prompt, seq));
                out.write(("data: " + JSON.writeValueAsString(usage) + "\n\n").getBytes(StandardCharsets.UTF_8));
            }
            out.write("data: [DONE]\n\n".getBytes(StandardCharsets.UTF_8));
            out.flush();
            return;
        }
        StringBuilder text = new StringBuilder();
        for (boolean last = false; !last; ) {
            Integer n = tokens.poll(REPLY_TIMEOUT_SECONDS, TimeUnit.SECONDS);
            if (n == null) {
                error(ex, 504, "the simulated engine gave no token in " + REPLY_TIMEOUT_SECONDS + " s");
                return;
            }
            last = n < 0;
            text.append(word(Math.abs(n)));
        }
        ObjectNode choice = JSON.createObjectNode().put("index", 0).put("finish_reason", "length");
        if (chat) {
            choice.set("message", JSON.createObjectNode().put("role", "assistant").put("content", text.toString()));
        } else {
            choice.put("text", text.toString());
        }
        ObjectNode root = JSON.createObjectNode().put("id", id).put("object", chat ? "chat.completion"
            : "text_completion").put("created", System.currentTimeMillis() / 1000).put("model", model);
        root.set("choices", JSON.createArrayNode().add(choice));
        root.set("usage", usage(prompt, seq));
        reply(ex, 200, "application/json", JSON.writeValueAsString(root));
    }

    /** Token counts, with the prompt tokens the pod did not prefill (its cache hits) as vLLM reports them. */
    private static ObjectNode usage(Prompt prompt, SimPod.Seq seq) {
        ObjectNode usage = JSON.createObjectNode().put("prompt_tokens", prompt.tokens.length)
            .put("completion_tokens", prompt.maxTokens).put("total_tokens", prompt.tokens.length + prompt.maxTokens);
        usage.set("prompt_tokens_details", JSON.createObjectNode().put("cached_tokens", seq.gpuHitTokens
            + seq.cpuHitTokens + seq.nvmeHitTokens));
        return usage;
    }

    private ObjectNode chunk(String id, boolean chat, String text, String finish) {
        ObjectNode choice = JSON.createObjectNode().put("index", 0);
        if (chat) {
            choice.set("delta", JSON.createObjectNode().put("content", text));
        } else {
            choice.put("text", text);
        }
        choice.put("finish_reason", finish);
        ObjectNode root = JSON.createObjectNode().put("id", id).put("object", chat ? "chat.completion.chunk"
            : "text_completion").put("created", System.currentTimeMillis() / 1000).put("model", model);
        root.set("choices", JSON.createArrayNode().add(choice));
        return root;
    }

    private static String word(int n) {
        return " w" + n;
    }

    private int maxModelLen() {
        return params.gpuBlocks() * BlockSpace.TOKENS_PER_BLOCK;
    }

    /** vLLM's metrics as the pod stands, read on the pod's own thread. */
    private String metrics() throws InterruptedException {
        CompletableFuture<String> text = new CompletableFuture<>();
        clock.execute(now -> {
            String labels = "{model_name=\"" + model + "\"}";
            StringBuilder s = new StringBuilder();
            gauge(s, "vllm:num_requests_waiting", labels, pod.waiting());
            gauge(s, "vllm:num_requests_running", labels, pod.running());
            gauge(s, "vllm:kv_cache_usage_perc", labels, pod.kvUsage());
            s.append("# TYPE vllm:cache_config_info gauge\n").append("vllm:cache_config_info{block_size=\"")
                .append(BlockSpace.TOKENS_PER_BLOCK).append("\",enable_prefix_caching=\"True\",num_gpu_blocks=\"")
                .append(params.gpuBlocks()).append("\"} 1.0\n");
            counter(s, "vllm:prefix_cache_queries_total", labels, pod.queriedTokens());
            counter(s, "vllm:prefix_cache_hits_total", labels, pod.gpuHitTokens());
            counter(s, "vllm:prompt_tokens_total", labels, promptTokens);
            counter(s, "vllm:generation_tokens_total", labels, generationTokens);
            text.complete(s.toString());
        });
        try {
            return text.get(10, TimeUnit.SECONDS);
        } catch (ExecutionException | TimeoutException e) {
            throw new IllegalStateException("the pod did not report its metrics: " + e, e);
        }
    }

    private static void gauge(StringBuilder s, String name, String labels, double value) {
        s.append("# TYPE ").append(name).append(" gauge\n").append(name).append(labels).append(' ')
            .append(String.format(Locale.ROOT, "%s", value)).append('\n');
    }

    private static void counter(StringBuilder s, String name, String labels, long value) {
        s.append("# TYPE ").append(name).append(" counter\n").append(name).append(labels).append(' ')
            .append(value).append(".0\n");
    }

    private static void error(HttpExchange ex, int code, String message) throws IOException {
        ObjectNode root = JSON.createObjectNode();
        root.set("error", JSON.createObjectNode().put("message", message).put("type", code == 404 ? "not_found"
            : "invalid_request_error").put("code", code));
        reply(ex, code, "application/json", JSON.writeValueAsString(root));
    }

    private static void reply(HttpExchange ex, int code, String type, String body) throws IOException {
        byte[] bytes = body.getBytes(StandardCharsets.UTF_8);
        ex.getResponseHeaders().set("content-type", type);
        ex.sendResponseHeaders(code, bytes.length == 0 ? -1 : bytes.length);
        if (bytes.length > 0) {
            ex.getResponseBody().write(bytes);
        }
    }

    @Override
    public void close() {
        http.stop(0);
        handlers.shutdownNow();
        clock.close();
        if (events != null) {
            events.close();
        }
    }
}
