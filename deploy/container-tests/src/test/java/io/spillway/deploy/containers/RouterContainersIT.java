package io.spillway.deploy.containers;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.SplittableRandom;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.testcontainers.containers.GenericContainer;
import org.testcontainers.containers.Network;
import org.testcontainers.images.builder.ImageFromDockerfile;
import org.testcontainers.images.builder.Transferable;
import org.testcontainers.lifecycle.Startables;

/**
 * The router container routes by the KV events of simulated engine containers. The simulated vLLM engine
 * ({@code bin/spillway bench engine}, perf's EngineServer) is not in the product image: a test image FROM
 * spillway:latest adds bench engine's classpath (perf/benchmarks' jar and the jars of its
 * target/classpath.txt the product image does not already hold). Two engines, {@code engine-a} and {@code engine-b},
 * publish their KV events (ZMQ, vLLM's format, topic {@code kv@engine-a:8000@MODEL}); the router (approximate
 * tokenizer, as the engines) subscribes to both. A prompt sent straight to one engine makes it cache and announce
 * its blocks; the same prompt plus a suffix sent through the router's proxy must be routed to that engine with a
 * prefix hit, by the router's decision log, and served by it, by the engines' own counters. Done once for each
 * engine, so that a lucky pick cannot pass.
 */
@ExtendWith(ContainerLogsOnFailure.class)
class RouterContainersIT {
    private static final String ENGINE_IMAGE = "spillway-engine-it:latest";
    private static final String MODEL = "meta-llama/Llama-3.1-8B-Instruct";
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final HttpClient HTTP = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();
    private static final Pattern SAMPLE = Pattern.compile("^(vllm:[a-z_]+)(\\{[^}]*\\})? ([0-9.eE+-]+)$");

    @Test
    void routerSendsAPromptToTheEngineWhoseKvEventsAnnouncedItsPrefix() throws Exception {
        ContainerSupport.requireEngineAndImage();
        long testStart = System.nanoTime();
        String engineImage = engineImage();
        Network network = Network.newNetwork();
        Map<String, GenericContainer<?>> all = new LinkedHashMap<>();
        try {
            for (String e : List.of("engine-a", "engine-b")) {
                all.put(e, container(engineImage, network, e, List.of("--pods", "1", "--host", e, "--port", "8000",
                    "--events-port", "5557", "--model", MODEL)));
            }
            all.put("router", container(ContainerSupport.IMAGE, network, "router", List.of("router", "--model", MODEL,
                "--pods", "engine-a:8000,engine-b:8000", "--vllm-events", "engine-a:5557",
                "--vllm-events", "engine-b:5557", "--tokenizer", "approximate")));
            Startables.deepStart(all.values()).join();
            Map<String, String> ip = new LinkedHashMap<>();
            for (Map.Entry<String, GenericContainer<?>> e : all.entrySet()) {
                ip.put(e.getKey(), ContainerSupport.ip(e.getValue(), network));
            }
            for (String e : List.of("engine-a", "engine-b")) {
                ContainerSupport.awaitOk("http://" + ip.get(e) + ":8000/health", Duration.ofSeconds(90), all.get(e));
            }
            ContainerSupport.awaitOk("http://" + ip.get("router") + ":9090/health", Duration.ofSeconds(90),
                all.get("router"));
            System.out.printf("router-it: 2 engine containers and the router ready in %.1f s (%s)%n",
                (System.nanoTime() - testStart) / 1e9, ip);

            String router = "http://" + ip.get("router") + ":8080";
            int round = 0;
            for (String target : List.of("engine-a", "engine-b")) {
                String other = target.equals("engine-a") ? "engine-b" : "engine-a";
                String prefix = words(300, 7 + round++);
                // straight to the engine: it caches the prompt's blocks and announces them on its KV-event feed
                double events = routerEvents(ip.get("router"));
                HttpResponse<String> direct = complete("http://" + ip.get(target) + ":8000", prefix);
                assertEquals(200, direct.statusCode(), "direct request to " + target + ": " + direct.body());
                awaitEvents(ip.get("router"), events);
                Map<String, Double> targetBefore = metrics(ip.get(target));
                Map<String, Double> otherBefore = metrics(ip.get(other));

                HttpResponse<String> routed = complete(router, prefix + " and then one more question");
                assertEquals(200, routed.statusCode(), "through the router: " + routed.body());
                JsonNode decision = lastDecision(ip.get("router"));
                System.out.printf("router-it: %s's prefix + a suffix through the router: %s%n", target, decision);
                assertEquals(target + ":8000", decision.path("pod").asText(), "the router picked the engine whose "
                    + "KV events announced the prefix: " + decision);
                assertTrue(decision.path("hitTokens").asLong() > 0, "a prefix hit from the KV events: " + decision);

                double served = delta(metrics(ip.get(target)), targetBefore, "vllm:prompt_tokens_total");
                double elsewhere = delta(metrics(ip.get(other)), otherBefore, "vllm:prompt_tokens_total");
                double hits = delta(metrics(ip.get(target)), targetBefore, "vllm:prefix_cache_hits_total");
                System.out.printf("router-it: %s served %.0f prompt tokens (%.0f of them prefix-cache hits), %s %.0f%n",
                    target, served, hits, other, elsewhere);
                assertTrue(served > 0, target + " served the routed request");
                assertEquals(0.0, elsewhere, other + " served nothing");
                assertTrue(hits > 0, target + " served it from its prefix cache");
            }
            System.out.printf("router-it: test took %.1f s%n", (System.nanoTime() - testStart) / 1e9);
        } finally {
            ContainerSupport.saveLogsAndClose(getClass().getSimpleName(), all, network);
        }
    }

    @SuppressWarnings("resource") // closed by the test
    private static GenericContainer<?> container(String image, Network network, String name, List<String> args) {
        GenericContainer<?> c = ContainerSupport.node(network, name, args);
        c.setDockerImageName(image);
        return c.withEnv("SPILLWAY_JAVA_OPTS", "-Xmx256m -XX:+UseSerialGC");
    }

    /**
     * The engine image: FROM spillway:latest (local; Testcontainers finds it present and pulls nothing) plus bench
     * engine's classpath. Jars the product image holds (same file on the distribution's classpath) are taken from
     * /opt/spillway/lib; the others are copied into /opt/engine/lib.
     */
    private static String engineImage() throws IOException {
        Path root = ContainerSupport.ROOT;
        Path benchTarget = root.resolve("perf/benchmarks/target");
        Set<String> product = new LinkedHashSet<>(List.of(
            Files.readString(root.resolve("deploy/distribution/target/classpath.txt")).trim().split(":")));
        List<String> entries = new ArrayList<>();
        try (Stream<Path> jars = Files.list(benchTarget)) {
            jars.filter(p -> p.getFileName().toString().matches("spillway-perf-benchmarks-[^-]+(-SNAPSHOT)?\\.jar"))
                .forEach(p -> entries.add(p.toString()));
        }
        if (entries.isEmpty()) {
            throw new IllegalStateException("no spillway-perf-benchmarks jar in " + benchTarget + " (package it)");
        }
        entries.addAll(List.of(Files.readString(benchTarget.resolve("classpath.txt")).trim().split(":")));
        ImageFromDockerfile image = new ImageFromDockerfile(ENGINE_IMAGE, false);
        List<String> cp = new ArrayList<>();
        Set<String> names = new LinkedHashSet<>();
        for (String entry : entries) {
            String name = Path.of(entry).getFileName().toString();
            if (product.contains(entry)) {
                cp.add("/opt/spillway/lib/" + name);
            } else if (names.add(name)) {
                image.withFileFromPath("lib/" + name, Path.of(entry));
                cp.add("/opt/engine/lib/" + name);
            }
        }
        image.withFileFromTransferable("classpath.txt", Transferable.of(String.join(":", cp)));
        image.withFileFromTransferable("engine.sh", Transferable.of("""
            #!/bin/bash
            # bin/spillway bench engine in a container: the image's JVM flags (bin/jvm-flags.sh), perf's classpath
            set -euo pipefail
            . /opt/spillway/bin/jvm-flags.sh
            spillway_jvm_flags 17 /tmp /tmp/djl
            # shellcheck disable=SC2086
            exec java "${FLAGS[@]}" ${SPILLWAY_JAVA_OPTS:-} -cp "$(cat /opt/engine/classpath.txt)" \\
              io.spillway.perf.BenchMain engine "$@"
            """, 0755));
        image.withFileFromTransferable("Dockerfile", Transferable.of("""
            FROM spillway:latest
            COPY lib/ /opt/engine/lib/
            COPY classpath.txt engine.sh /opt/engine/
            ENTRYPOINT ["/usr/bin/tini", "--", "bash", "/opt/engine/engine.sh"]
            CMD []
            """));
        long started = System.nanoTime();
        String name = image.get();
        System.out.printf("router-it: engine image %s built in %.1f s (%d jars added to spillway:latest)%n", name,
            (System.nanoTime() - started) / 1e9, names.size());
        return name;
    }

    /** {@code n} words drawn from a seeded generator: a prompt no other round shares a block with. */
    private static String words(int n, long seed) {
        SplittableRandom r = new SplittableRandom(seed);
        StringBuilder sb = new StringBuilder();
        for (int i = 0; i < n; i++) {
            sb.append(i == 0 ? "" : " ").append("w").append(r.nextInt(100_000));
        }
        return sb.toString();
    }

    private static HttpResponse<String> complete(String base, String prompt) throws IOException, InterruptedException {
        String body = JSON.writeValueAsString(Map.of("model", MODEL, "prompt", prompt, "max_tokens", 4));
        return HTTP.send(HttpRequest.newBuilder(URI.create(base + "/v1/completions")).timeout(Duration.ofSeconds(30))
            .header("content-type", "application/json").POST(HttpRequest.BodyPublishers.ofString(body)).build(),
            HttpResponse.BodyHandlers.ofString());
    }

    private static JsonNode lastDecision(String routerIp) throws IOException, InterruptedException {
        HttpResponse<String> r = ContainerSupport.get("http://" + routerIp + ":9090/debug/decisions");
        JsonNode decisions = JSON.readTree(r.body()).path("decisions");
        assertTrue(decisions.size() > 0, "the router logged a decision: " + r.body());
        return decisions.get(0);
    }

    /** Waits until the router's KV-event counter passes {@code before}, then lets the batch be applied. */
    private static void awaitEvents(String routerIp, double before) throws IOException, InterruptedException {
        long deadline = System.nanoTime() + Duration.ofSeconds(20).toNanos();
        while (System.nanoTime() < deadline) {
            if (routerEvents(routerIp) > before) {
                Thread.sleep(500);
                return;
            }
            Thread.sleep(100);
        }
        throw new AssertionError("the router's spillway_router_vllm_events_total never passed " + before);
    }

    private static double routerEvents(String routerIp) throws IOException, InterruptedException {
        double sum = 0;
        for (String line : ContainerSupport.get("http://" + routerIp + ":9090/metrics").body().split("\n")) {
            if (line.startsWith("spillway_router_vllm_events_total")) {
                sum += Double.parseDouble(line.substring(line.lastIndexOf(' ') + 1));
            }
        }
        return sum;
    }

    /** An engine's vllm:* samples, summed over label sets. */
    private static Map<String, Double> metrics(String engineIp) throws IOException, InterruptedException {
        Map<String, Double> m = new LinkedHashMap<>();
        for (String line : ContainerSupport.get("http://" + engineIp + ":8000/metrics").body()
            .split("\n")) {
            Matcher x = SAMPLE.matcher(line.trim());
            if (x.matches()) {
                m.merge(x.group(1), Double.parseDouble(x.group(3)), Double::sum);
            }
        }
        return m;
    }

    private static double delta(Map<String, Double> now, Map<String, Double> before, String name) {
        return now.getOrDefault(name, 0.0) - before.getOrDefault(name, 0.0);
    }

}
