package io.spillway.perf.eval.sidebyside;

import io.spillway.key.Namespace;
import io.spillway.placement.routing.RoutingConfig;
import io.spillway.router.service.Router;
import io.spillway.router.service.RouterContext;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.List;

/**
 * Spillway's router in this JVM over static pods, with their KV events ({@code --vllm-events listen=...}, as llm-d's
 * indexer listens) and the engine tokenizer (the sims' own /tokenize, so its tokens are those in the events), routing
 * with the given preset ({@code spillway-default}: precise prefix from the events, queue 2, KV utilisation 2).
 */
final class SpillwayRouterInProcess implements ComparedRouter {
    private final Router router;
    private final boolean takesEvents;
    private final HttpClient http = HttpClient.newHttpClient();

    private SpillwayRouterInProcess(Router router, boolean takesEvents) {
        this.router = router;
        this.takesEvents = takesEvents;
    }

    /** @param takesEvents false starts it without the pods' KV events (the check that they are what helps) */
    static Factory factory(String preset, boolean takesEvents) {
        return new Factory() {
            @Override
            public String name() {
                return "spillway (" + preset + (takesEvents ? "" : ", no KV events") + ")";
            }

            @Override
            public ComparedRouter start(List<String> pods, int eventsPort, int[] ports, String model) throws Exception {
                RouterContext.Builder ctx = RouterContext.builder().host("127.0.0.1").proxyPort(ports[0])
                    .extProcPort(ports[1]).httpPort(ports[2]).routing(RoutingConfig.preset(preset))
                    .namespace(Namespace.builder().modelId(model).layers(2).kvHeads(2).headDim(64)
                        .blockSizeTokens(SimSettings.BLOCK).build())
                    .tokenizer("engine");
                if (takesEvents) {
                    ctx.vllmEvents("listen=tcp://127.0.0.1:" + eventsPort);
                }
                pods.forEach(ctx::staticPod);
                return new SpillwayRouterInProcess(new Router(ctx.build()), takesEvents);
            }
        };
    }

    @Override
    public String name() {
        return "spillway";
    }

    @Override
    public int extProcPort() {
        return router.extProcPort();
    }

    @Override
    public long eventBlocksSeen() throws Exception {
        if (!takesEvents) {
            return -1;
        }
        String metrics = http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + router.httpPort()
            + "/metrics")).timeout(Duration.ofSeconds(5)).build(), HttpResponse.BodyHandlers.ofString()).body();
        return metrics.lines().filter(l -> l.startsWith("spillway_router_vllm_events_total")
                && l.contains("what=\"blocks-stored\""))
            .mapToLong(l -> (long) Double.parseDouble(l.substring(l.lastIndexOf(' ') + 1))).sum();
    }

    @Override
    public void close() {
        router.close();
    }
}
