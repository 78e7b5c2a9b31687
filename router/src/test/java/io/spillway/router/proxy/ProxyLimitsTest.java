package io.spillway.router.proxy;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.spillway.key.Namespace;
import io.spillway.placement.index.BlockLocationIndex;
import io.spillway.placement.routing.Pod;
import io.spillway.placement.routing.PodRole;
import io.spillway.placement.routing.RoutingConfig;
import io.spillway.placement.routing.TransferCostModel;
import io.spillway.listener.ListenerCounters;
import io.spillway.router.limits.RouterLimits;
import io.spillway.router.load.InFlight;
import io.spillway.router.schedule.RequestScheduler;
import io.spillway.router.service.RouterContext;
import io.spillway.router.tokenize.CharacterTokenizer;
import io.spillway.router.tokenize.PromptKeys;
import io.spillway.router.tokenize.PromptTokenizer;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
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
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * The proxy's limits: a full scheduling queue is a 503 that says so and is counted; a pod that accepts and then
 * says nothing is given up after the upstream read timeout (the client gets a 502 naming it); a client that sends
 * part of a request and stops is closed by the request-read timeout, counted.
 */
class ProxyLimitsTest {
    private static final Namespace NS = Namespace.builder().modelId("m").layers(2).kvHeads(2).headDim(64)
        .blockSizeTokens(4).build();

    private final List<AutoCloseable> open = new ArrayList<>();
    private OpenAiProxy proxy;

    @AfterEach
    void stop() throws Exception {
        if (proxy != null) {
            proxy.close();
        }
        for (AutoCloseable c : open) {
            c.close();
        }
    }

    private static RouterLimits limits(String... settings) {
        RouterContext.Builder b = RouterContext.builder().namespace(NS).staticPod("127.0.0.1:1").proxyPort(0);
        for (int i = 0; i < settings.length; i += 2) {
            b.limit(settings[i], Long.parseLong(settings[i + 1]));
        }
        return b.build().limits();
    }

    private void start(PromptTokenizer tokenizer, List<Pod> pods, RouterLimits limits) throws Exception {
        RequestScheduler scheduler = new RequestScheduler(new BlockLocationIndex(10_000), () -> pods,
            new PromptKeys(tokenizer, NS), RoutingConfig.preset("llm-d-default"), TransferCostModel.defaults(), 0);
        proxy = new OpenAiProxy(scheduler, new InFlight(), "127.0.0.1", 0, 1 << 20, Duration.ofSeconds(2), limits);
    }

    private CompletableFuture<HttpResponse<String>> post(HttpClient http, String prompt) {
        return http.sendAsync(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + proxy.port()
            + "/v1/completions")).POST(HttpRequest.BodyPublishers.ofString("{\"prompt\": \"" + prompt + "\"}"))
            .header("content-type", "application/json").build(), HttpResponse.BodyHandlers.ofString());
    }

    @Test
    void aFullSchedulingQueueIsA503ThatSaysSo() throws Exception {
        int threads = Math.max(2, Runtime.getRuntime().availableProcessors()); // the proxy's scheduling threads
        CountDownLatch release = new CountDownLatch(1);
        CountDownLatch busy = new CountDownLatch(threads);
        PromptTokenizer stuck = new PromptTokenizer() {
            @Override
            public String describe() {
                return "stuck";
            }

            @Override
            public int[] encode(String prompt) {
                busy.countDown();
                try {
                    release.await(10, TimeUnit.SECONDS);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
                return new CharacterTokenizer(1).encode(prompt);
            }
        };
        ServerSocket dead = new ServerSocket(0, 1, InetAddress.getByName("127.0.0.1"));
        String pod = "127.0.0.1:" + dead.getLocalPort();
        dead.close();
        start(stuck, List.of(Pod.idle(pod, PodRole.BOTH)), limits(RouterContext.PROXY_MAX_QUEUED_PROP, "1"));
        HttpClient http = HttpClient.newHttpClient();
        List<CompletableFuture<HttpResponse<String>>> held = new ArrayList<>();
        for (int i = 0; i < threads; i++) {
            held.add(post(http, "a prompt " + i));
        }
        assertTrue(busy.await(5, TimeUnit.SECONDS), "every scheduling thread is busy");
        held.add(post(http, "the one queued"));
        Thread.sleep(300);
        HttpResponse<String> refused = post(http, "one too many").get(5, TimeUnit.SECONDS);
        assertEquals(503, refused.statusCode());
        assertTrue(refused.body().contains("proxyMaxQueued"), refused.body());
        assertEquals(1, proxy.proxyCounters().queueFull());
        release.countDown();
        for (CompletableFuture<HttpResponse<String>> f : held) {
            assertEquals(502, f.get(10, TimeUnit.SECONDS).statusCode(), "scheduled once a thread was free");
        }
    }

    @Test
    void aSilentPodIsGivenUpAfterTheUpstreamReadTimeout() throws Exception {
        ServerSocket silent = new ServerSocket(0, 50, InetAddress.getByName("127.0.0.1"));
        open.add(silent);
        List<Socket> accepted = new ArrayList<>();
        Thread acceptor = new Thread(() -> {
            try {
                while (true) {
                    accepted.add(silent.accept()); // reads nothing, answers nothing
                }
            } catch (IOException closed) {
                // test over
            }
        });
        acceptor.setDaemon(true);
        acceptor.start();
        String pod = "127.0.0.1:" + silent.getLocalPort();
        start(new CharacterTokenizer(1), List.of(Pod.idle(pod, PodRole.BOTH)),
            limits(RouterContext.UPSTREAM_READ_TIMEOUT_MS_PROP, "500"));
        long t0 = System.nanoTime();
        HttpResponse<String> r = post(HttpClient.newHttpClient(), "hello").get(10, TimeUnit.SECONDS);
        long ms = (System.nanoTime() - t0) / 1_000_000;
        assertEquals(502, r.statusCode());
        assertTrue(r.body().contains(pod) && r.body().contains("sent nothing for 500 ms"), r.body());
        assertTrue(ms >= 500 && ms < 5_000, ms + " ms");
        assertEquals(1, proxy.proxyCounters().upstreamTimeouts());
        for (Socket s : accepted) {
            s.close();
        }
    }

    @Test
    void aHalfSentRequestIsClosedByTheRequestReadTimeout() throws Exception {
        start(new CharacterTokenizer(1), List.of(Pod.idle("127.0.0.1:1", PodRole.BOTH)),
            limits(RouterContext.PROXY_REQUEST_READ_TIMEOUT_MS_PROP, "800"));
        try (Socket s = new Socket("127.0.0.1", proxy.port())) {
            s.setSoTimeout(10_000);
            long t0 = System.nanoTime();
            OutputStream out = s.getOutputStream();
            out.write("POST /v1/completions HTTP/1.1\r\nHost: x\r\n".getBytes(StandardCharsets.US_ASCII));
            out.flush();
            InputStream in = s.getInputStream();
            int b;
            try {
                b = in.read();
            } catch (IOException reset) {
                b = -1;
            }
            long ms = (System.nanoTime() - t0) / 1_000_000;
            assertEquals(-1, b, "closed without an answer");
            assertTrue(ms >= 800 && ms < 3_000, ms + " ms");
        }
        assertEquals(1, proxy.counters().timeouts(ListenerCounters.Timeout.REQUEST_READ));
    }
}
