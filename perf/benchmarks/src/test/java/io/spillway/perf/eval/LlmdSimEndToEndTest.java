package io.spillway.perf.eval;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.grpc.ManagedChannel;
import io.grpc.netty.shaded.io.grpc.netty.NettyChannelBuilder;
import io.spillway.key.Namespace;
import io.spillway.perf.launch.FreePorts;
import io.spillway.placement.routing.RoutingConfig;
import io.spillway.router.extproc.FakeEnvoy;
import io.spillway.router.service.Router;
import io.spillway.router.service.RouterContext;
import java.io.File;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * llm-d's own vLLM simulator (llm-d-inference-sim v0.10.2, built by bin/llm-d-sim through the Go module proxy) as
 * the router's pods: three sims on 127.0.0.1 with KV events on, the router in-process with them as static pods,
 * their KV events, the engine tokenizer (the sims' own /tokenize, so that the router's tokens are the ones the sims
 * put in their events) and precise routing (the prefix scorer over the KV-event index, speculative entries off, so
 * that every hit the router finds came from a sim's events).
 *
 * <p>The sims publish as llm-d's pods do: their PUB socket dials one endpoint ({@code --zmq-endpoint}), topic
 * {@code kv@<POD_IP>@<model>}, each publisher with its own sequence. The router listens for them as llm-d's indexer
 * does ({@code --vllm-events listen=tcp://...}: one bound SUB, sequenced per topic); {@code POD_IP} is each sim's
 * {@code ip:port}, the router's pod id. (Through one connected stream the three sims' sequences would interleave and
 * read as restarts, clearing each other's blocks: the first version of this test failed that way.)
 *
 * <p>Workload: groups of prompts sharing a long prefix. Each group's prefix is first sent straight to one sim (as if
 * another router had), which only that sim's KV events can tell the router; then each group's requests go through
 * the router, by its OpenAI proxy and by ext_proc through the router's FakeEnvoy, which holds the picker to Envoy's
 * processor rules (buffered and full duplex, as Envoy 1.33 and 1.34+ in turn; the test then forwards to the chosen
 * pod as Envoy would). Every such
 * request must go to the sim holding its prefix with prefix hits in the decision, and the sims' own metrics
 * ({@code vllm:request_success_total}, {@code vllm:prefix_cache_hits}) must agree with where the router sent them.
 */
class LlmdSimEndToEndTest {
    private static final String MODEL = "llmd-sim-model";
    private static final int SIMS = 3;
    private static final int GROUPS = 6;
    private static final int PER_FRONT = 2; // requests per group through each front
    private static final int BLOCK = 16;
    private static final ObjectMapper JSON = new ObjectMapper();

    private final List<Process> sims = new ArrayList<>();
    private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();
    private Router router;
    private ManagedChannel channel;

    @AfterEach
    void stop() throws Exception {
        if (channel != null) {
            channel.shutdownNow();
        }
        if (router != null) {
            router.close();
        }
        for (Process p : sims) {
            p.destroy();
        }
        for (Process p : sims) {
            if (!p.waitFor(5, TimeUnit.SECONDS)) {
                p.destroyForcibly();
            }
        }
    }

    @Test
    void routerFollowsTheSimsKvEventsThroughTheProxyAndExtProc() throws Exception {
        Path binary = simBinary();
        int[] ports = FreePorts.pick(SIMS + 5);
        int listen = ports[SIMS];
        Path logs = Files.createDirectories(Path.of("target", "llmd-sim"));
        List<String> pods = new ArrayList<>();
        for (int i = 0; i < SIMS; i++) {
            pods.add("127.0.0.1:" + ports[i]);
        }

        RoutingConfig precise = RoutingConfig.parse("""
            apiVersion: llm-d.ai/v1alpha1
            kind: EndpointPickerConfig
            plugins:
            - type: precise-prefix-cache-scorer
              parameters: {speculativeIndexing: false}
            - type: queue-scorer
            - type: kv-cache-utilization-scorer
            - type: max-score-picker
            schedulingProfiles:
            - name: default
              plugins:
              - {pluginRef: precise-prefix-cache-scorer, weight: 3}
              - {pluginRef: queue-scorer, weight: 2}
              - {pluginRef: kv-cache-utilization-scorer, weight: 2}
            """);
        RouterContext.Builder ctx = RouterContext.builder().host("127.0.0.1").proxyPort(ports[SIMS + 2])
            .extProcPort(ports[SIMS + 3]).httpPort(ports[SIMS + 4]).routing(precise)
            .namespace(Namespace.builder().modelId(MODEL).layers(2).kvHeads(2).headDim(64).blockSizeTokens(BLOCK)
                .build())
            .tokenizer("engine").vllmEvents("listen=tcp://127.0.0.1:" + listen).decisionLog(1_000);
        pods.forEach(ctx::staticPod);
        router = new Router(ctx.build());
        channel = NettyChannelBuilder.forAddress("127.0.0.1", router.extProcPort()).usePlaintext().build();
        // the sims dial the router's listening address: started once it is bound, so their first dial connects
        for (int i = 0; i < SIMS; i++) {
            sims.add(startSim(binary, ports[i], listen, logs.resolve("sim-" + i + ".log")));
        }
        for (String pod : pods) {
            awaitHttp(pod, Duration.ofSeconds(30));
        }

        // the event path is live once a prompt sent straight to each sim is seen at that sim
        Map<String, Integer> sentTo = new HashMap<>(); // requests each sim served, the probes included
        for (int i = 0; i < SIMS; i++) {
            String probe = prefix(1_000 + i) + " probe";
            complete(pods.get(i), probe);
            sentTo.merge(pods.get(i), 1, Integer::sum);
            awaitSeen(probe + " again", pods.get(i), Duration.ofSeconds(20));
        }

        List<String> seeded = new ArrayList<>();
        for (int g = 0; g < GROUPS; g++) {
            String pod = pods.get(g % SIMS);
            seeded.add(pod);
            complete(pod, prefix(g) + " Question 0: what is this about?");
            sentTo.merge(pod, 1, Integer::sum);
        }
        // let each group's events arrive: the last group's prefix is seen at its sim (batches go out in order)
        awaitSeen(prefix(GROUPS - 1) + " settle", seeded.get(GROUPS - 1), Duration.ofSeconds(20));
        for (int g = 0; g < GROUPS; g++) {
            awaitSeen(prefix(g) + " settle", seeded.get(g), Duration.ofSeconds(10));
        }

        long started = System.nanoTime();
        int requests = 0;
        for (int g = 0; g < GROUPS; g++) {
            for (int k = 1; k <= PER_FRONT; k++) {
                String body = completion(prefix(g) + " Question " + k + " by the proxy?");
                HttpResponse<String> r = http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:"
                    + router.proxyPort() + "/v1/completions")).timeout(Duration.ofSeconds(20))
                    .header("content-type", "application/json").POST(HttpRequest.BodyPublishers.ofString(body))
                    .build(), HttpResponse.BodyHandlers.ofString());
                assertEquals(200, r.statusCode(), r.body());
                JsonNode d = lastDecision();
                assertEquals(seeded.get(g), d.path("pod").asText(), "group " + g + " by the proxy: " + d);
                assertTrue(d.path("hitTokens").asInt() >= 10 * BLOCK, "group " + g + " finds its prefix: " + d);
                sentTo.merge(seeded.get(g), 1, Integer::sum);
                requests++;

                String ext = completion(prefix(g) + " Question " + k + " by ext_proc?");
                String dest = extProc(ext, requests);
                d = lastDecision();
                assertEquals(seeded.get(g), dest, "group " + g + " by ext_proc: " + d);
                assertTrue(d.path("hitTokens").asInt() >= 10 * BLOCK, "group " + g + " finds its prefix: " + d);
                HttpResponse<String> up = http.send(HttpRequest.newBuilder(URI.create("http://" + dest
                    + "/v1/completions")).timeout(Duration.ofSeconds(20)).header("content-type", "application/json")
                    .POST(HttpRequest.BodyPublishers.ofString(ext)).build(), HttpResponse.BodyHandlers.ofString());
                assertEquals(200, up.statusCode(), up.body());
                sentTo.merge(dest, 1, Integer::sum);
                requests++;
            }
        }
        double seconds = (System.nanoTime() - started) / 1e9;
        System.out.printf("llm-d sims: %d routed requests in %.2f s; per pod %s%n", requests, seconds, sentTo);

        for (String pod : pods) {
            Map<String, Double> m = simMetrics(pod);
            assertEquals(sentTo.getOrDefault(pod, 0).doubleValue(), m.getOrDefault("vllm:request_success_total", 0.0),
                pod + ": the sim served what was sent to it (" + m + ")");
            int routedHere = sentTo.getOrDefault(pod, 0) - 1 - (int) seeded.stream().filter(pod::equals).count();
            assertTrue(routedHere > 0, pod + " was chosen for some group");
            assertTrue(m.getOrDefault("vllm:prefix_cache_hits", 0.0) >= routedHere * 10.0 * BLOCK,
                pod + ": the sim's own prefix-cache hits cover the routed requests' prefixes (" + m + ")");
        }
        String metrics = get("http://127.0.0.1:" + router.httpPort() + "/metrics");
        assertTrue(metrics.contains("spillway_router_hit_blocks"), "the router counts its hits");
    }

    /**
     * Sends a prompt to the router by ext_proc through {@link FakeEnvoy}, which holds the picker to Envoy's processor
     * rules; {@code n} picks the mode and Envoy version in turn (buffered, streamed-less full duplex, each as Envoy
     * 1.33 without protocol_config and 1.34+ with it). Returns the primary destination.
     */
    private String extProc(String body, int n) throws InterruptedException {
        FakeEnvoy.Mode mode = n % 2 == 0 ? FakeEnvoy.Mode.BUFFERED : FakeEnvoy.Mode.FULL_DUPLEX;
        boolean v134 = (n / 2) % 2 == 0;
        FakeEnvoy.Result r = new FakeEnvoy(channel, mode, v134).send(Map.of(":method", "POST", ":path",
            "/v1/completions", "content-type", "application/json"), body.getBytes(StandardCharsets.UTF_8), 2, false,
            null, null, null);
        assertEquals(List.of(), r.violations, mode + (v134 ? " 1.34+" : " 1.33") + ": Envoy's rules kept");
        assertEquals(0, r.immediateStatus, "routed, not refused: " + r.immediateBody);
        assertNotNull(r.destination(), "a destination");
        assertEquals(r.destination(), r.lbDestination(), "the header and envoy.lb metadata agree");
        assertEquals(body, new String(r.upstreamBody, StandardCharsets.UTF_8), "the body goes upstream unchanged");
        return r.destination().split(",")[0];
    }

    /** Waits until the router, asked by ext_proc (not forwarded), finds {@code prompt}'s prefix at {@code pod}. */
    private void awaitSeen(String prompt, String pod, Duration limit) throws Exception {
        long deadline = System.nanoTime() + limit.toNanos();
        JsonNode d = null;
        while (System.nanoTime() < deadline) {
            extProc(completion(prompt), 0);
            d = lastDecision();
            if (pod.equals(d.path("pod").asText()) && d.path("hitTokens").asInt() > 0) {
                return;
            }
            Thread.sleep(100);
        }
        throw new AssertionError("the router never found the prefix sent to " + pod + " within " + limit
            + " (its KV events did not arrive); last decision " + d + "; the router's event feed: "
            + get("http://127.0.0.1:" + router.httpPort() + "/metrics").lines()
                .filter(l -> l.startsWith("spillway_router_vllm_events")).toList() + "; sim logs in target/llmd-sim");
    }

    private JsonNode lastDecision() throws IOException, InterruptedException {
        JsonNode all = JSON.readTree(get("http://127.0.0.1:" + router.httpPort() + "/debug/decisions"));
        JsonNode decisions = all.path("decisions");
        assertTrue(decisions.size() > 0, "decisions logged");
        return decisions.get(0);
    }

    /** A group's shared prefix: 300 words drawn from a seeded generator (the sims' tokenizer splits on words). */
    private static String prefix(int group) {
        Random r = new Random(group * 7919L + 17);
        String[] words = {"cache", "tier", "block", "router", "prefix", "engine", "pod", "token", "event", "index",
            "shard", "memory", "disk", "latency", "queue", "model", "layer", "head", "batch", "decode"};
        StringBuilder b = new StringBuilder("Group ").append(group).append(':');
        for (int i = 0; i < 300; i++) {
            b.append(' ').append(words[r.nextInt(words.length)]);
        }
        return b.toString();
    }

    private static String completion(String prompt) {
        return "{\"model\":\"" + MODEL + "\",\"prompt\":\"" + prompt + "\",\"max_tokens\":4}";
    }

    private void complete(String pod, String prompt) throws Exception {
        HttpResponse<String> r = http.send(HttpRequest.newBuilder(URI.create("http://" + pod + "/v1/completions"))
            .timeout(Duration.ofSeconds(20)).header("content-type", "application/json")
            .POST(HttpRequest.BodyPublishers.ofString(completion(prompt))).build(), HttpResponse.BodyHandlers.ofString());
        assertEquals(200, r.statusCode(), r.body());
    }

    private String get(String url) throws IOException, InterruptedException {
        return http.send(HttpRequest.newBuilder(URI.create(url)).timeout(Duration.ofSeconds(5)).build(),
            HttpResponse.BodyHandlers.ofString()).body();
    }

    private static final Pattern SAMPLE = Pattern.compile("^(vllm:[a-z_]+)(\\{[^}]*\\})? ([0-9.eE+-]+)$");

    /** A sim's vllm:* samples, summed over label sets. */
    private Map<String, Double> simMetrics(String pod) throws IOException, InterruptedException {
        Map<String, Double> out = new HashMap<>();
        for (String line : get("http://" + pod + "/metrics").split("\n")) {
            Matcher m = SAMPLE.matcher(line.trim());
            if (m.matches()) {
                out.merge(m.group(1), Double.parseDouble(m.group(3)), Double::sum);
            }
        }
        return out;
    }

    private void awaitHttp(String pod, Duration limit) throws Exception {
        long deadline = System.nanoTime() + limit.toNanos();
        while (true) {
            try {
                if (http.send(HttpRequest.newBuilder(URI.create("http://" + pod + "/metrics"))
                    .timeout(Duration.ofSeconds(1)).build(), HttpResponse.BodyHandlers.discarding()).statusCode() == 200) {
                    return;
                }
            } catch (IOException notYet) {
                // starting
            }
            if (System.nanoTime() > deadline) {
                throw new AssertionError("sim " + pod + " did not serve /metrics within " + limit);
            }
            Thread.sleep(100);
        }
    }

    private Process startSim(Path binary, int port, int events, Path log) throws IOException {
        ProcessBuilder pb = new ProcessBuilder(binary.toString(), "--port", String.valueOf(port), "--model", MODEL,
            "--force-dummy-tokenizer", "--mode", "echo", "--time-to-first-token", "0", "--inter-token-latency", "0",
            "--enable-kvcache", "--kv-cache-size", "4096", "--block-size", String.valueOf(BLOCK),
            "--event-batch-size", "16", "--zmq-endpoint", "tcp://127.0.0.1:" + events, "--max-model-len", "8192");
        pb.environment().put("POD_IP", "127.0.0.1:" + port);
        pb.redirectErrorStream(true).redirectOutput(log.toFile());
        return pb.start();
    }

    /** bin/llm-d-sim's binary, built on first use (minutes cold: the Go module proxy and a compile). */
    static Path simBinary() throws Exception {
        Path root = Path.of("").toAbsolutePath();
        while (root != null && !Files.isExecutable(root.resolve("bin/llm-d-sim"))) {
            root = root.getParent();
        }
        assertNotNull(root, "bin/llm-d-sim in a directory above " + Path.of("").toAbsolutePath());
        File err = Files.createTempFile("llm-d-sim", ".log").toFile();
        Process p = new ProcessBuilder(root.resolve("bin/llm-d-sim").toString()).directory(root.toFile())
            .redirectError(err).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8).strip();
        if (!p.waitFor(20, TimeUnit.MINUTES) || p.exitValue() != 0 || out.isEmpty()) {
            throw new AssertionError("bin/llm-d-sim could not build llm-d-inference-sim:\n"
                + Files.readString(err.toPath()));
        }
        return Path.of(out);
    }
}
