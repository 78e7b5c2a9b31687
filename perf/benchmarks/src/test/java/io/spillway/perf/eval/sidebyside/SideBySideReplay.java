package io.spillway.perf.eval.sidebyside;

import io.grpc.ManagedChannel;
import io.grpc.netty.shaded.io.grpc.netty.NettyChannelBuilder;
import io.spillway.perf.launch.FreePorts;
import io.spillway.router.extproc.FakeEnvoy;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;

/**
 * Drives one router as Envoy would, over llm-d-inference-sim pods started fresh for it: each request goes to the
 * router by ext_proc through {@link FakeEnvoy} (full duplex, as Envoy 1.34+ with GIE's filter configuration, the
 * response path not sent through the processor), then to the pod in {@code x-gateway-destination-endpoint}, streamed;
 * its time to first token is taken at the client when the first chunk arrives, from the start of the ext_proc
 * exchange. Arrivals follow the requests' times. Hits are the pods' own counters, read before and after the replay.
 *
 * <p>Before the replay, each pod gets one probe prompt straight (both routers alike); a router that takes KV events
 * is waited on until it has seen each probe's blocks, so the replay starts with its event path live. Seeds (optional)
 * are prompts sent straight to a pod, as if another router had sent them there: only a pod's KV events tell a router
 * of them; a router that takes events is waited on until it has seen their blocks.
 */
final class SideBySideReplay {
    /**
     * Envoy's ext_proc message timeout as set here: long, so that a slow decision on a loaded machine counts in the
     * router's TTFT instead of failing the request; both routers get the same.
     */
    private static final long MESSAGE_TIMEOUT_MS = 30_000;
    private static final System.Logger LOG = System.getLogger(SideBySideReplay.class.getName());
    private final Path simBinary;
    private final SimSettings sims;
    private final int podCount;
    private final int maxTokens;
    private final Path logs;
    private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();

    /** A prompt sent straight to pod {@code pod} (an index) before the replay. */
    record Seed(int pod, String prompt) {
    }

    SideBySideReplay(Path simBinary, SimSettings sims, int podCount, int maxTokens, Path logs) {
        if (podCount < 1 || podCount > 8) {
            throw new IllegalArgumentException("pods " + podCount + ": 1 to 8 (GIE's endpoint target ports)");
        }
        if (maxTokens < 1) {
            throw new IllegalArgumentException("maxTokens " + maxTokens + " < 1");
        }
        this.simBinary = simBinary;
        this.sims = sims;
        this.podCount = podCount;
        this.maxTokens = maxTokens;
        this.logs = logs;
    }

    ReplayResult run(ComparedRouter.Factory factory, List<Seed> seeds, List<TracePrompts.Request> requests)
        throws Exception {
        int[] ports = FreePorts.pick(podCount + 4);
        int eventsPort = ports[podCount];
        List<String> pods = new ArrayList<>();
        for (int i = 0; i < podCount; i++) {
            pods.add("127.0.0.1:" + ports[i]);
        }
        Path dir = Files.createDirectories(logs.resolve(factory.name().replaceAll("[^A-Za-z0-9-]+", "_")));
        try (ComparedRouter router = factory.start(pods, eventsPort, Arrays.copyOfRange(ports, podCount + 1,
                podCount + 4), sims.model());
             SimPods simPods = new SimPods(simBinary, sims, Arrays.copyOf(ports, podCount), eventsPort, dir)) {
            ManagedChannel channel = NettyChannelBuilder.forAddress("127.0.0.1", router.extProcPort()).usePlaintext()
                .build();
            try {
                for (int i = 0; i < podCount; i++) {
                    probe(router, pods.get(i), i);
                }
                long seen = router.eventBlocksSeen();
                long seededBlocks = 0;
                for (Seed s : seeds) {
                    complete(pods.get(s.pod()), s.prompt(), false);
                    seededBlocks += s.prompt().split(" ").length / SimSettings.BLOCK;
                }
                if (seen >= 0) {
                    awaitEventBlocks(router, seen + seededBlocks, Duration.ofSeconds(20));
                }
                double hits0 = simPods.total("vllm:prefix_cache_hits");
                double queries0 = simPods.total("vllm:prefix_cache_queries");
                double served0 = simPods.total("vllm:request_success_total");
                List<Outcome> outcomes = replay(channel, requests);
                double served = simPods.total("vllm:request_success_total") - served0;
                long hits = Math.round(simPods.total("vllm:prefix_cache_hits") - hits0);
                long queries = Math.round(simPods.total("vllm:prefix_cache_queries") - queries0);
                return summarize(factory.name(), requests.size(), (int) Math.round(served), hits, queries, outcomes,
                    pods);
            } finally {
                channel.shutdownNow();
                channel.awaitTermination(5, TimeUnit.SECONDS);
            }
        }
    }

    /** One request's fate: the pod chosen (null when none), TTFT and decision time (ns), or why it failed. */
    record Outcome(String pod, long ttftNanos, long decideNanos, String failure) {
    }

    private List<Outcome> replay(ManagedChannel channel, List<TracePrompts.Request> requests) throws Exception {
        ExecutorService pool = Executors.newCachedThreadPool(r -> {
            Thread t = new Thread(r, "side-by-side-request");
            t.setDaemon(true);
            return t;
        });
        try {
            List<Future<Outcome>> futures = new ArrayList<>();
            long start = System.nanoTime();
            for (TracePrompts.Request r : requests) {
                long wait = start + TimeUnit.MILLISECONDS.toNanos(r.atMillis()) - System.nanoTime();
                if (wait > 0) {
                    TimeUnit.NANOSECONDS.sleep(wait); // the arrival schedule, not a wait for a condition
                }
                futures.add(pool.submit(() -> send(channel, r)));
            }
            List<Outcome> out = new ArrayList<>();
            for (Future<Outcome> f : futures) {
                out.add(f.get(5, TimeUnit.MINUTES));
            }
            return out;
        } finally {
            pool.shutdownNow();
        }
    }

    private Outcome send(ManagedChannel channel, TracePrompts.Request r) {
        String body = completion(r.prompt(), true);
        long t0 = System.nanoTime();
        try {
            FakeEnvoy.Result e = new FakeEnvoy(channel, FakeEnvoy.Mode.FULL_DUPLEX, true)
                .messageTimeoutMs(MESSAGE_TIMEOUT_MS).send(Map.of(":method", "POST",
                ":path", "/v1/completions", ":authority", "gateway", "content-type", "application/json"),
                body.getBytes(StandardCharsets.UTF_8), 1, false, null, null, null);
            long decided = System.nanoTime();
            if (!e.violations.isEmpty() || e.immediateStatus != 0 || e.destination() == null) {
                return new Outcome(null, 0, 0, "ext_proc: violations " + e.violations + ", immediate "
                    + e.immediateStatus + " " + e.immediateBody + ", destination " + e.destination());
            }
            String pod = e.destination().split(",")[0];
            HttpResponse<InputStream> resp = http.send(HttpRequest.newBuilder(URI.create("http://" + pod
                + "/v1/completions")).timeout(Duration.ofSeconds(120)).header("content-type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofByteArray(e.upstreamBody)).build(),
                HttpResponse.BodyHandlers.ofInputStream());
            try (BufferedReader in = new BufferedReader(new InputStreamReader(resp.body(), StandardCharsets.UTF_8))) {
                if (resp.statusCode() != 200) {
                    return new Outcome(pod, 0, 0, "pod " + pod + " answered " + resp.statusCode() + ": "
                        + in.readLine());
                }
                long first = 0;
                String line;
                while ((line = in.readLine()) != null) {
                    if (first == 0 && line.startsWith("data:") && !line.contains("[DONE]")) {
                        first = System.nanoTime();
                    }
                }
                if (first == 0) {
                    return new Outcome(pod, 0, 0, "pod " + pod + " streamed no chunk");
                }
                return new Outcome(pod, first - t0, decided - t0, null);
            }
        } catch (IOException | RuntimeException ex) {
            return new Outcome(null, 0, 0, ex.toString());
        } catch (InterruptedException ex) {
            Thread.currentThread().interrupt();
            return new Outcome(null, 0, 0, "interrupted");
        }
    }

    private ReplayResult summarize(String name, int requests, int served, long hits, long queries,
                                   List<Outcome> outcomes, List<String> pods) {
        List<Long> ttft = new ArrayList<>();
        List<Long> decide = new ArrayList<>();
        Map<String, Integer> perPod = new TreeMap<>();
        pods.forEach(p -> perPod.put(p, 0));
        List<String> failures = new ArrayList<>();
        for (Outcome o : outcomes) {
            if (o.failure() != null) {
                failures.add(o.failure());
                continue;
            }
            ttft.add(o.ttftNanos());
            decide.add(o.decideNanos());
            perPod.merge(o.pod(), 1, Integer::sum);
        }
        if (!failures.isEmpty()) {
            LOG.log(System.Logger.Level.WARNING, "{0}: {1} of {2} requests failed, first: {3}", name,
                failures.size(), requests, failures.get(0));
        }
        return new ReplayResult(name, requests, served, hits, queries, percentileMs(ttft, 0.5),
            percentileMs(ttft, 0.9), percentileMs(decide, 0.5), perPod, failures);
    }

    /** The nearest-rank percentile, in ms (0 for none). */
    static double percentileMs(List<Long> nanos, double q) {
        if (nanos.isEmpty()) {
            return 0;
        }
        List<Long> sorted = new ArrayList<>(nanos);
        Collections.sort(sorted);
        int rank = (int) Math.ceil(q * sorted.size());
        return sorted.get(Math.max(0, rank - 1)) / 1e6;
    }

    /** A probe prompt straight to pod {@code i}; for a router that takes events, until it has seen its blocks. */
    private void probe(ComparedRouter router, String pod, int i) throws Exception {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
        for (int attempt = 0; ; attempt++) {
            long seen = router.eventBlocksSeen();
            StringBuilder text = new StringBuilder();
            TracePrompts.appendWords(text, -1_000_000L - 1_000L * i - attempt, 2 * SimSettings.BLOCK);
            complete(pod, text.toString().strip(), false);
            if (seen < 0) {
                return;
            }
            long until = System.nanoTime() + TimeUnit.SECONDS.toNanos(1);
            while (System.nanoTime() < until) {
                if (router.eventBlocksSeen() > seen) {
                    return;
                }
                Thread.sleep(20);
            }
            if (System.nanoTime() > deadline) {
                throw new IllegalStateException(router.name() + " saw no KV events from " + pod + " within 20 s");
            }
        }
    }

    private void awaitEventBlocks(ComparedRouter router, long blocks, Duration limit) throws Exception {
        long deadline = System.nanoTime() + limit.toNanos();
        while (router.eventBlocksSeen() < blocks) {
            if (System.nanoTime() > deadline) {
                throw new IllegalStateException(router.name() + " saw " + router.eventBlocksSeen()
                    + " stored blocks, not the " + blocks + " seeded, within " + limit);
            }
            Thread.sleep(20);
        }
    }

    private String completion(String prompt, boolean stream) {
        return "{\"model\":\"" + sims.model() + "\",\"prompt\":\"" + prompt + "\",\"max_tokens\":" + maxTokens
            + (stream ? ",\"stream\":true" : "") + "}";
    }

    private void complete(String pod, String prompt, boolean stream) throws IOException, InterruptedException {
        HttpResponse<String> r = http.send(HttpRequest.newBuilder(URI.create("http://" + pod + "/v1/completions"))
            .timeout(Duration.ofSeconds(60)).header("content-type", "application/json")
            .POST(HttpRequest.BodyPublishers.ofString(completion(prompt, stream))).build(),
            HttpResponse.BodyHandlers.ofString());
        if (r.statusCode() != 200) {
            throw new IllegalStateException("pod " + pod + " answered " + r.statusCode() + ": " + r.body());
        }
    }
}
