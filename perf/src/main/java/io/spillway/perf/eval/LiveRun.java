package io.spillway.perf.eval;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.spillway.placement.index.BlockLocationIndex;
import io.spillway.placement.routing.Pod;
import io.spillway.placement.routing.PodRole;
import io.spillway.router.discovery.PodEndpoint;
import io.spillway.router.load.InFlight;
import io.spillway.router.load.LoadScraper;
import io.spillway.router.load.PodViews;
import io.spillway.router.vllm.VllmEventSubscriber;
import io.spillway.router.vllm.VllmPodEndpoint;
import java.io.BufferedReader;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.IntConsumer;
import org.agrona.concurrent.AgentRunner;

/**
 * One policy over one workload live: simulated pods serving HTTP on 127.0.0.1 and publishing their KV events on
 * ZMQ, the router's own event subscriber and metrics scraper feeding the policy, and requests sent in wall-clock
 * time as streams of token ids. The policy's decisions are {@link SimRouter}'s, as in {@link VirtualRun}: what
 * differs is the clock, the sockets, and that the pods' state reaches the router as it would in a cluster (events and
 * scrapes, late by their latency). For {@link Policy#SPILLWAY} a real Spillway node runs in the JVM: the pods load
 * and offload through kv-client (block bytes scaled down), and the node's block-location feed reaches the index.
 */
public final class LiveRun {
    private static final ObjectMapper JSON = new ObjectMapper();

    private final Workload workload;
    private final Policy policy;
    private final String load;
    private final int podCount;
    private final EngineParams params;
    private final long seed;

    /** Bytes of a block in live runs' cluster: 2 MiB scaled down 256 times. */
    public static final int BLOCK_BYTES = 8 << 10;

    private final int clusterCpuBlocks;
    private final int clusterNvmeBlocks;

    public LiveRun(Workload workload, Policy policy, String load, int podCount, EngineParams params, long seed) {
        this(workload, policy, load, podCount, params, 0, 0, seed);
    }

    /** With the cluster's tiers sized for {@link Policy#SPILLWAY} (blocks of {@link #BLOCK_BYTES}). */
    public LiveRun(Workload workload, Policy policy, String load, int podCount, EngineParams params,
                   int clusterCpuBlocks, int clusterNvmeBlocks, long seed) {
        if (policy == Policy.SPILLWAY && (clusterCpuBlocks < 1 || clusterNvmeBlocks < 1)) {
            throw new IllegalArgumentException("spillway runs live with a cluster: give its tiers' blocks, got "
                + clusterCpuBlocks + " and " + clusterNvmeBlocks);
        }
        this.clusterCpuBlocks = clusterCpuBlocks;
        this.clusterNvmeBlocks = clusterNvmeBlocks;
        this.workload = workload;
        this.policy = policy;
        this.load = load;
        this.podCount = podCount;
        this.params = params;
        this.seed = seed;
    }

    public RunResult run() throws Exception {
        String model = Workloads.NAMESPACE.modelId();
        List<EngineServer> engines = new ArrayList<>();
        BlockLocationIndex index = new BlockLocationIndex((long) podCount * params.gpuBlocks() * 2 + 1);
        ExecutorService streams = Executors.newCachedThreadPool(r -> {
            Thread t = new Thread(r, "live-request");
            t.setDaemon(true);
            return t;
        });
        AgentRunner events = null;
        LoadScraper loads = null;
        io.spillway.perf.RunDir dir = null;
        io.spillway.server.SpillwayServer node = null;
        io.spillway.client.KvClient client = null;
        io.spillway.router.feed.ClusterFeed feed = null;
        try {
            EngineServer.ClusterAccess cluster = null;
            if (policy == Policy.SPILLWAY) {
                dir = io.spillway.perf.RunDir.create("spillway-live-");
                node = io.spillway.server.SpillwayServer.start(io.spillway.server.ServerContext.builder()
                    .bind("127.0.0.1").dataPort(0).controlPort(0).httpPort(0).events("port", "0")
                    .dataDir(dir.path().resolve("node")).nodeId("live-node")
                    .cpuCapacityBytes((long) clusterCpuBlocks * BLOCK_BYTES)
                    .nvmeCapacityBytes((long) clusterNvmeBlocks * BLOCK_BYTES).build());
                client = io.spillway.client.KvClient.connect(io.spillway.client.ClientContext.builder()
                    .server("127.0.0.1", node.dataPort()).controlPort(node.controlPort()).connections(2).build());
                cluster = new EngineServer.ClusterAccess(client, client.registerNamespace(Workloads.NAMESPACE)
                    .get(10, TimeUnit.SECONDS), BLOCK_BYTES);
                feed = io.spillway.router.feed.ClusterFeed.start(io.spillway.event.feed.FeedSubscriberContext.builder()
                    .node(node.feed().localAddresses().get(0)).media(io.spillway.event.aeron.FeedMedia.Settings
                        .defaults(dir.path().resolve("feed").toString())).build(), index);
            }
            List<PodEndpoint> endpoints = new ArrayList<>();
            VllmEventSubscriber.Builder subscriber = VllmEventSubscriber.builder().index(index)
                .namespace(model, Workloads.NAMESPACE).pollTimeout(Duration.ofMillis(1));
            for (int p = 0; p < podCount; p++) {
                EngineServer engine = new EngineServer("127.0.0.1", 0, 0, model, params, cluster);
                engines.add(engine);
                endpoints.add(new PodEndpoint("pod-" + p, "127.0.0.1", engine.port(), PodRole.BOTH, true));
                subscriber.pod(new VllmPodEndpoint("127.0.0.1:" + engine.port(), "tcp://127.0.0.1:"
                    + engine.eventsPort(), null, null));
            }
            events = VllmEventSubscriber.startOnThread(subscriber.build(), Throwable::printStackTrace);
            List<String> addresses = endpoints.stream().map(PodEndpoint::address).toList();
            loads = new LoadScraper(() -> addresses, LoadScraper.DEFAULT_INTERVAL, Duration.ofSeconds(1));
            Thread.sleep(300); // the subscriptions and the first scrapes
            RunResult result = replay(endpoints, loads, index, streams);
            if (Boolean.getBoolean("live.debug")) {
                System.err.printf("offloads %d failures %d%n", engines.stream().mapToLong(
                    EngineServer::clusterOffloads).sum(), engines.stream().mapToLong(EngineServer::clusterFailures)
                    .sum());
            }
            long cpu = engines.stream().mapToLong(EngineServer::clusterCpuHitTokens).sum();
            long nvme = engines.stream().mapToLong(EngineServer::clusterNvmeHitTokens).sum();
            return new RunResult(result.policy(), result.load(), result.requests(), result.inputTokens(),
                result.gpuHitTokens() - cpu - nvme, cpu, nvme, result.ttftMeanMillis(),
                result.ttftP50Millis(), result.ttftP90Millis(), result.ttftP99Millis(),
                result.outputTokensPerSecond(), result.meanQueue(), result.spanSeconds());
        } finally {
            streams.shutdownNow();
            if (loads != null) {
                loads.close();
            }
            if (events != null) {
                events.close();
            }
            engines.forEach(EngineServer::close);
            for (AutoCloseable c : new AutoCloseable[] {feed, client, node, dir}) {
                if (c != null) {
                    c.close();
                }
            }
        }
    }

    private RunResult replay(List<PodEndpoint> endpoints, LoadScraper loads, BlockLocationIndex index,
                             ExecutorService streams) throws Exception {
        SimRouter router = SimRouter.of(policy, workload.space(), index, podCount, params.costs(), seed);
        InFlight inFlight = new InFlight();
        HttpClient http = HttpClient.newBuilder().executor(streams).build();
        List<SimRequest> requests = workload.requests();
        long[] ttft = new long[requests.size()];
        long[] cached = new long[requests.size()];
        AtomicLong outputTokens = new AtomicLong();
        AtomicLong lastFinish = new AtomicLong();
        double queueSum = 0;
        List<java.util.concurrent.Future<?>> sent = new ArrayList<>();
        long start = System.nanoTime();
        for (int r = 0; r < requests.size(); r++) {
            SimRequest request = requests.get(r);
            long wait = start + request.arrivalNanos() - System.nanoTime();
            if (wait > 0) {
                TimeUnit.NANOSECONDS.sleep(wait);
            }
            List<Pod> views = PodViews.of(endpoints, loads, inFlight);
            int waiting = 0;
            for (Pod v : views) {
                waiting += v.waiting();
            }
            queueSum += waiting / (double) views.size();
            int pod = router.route(request, views);
            String address = endpoints.get(pod).address();
            inFlight.started(address);
            int at = r;
            long arrived = System.nanoTime();
            int[] tokens = workload.space().tokensOf(request, seed + r);
            sent.add(streams.submit(() -> {
                try {
                    stream(http, address, tokens, request.outputTokens(), first -> ttft[at] = first - arrived,
                        c -> cached[at] = c);
                    outputTokens.addAndGet(request.outputTokens());
                    lastFinish.accumulateAndGet(System.nanoTime() - start, Math::max);
                } finally {
                    inFlight.finished(address);
                }
                return null;
            }));
        }
        for (java.util.concurrent.Future<?> f : sent) {
            f.get(10, TimeUnit.MINUTES);
        }
        long hits = Arrays.stream(cached).sum();
        long[] sorted = ttft.clone();
        Arrays.sort(sorted);
        double span = Math.max(1, lastFinish.get() - (requests.isEmpty() ? 0 : requests.get(0).arrivalNanos())) / 1e9;
        return new RunResult(policy, load, requests.size(), workload.inputTokens(), hits, 0, 0,
            Arrays.stream(sorted).average().orElse(0) / 1e6, VirtualRun.percentile(sorted, 0.5),
            VirtualRun.percentile(sorted, 0.9), VirtualRun.percentile(sorted, 0.99), outputTokens.get() / span,
            requests.isEmpty() ? 0 : queueSum / requests.size(), span);
    }

    /** Sends one streamed completion of token ids; tells when its first token came and how many tokens were cached. */
    private static void stream(HttpClient http, String address, int[] tokens, int maxTokens,
                               java.util.function.LongConsumer firstToken, IntConsumer cachedTokens) throws Exception {
        StringBuilder body = new StringBuilder(tokens.length * 7 + 128).append("{\"prompt\":[");
        for (int i = 0; i < tokens.length; i++) {
            body.append(i == 0 ? "" : ",").append(tokens[i]);
        }
        body.append("],\"max_tokens\":").append(maxTokens)
            .append(",\"stream\":true,\"stream_options\":{\"include_usage\":true}}");
        HttpResponse<InputStream> response = http.send(HttpRequest.newBuilder(URI.create("http://" + address
            + "/v1/completions")).POST(HttpRequest.BodyPublishers.ofString(body.toString())).build(),
            HttpResponse.BodyHandlers.ofInputStream());
        if (response.statusCode() != 200) {
            throw new IllegalStateException(address + " answered " + response.statusCode() + ": "
                + new String(response.body().readAllBytes(), StandardCharsets.UTF_8));
        }
        boolean first = true;
        try (BufferedReader in = new BufferedReader(new InputStreamReader(response.body(), StandardCharsets.UTF_8))) {
            for (String line; (line = in.readLine()) != null; ) {
                if (!line.startsWith("data: ") || line.equals("data: [DONE]")) {
                    continue;
                }
                if (first) {
                    firstToken.accept(System.nanoTime());
                    first = false;
                }
                JsonNode usage = JSON.readTree(line.substring(6)).get("usage");
                if (usage != null) {
                    cachedTokens.accept(usage.path("prompt_tokens_details").path("cached_tokens").asInt());
                }
            }
        }
    }
}
