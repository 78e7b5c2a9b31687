package io.spillway.router.proxy;

import static org.junit.jupiter.api.Assertions.assertEquals;

import com.sun.net.httpserver.HttpServer;
import io.spillway.key.Namespace;
import io.spillway.placement.index.BlockLocationIndex;
import io.spillway.placement.routing.Pod;
import io.spillway.placement.routing.PodRole;
import io.spillway.placement.routing.RoutingConfig;
import io.spillway.placement.routing.TransferCostModel;
import io.spillway.router.load.InFlight;
import io.spillway.router.schedule.RequestScheduler;
import io.spillway.router.service.RouterContext;
import io.spillway.router.tokenize.CharacterTokenizer;
import io.spillway.router.tokenize.PromptKeys;
import java.io.OutputStream;
import java.net.InetSocketAddress;
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
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * A client-sent {@code x-prefiller-host-port} (or destination header) never reaches a pod through the proxy: a
 * request the router did not split arrives without one, a split one with the router's own prefill pod.
 */
class ClientRoutingHeadersTest {
    private static final Namespace NS = Namespace.builder().modelId("m").layers(2).kvHeads(2).headDim(64)
        .blockSizeTokens(4).build();
    private static final String SPLIT_CONFIG = """
        apiVersion: llm-d.ai/v1alpha1
        kind: EndpointPickerConfig
        plugins:
        - type: queue-scorer
        - type: decode-filter
        - type: prefill-filter
        - type: prefix-based-pd-decider
          parameters: {nonCachedTokens: 8}
        - type: disagg-profile-handler
          parameters: {deciders: {prefill: prefix-based-pd-decider}}
        schedulingProfiles:
        - {name: decode, plugins: [{pluginRef: decode-filter}, {pluginRef: queue-scorer}]}
        - {name: prefill, plugins: [{pluginRef: prefill-filter}, {pluginRef: queue-scorer}]}
        """;

    private final List<HttpServer> upstreams = new ArrayList<>();
    private final Map<String, String> seen = new ConcurrentHashMap<>();
    private OpenAiProxy proxy;

    @AfterEach
    void stop() {
        if (proxy != null) {
            proxy.close();
        }
        upstreams.forEach(s -> s.stop(0));
    }

    /** A pod that records the routing headers it got. */
    private String pod(String name) throws Exception {
        HttpServer s = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
        s.createContext("/", exchange -> {
            exchange.getRequestBody().readAllBytes();
            seen.put(name, "prefiller=" + exchange.getRequestHeaders().getFirst("x-prefiller-host-port")
                + " destination=" + exchange.getRequestHeaders().getFirst("x-gateway-destination-endpoint"));
            byte[] ok = "{}".getBytes(StandardCharsets.UTF_8);
            exchange.sendResponseHeaders(200, ok.length);
            try (OutputStream out = exchange.getResponseBody()) {
                out.write(ok);
            }
        });
        s.start();
        upstreams.add(s);
        return "127.0.0.1:" + s.getAddress().getPort();
    }

    private void start(List<Pod> pods, RoutingConfig config) throws Exception {
        RequestScheduler scheduler = new RequestScheduler(new BlockLocationIndex(10_000), () -> pods,
            new PromptKeys(new CharacterTokenizer(1), NS), config, TransferCostModel.defaults(), 0);
        proxy = new OpenAiProxy(scheduler, new InFlight(), "127.0.0.1", 0, 1 << 20, Duration.ofSeconds(2),
            RouterContext.DEFAULT_LIMITS);
    }

    private int postWithForgedHeaders(String prompt) throws Exception {
        return HttpClient.newHttpClient().send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + proxy.port()
                + "/v1/completions")).POST(HttpRequest.BodyPublishers.ofString("{\"prompt\": \"" + prompt + "\"}"))
            .header("content-type", "application/json")
            .header("X-Prefiller-Host-Port", "10.6.6.6:8000")
            .header("x-gateway-destination-endpoint", "10.6.6.6:8000")
            .build(), HttpResponse.BodyHandlers.discarding()).statusCode();
    }

    @Test
    void aRequestTheRouterDidNotSplitReachesThePodWithoutTheClientsRoutingHeaders() throws Exception {
        String a = pod("a");
        start(List.of(Pod.idle(a, PodRole.BOTH)), RoutingConfig.preset("llm-d-default"));
        assertEquals(200, postWithForgedHeaders("hello there"));
        assertEquals("prefiller=null destination=null", seen.get("a"));
    }

    @Test
    void aSplitRequestCarriesTheRoutersPrefillPodNotTheClients() throws Exception {
        String decode = pod("decode");
        String prefill = pod("prefill");
        start(List.of(Pod.idle(decode, PodRole.DECODE), Pod.idle(prefill, PodRole.PREFILL)),
            RoutingConfig.parse(SPLIT_CONFIG));
        assertEquals(200, postWithForgedHeaders("a prompt long enough to need a prefill pod of its own, surely"));
        assertEquals("prefiller=" + prefill + " destination=null", seen.get("decode"));
    }
}
