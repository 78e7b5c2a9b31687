package io.spillway.router.proxy;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.sun.net.httpserver.HttpServer;
import io.spillway.key.Namespace;
import io.spillway.placement.index.BlockLocationIndex;
import io.spillway.placement.index.Location;
import io.spillway.placement.index.Medium;
import io.spillway.placement.routing.Pod;
import io.spillway.placement.routing.PodRole;
import io.spillway.placement.routing.RoutingConfig;
import io.spillway.placement.routing.RoutingRequest;
import io.spillway.placement.routing.SpeculativeBlocks;
import io.spillway.placement.routing.TransferCostModel;
import io.spillway.router.load.InFlight;
import io.spillway.router.schedule.Outcome;
import io.spillway.router.schedule.RequestScheduler;
import io.spillway.router.tokenize.CharacterTokenizer;
import io.spillway.router.service.RouterContext;
import io.spillway.router.tokenize.PromptKeys;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * The proxy end to end, against upstream HTTP servers started here: the pod chosen gets the request, a stream
 * arrives chunk by chunk (the upstream holds its second event until the client has the first), a pod that refuses
 * the connection is replaced by the next, and when none answers the client gets a 502 naming them.
 */
class OpenAiProxyTest {
    private static final Namespace NS = Namespace.builder().modelId("m").layers(2).kvHeads(2).headDim(64)
        .blockSizeTokens(4).build();
    private static final String PROMPT = "Explain how a KV-cache tier saves prefill time for long prompts.";

    private final BlockLocationIndex index = new BlockLocationIndex(10_000);
    private final List<HttpServer> upstreams = new ArrayList<>();
    private final Map<String, String> seen = new ConcurrentHashMap<>();
    private final CountDownLatch firstEventRead = new CountDownLatch(1);
    private OpenAiProxy proxy;

    @AfterEach
    void stop() {
        if (proxy != null) {
            proxy.close();
        }
        upstreams.forEach(s -> s.stop(0));
    }

    /** An upstream that records what it got and streams two SSE events, the second after the client read the first. */
    private String upstream(String name) throws Exception {
        HttpServer s = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
        s.createContext("/", exchange -> {
            String body = new String(exchange.getRequestBody().readAllBytes(), StandardCharsets.UTF_8);
            seen.put(name, exchange.getRequestURI().getPath() + " " + body + " prefiller="
                + exchange.getRequestHeaders().getFirst("x-prefiller-host-port"));
            exchange.getResponseHeaders().set("content-type", "text/event-stream");
            exchange.sendResponseHeaders(200, 0);
            try (OutputStream out = exchange.getResponseBody()) {
                out.write(("data: {\"pod\": \"" + name + "\", \"n\": 1}\n\n").getBytes(StandardCharsets.UTF_8));
                out.flush();
                boolean read;
                try {
                    read = firstEventRead.await(5, TimeUnit.SECONDS);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    read = false;
                }
                // a proxy that held the first event back until the end would see "late" here
                out.write((read ? "data: [DONE]\n\n" : "data: late\n\n").getBytes(StandardCharsets.UTF_8));
            }
        });
        s.start();
        upstreams.add(s);
        return "127.0.0.1:" + s.getAddress().getPort();
    }

    private static String deadAddress() throws Exception {
        try (ServerSocket socket = new ServerSocket(0, 1, InetAddress.getByName("127.0.0.1"))) {
            return "127.0.0.1:" + socket.getLocalPort(); // closed on return: connecting is refused
        }
    }

    private RequestScheduler scheduler;

    private void startProxy(List<Pod> pods) throws Exception {
        scheduler = new RequestScheduler(index, () -> pods,
            new PromptKeys(new CharacterTokenizer(1), NS), RoutingConfig.preset("llm-d-default"),
            TransferCostModel.defaults(), 0);
        proxy = new OpenAiProxy(scheduler, new InFlight(), "127.0.0.1", 0, 1 << 20, Duration.ofSeconds(2),
            RouterContext.DEFAULT_LIMITS);
    }

    private void holds(String pod) {
        RoutingRequest keyed = new PromptKeys(new CharacterTokenizer(1), NS).of(PROMPT).request();
        index.addAll(index.location(Location.pod(pod, Medium.GPU)), keyed.his(), keyed.los(), keyed.blocks());
    }

    private HttpResponse<InputStream> post(String path, String body) throws Exception {
        return HttpClient.newHttpClient().send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + proxy.port()
            + path)).POST(HttpRequest.BodyPublishers.ofString(body)).header("content-type", "application/json")
            .build(), HttpResponse.BodyHandlers.ofInputStream());
    }

    @Test
    void theChosenPodStreamsToTheClientEventByEvent() throws Exception {
        String a = upstream("a");
        String b = upstream("b");
        holds(b);
        startProxy(List.of(Pod.idle(a, PodRole.BOTH), Pod.idle(b, PodRole.BOTH)));
        String body = "{\"model\": \"m\", \"stream\": true, \"prompt\": \"" + PROMPT + "\"}";
        HttpResponse<InputStream> response = post("/v1/completions", body);
        assertEquals(200, response.statusCode());
        assertEquals("text/event-stream", response.headers().firstValue("content-type").orElse(""));
        try (BufferedReader reader = new BufferedReader(new InputStreamReader(response.body(),
            StandardCharsets.UTF_8))) {
            assertEquals("data: {\"pod\": \"b\", \"n\": 1}", reader.readLine(), "the first event, before the second"
                + " was even written");
            firstEventRead.countDown();
            assertEquals("", reader.readLine());
            assertEquals("data: [DONE]", reader.readLine());
        }
        assertEquals("/v1/completions " + body + " prefiller=null", seen.get("b"));
        assertTrue(!seen.containsKey("a"));

        // the pod answered: a grace later the decision's speculative entries leave (seen at the next decision)
        assertTrue(scheduler.speculativeKeys() > 0);
        Thread.sleep(SpeculativeBlocks.GRACE_NANOS / 1_000_000 + 200);
        Outcome other = scheduler.schedule(("{\"prompt\": \"zz\"}").getBytes(StandardCharsets.UTF_8), null);
        assertEquals(other.speculative() == null ? 0 : 2, scheduler.speculativeKeys(),
            "only the new decision's own blocks are held");
    }

    @Test
    void aPodThatRefusesIsReplacedByTheNextAndNoneAnsweringIsA502() throws Exception {
        firstEventRead.countDown();
        String dead = deadAddress();
        String live = upstream("live");
        holds(dead); // the best pod by prefix is the dead one
        startProxy(List.of(Pod.idle(dead, PodRole.BOTH), Pod.idle(live, PodRole.BOTH)));
        HttpResponse<InputStream> ok = post("/v1/chat/completions",
            "{\"messages\": [{\"role\": \"user\", \"content\": \"" + PROMPT + "\"}]}");
        assertEquals(200, ok.statusCode());
        assertTrue(new String(ok.body().readAllBytes(), StandardCharsets.UTF_8).contains("\"pod\": \"live\""));
        proxy.close();

        String dead2 = deadAddress();
        startProxy(List.of(Pod.idle(dead, PodRole.BOTH), Pod.idle(dead2, PodRole.BOTH)));
        HttpResponse<InputStream> bad = post("/v1/completions", "{\"prompt\": \"hi\"}");
        assertEquals(502, bad.statusCode());
        String error = new String(bad.body().readAllBytes(), StandardCharsets.UTF_8);
        assertTrue(error.contains(dead) && error.contains(dead2) && error.contains("\"code\":502"), error);
    }

    @Test
    void aClientThatLeavesMidStreamTakesItsUpstreamRequestWithIt() throws Exception {
        AtomicBoolean upstreamSawTheClose = new AtomicBoolean();
        CountDownLatch clientGone = new CountDownLatch(1);
        HttpServer s = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
        s.createContext("/", exchange -> {
            exchange.getRequestBody().readAllBytes();
            exchange.getResponseHeaders().set("content-type", "text/event-stream");
            exchange.sendResponseHeaders(200, 0);
            OutputStream out = exchange.getResponseBody();
            try {
                out.write("data: first\n\n".getBytes(StandardCharsets.UTF_8));
                out.flush();
                clientGone.await(5, TimeUnit.SECONDS);
                for (int i = 0; i < 500; i++) { // a generation that goes on: its writes fail once the proxy hung up
                    out.write(("data: token " + i + "\n\n").getBytes(StandardCharsets.UTF_8));
                    out.flush();
                    Thread.sleep(10);
                }
            } catch (IOException e) {
                upstreamSawTheClose.set(true);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            } finally {
                exchange.close();
            }
        });
        s.start();
        upstreams.add(s);
        String pod = "127.0.0.1:" + s.getAddress().getPort();
        startProxy(List.of(Pod.idle(pod, PodRole.BOTH)));
        try (Socket client = new Socket("127.0.0.1", proxy.port())) {
            String body = "{\"prompt\": \"hi\", \"stream\": true}";
            client.getOutputStream().write(("POST /v1/completions HTTP/1.1\r\nHost: x\r\nContent-Type: application/json"
                + "\r\nContent-Length: " + body.length() + "\r\n\r\n" + body).getBytes(StandardCharsets.UTF_8));
            BufferedReader reader = new BufferedReader(new InputStreamReader(client.getInputStream(),
                StandardCharsets.UTF_8));
            for (String line = reader.readLine(); line != null && !line.contains("data: first"); ) {
                line = reader.readLine();
            }
        }
        clientGone.countDown();
        long deadline = System.nanoTime() + 5_000_000_000L;
        while (!upstreamSawTheClose.get() && System.nanoTime() < deadline) {
            Thread.sleep(20);
        }
        assertTrue(upstreamSawTheClose.get(), "the upstream's writes failed: the proxy closed its side");
    }

    @Test
    void embeddingsResponsesAndTokenIdPromptsReachThePodHoldingTheirPrefix() throws Exception {
        String a = upstream("a");
        String b = upstream("b");
        holds(b);
        firstEventRead.countDown(); // no reader paces these answers
        startProxy(List.of(Pod.idle(a, PodRole.BOTH), Pod.idle(b, PodRole.BOTH)));
        StringBuilder ids = new StringBuilder();
        for (int t : new CharacterTokenizer(1).encode(PROMPT)) {
            ids.append(ids.length() == 0 ? "" : ", ").append(t);
        }
        String[][] requests = {
            {"/v1/completions", "{\"model\": \"m\", \"prompt\": [" + ids + "]}"},
            {"/v1/embeddings", "{\"model\": \"m\", \"input\": \"" + PROMPT + "\"}"},
            {"/v1/embeddings", "{\"model\": \"m\", \"input\": [[" + ids + "]]}"},
        };
        for (String[] r : requests) {
            seen.clear();
            assertEquals(200, post(r[0], r[1]).statusCode(), r[1]);
            assertEquals(r[0] + " " + r[1] + " prefiller=null", seen.get("b"), "the holder got " + r[0]);
            assertTrue(!seen.containsKey("a"));
        }
        seen.clear();
        String response = "{\"model\": \"m\", \"input\": \"What is a block?\"}";
        HttpResponse<InputStream> answer = post("/v1/responses", response);
        assertEquals(200, answer.statusCode());
        answer.body().readAllBytes();
        assertTrue(seen.values().contains("/v1/responses " + response + " prefiller=null"), seen.toString());
    }

    @Test
    void theRoutersOwnAnswersAreOpenAiErrors() throws Exception {
        AtomicReference<List<Pod>> none = new AtomicReference<>(List.of(new Pod("a:1", "a:1", PodRole.BOTH, false,
            0, 0, 0, 0)));
        startProxy(none.get());
        HttpResponse<InputStream> r = post("/v1/completions", "{\"prompt\": \"hi\"}");
        assertEquals(503, r.statusCode());
        assertTrue(new String(r.body().readAllBytes(), StandardCharsets.UTF_8).contains("no ready pod"));
        assertEquals(400, post("/v1/completions", "{oops").statusCode());
        assertEquals(404, post("/v1/audio/transcriptions", "{}").statusCode());
        assertEquals(400, post("/v1/embeddings", "{}").statusCode());
        assertEquals(400, post("/v1/responses", "{\"input\": 7}").statusCode());
        HttpResponse<String> get = HttpClient.newHttpClient().send(HttpRequest.newBuilder(URI.create(
            "http://127.0.0.1:" + proxy.port() + "/v1/completions")).GET().build(),
            HttpResponse.BodyHandlers.ofString());
        assertEquals(405, get.statusCode());
        assertTrue(get.body().contains("invalid_request_error"), get.body());
    }
}
