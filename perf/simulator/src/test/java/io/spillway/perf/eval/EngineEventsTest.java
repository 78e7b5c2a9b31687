package io.spillway.perf.eval;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.spillway.key.BlockKey;
import io.spillway.key.BlockKeys;
import io.spillway.key.Namespace;
import io.spillway.placement.index.BlockLocationIndex;
import io.spillway.placement.index.Location;
import io.spillway.placement.index.Medium;
import io.spillway.placement.routing.TransferCostModel;
import io.spillway.router.tokenize.CharacterTokenizer;
import io.spillway.router.vllm.VllmEventSubscriber;
import io.spillway.router.vllm.VllmPodEndpoint;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.function.BooleanSupplier;
import org.junit.jupiter.api.Test;
import org.zeromq.SocketType;
import org.zeromq.ZContext;
import org.zeromq.ZMQ;

/**
 * A live simulated pod's KV events read by the router's own vLLM-event subscriber: the index comes to hold the
 * prompt's blocks at the pod, under the keys the router computes from the same text, and lets them go when the pod
 * evicts them.
 */
class EngineEventsTest {
    /** 40 blocks of GPU: a few prompts of 6 blocks push out the first. */
    private static final EngineParams SMALL = new EngineParams(40, 16, 8_192, 1_000_000L, 0L,
        new TransferCostModel(2L << 20, 10e9, 3e9, 200_000, 1_000_000, 16));
    /** The router's namespace: its own, whatever the engine keys its blocks under. */
    private static final Namespace ROUTER_NS = Namespace.builder().modelId("m").layers(32).kvHeads(8).headDim(128)
        .build();

    private static String text(int variant) {
        StringBuilder s = new StringBuilder();
        for (int i = 0; s.length() < 400; i++) {
            s.append("prompt").append(variant).append(" word").append(i).append(' ');
        }
        return s.substring(0, 400); // 100 tokens: 6 full blocks
    }

    @Test
    void theRoutersIndexFollowsThePodsCache() throws Exception {
        BlockLocationIndex index = new BlockLocationIndex(10_000);
        try (EngineServer server = new EngineServer("127.0.0.1", 0, 0, EngineServer.namespaceOf("m"), SMALL, null,
            EnginePrompts.approximate("m"))) {
            String pod = "127.0.0.1:" + server.port();
            try (VllmEventSubscriber subscriber = VllmEventSubscriber.builder().index(index)
                .namespace("m", ROUTER_NS)
                .pod(new VllmPodEndpoint(pod, "tcp://127.0.0.1:" + server.eventsPort(), null, null))
                .pollTimeout(Duration.ofMillis(5)).build()) {
                HttpClient http = HttpClient.newHttpClient();
                joinFeed(http, server, subscriber, index, pod);
                BlockKey[] first = keys(text(0));
                assertEquals(6, first.length);
                complete(http, server, text(0));
                int gpu = index.locations().find(Location.pod(pod, Medium.GPU));
                drive(subscriber, () -> index.locations().find(Location.pod(pod, Medium.GPU)) != 0
                    && heldAll(index, first, pod), 5_000);
                assertTrue(heldAll(index, first, pod), "the index holds the first prompt's 6 blocks at the pod");
                for (int v = 1; v <= 7; v++) { // 42 more blocks through a 40-block cache
                    complete(http, server, text(v));
                }
                drive(subscriber, () -> !index.contains(first[0].hi(), first[0].lo(), index.locations()
                    .find(Location.pod(pod, Medium.GPU))), 5_000);
                gpu = index.locations().find(Location.pod(pod, Medium.GPU));
                assertTrue(!index.contains(first[0].hi(), first[0].lo(), gpu), "evicted, and the index knows");
                BlockKey[] last = keys(text(7));
                int at = gpu;
                drive(subscriber, () -> heldAll(index, last, pod), 5_000);
                assertTrue(heldAll(index, last, pod), "the latest prompt is held");
                assertEquals(0, subscriber.counters().unknownParents());
                assertEquals(0, subscriber.counters().gaps(), "no batch lost");
                assertTrue(index.sizeOf(at) <= 40, "never more than the pod's cache: " + index.sizeOf(at));
            }
        }
    }

    /**
     * Sends one-block prompts until one of them reaches the index: a ZMQ SUB joins its PUB some time after connect
     * (the slow joiner), and whatever the pod publishes before then is lost to it. A fixed wait failed a CI run
     * under load; each probe costs one block of the 40, and the least recently used go first.
     */
    private static void joinFeed(HttpClient http, EngineServer server, VllmEventSubscriber subscriber,
                                 BlockLocationIndex index, String pod) throws Exception {
        for (int probe = 0; probe < 20; probe++) {
            String text = String.format("probe%02d ", probe).repeat(8); // 64 chars: 16 tokens, one block
            BlockKey[] keys = keys(text);
            complete(http, server, text);
            drive(subscriber, () -> heldAll(index, keys, pod), 500);
            if (heldAll(index, keys, pod)) {
                return;
            }
        }
        throw new AssertionError("no probe prompt's block reached the index in 20 tries: " + subscriber.counters()
            + "; a fresh SUB on the pod's feed " + freshSubscriberSees(http, server));
    }

    /** Tells a failed join on the subscriber's side from one on the pod's: does a plain SUB see the pod publish? */
    private static String freshSubscriberSees(HttpClient http, EngineServer server) throws Exception {
        try (ZContext context = new ZContext(); ZMQ.Socket sub = context.createSocket(SocketType.SUB)) {
            sub.subscribe(new byte[0]);
            sub.connect("tcp://127.0.0.1:" + server.eventsPort());
            sub.setReceiveTimeOut(3_000);
            Thread.sleep(1_000);
            complete(http, server, "diagnose".repeat(8));
            byte[] topic = sub.recv();
            return topic == null ? "sees nothing in 3 s" : "sees topic " + new String(topic, StandardCharsets.UTF_8);
        }
    }

    private static BlockKey[] keys(String text) {
        return BlockKeys.chain(ROUTER_NS, new CharacterTokenizer(4).encode(text));
    }

    private static boolean heldAll(BlockLocationIndex index, BlockKey[] keys, String pod) {
        int id = index.locations().find(Location.pod(pod, Medium.GPU));
        if (id == 0) {
            return false;
        }
        for (BlockKey k : keys) {
            if (!index.contains(k.hi(), k.lo(), id)) {
                return false;
            }
        }
        return true;
    }

    private static void complete(HttpClient http, EngineServer server, String prompt) throws Exception {
        HttpResponse<String> r = http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + server.port()
            + "/v1/completions")).POST(HttpRequest.BodyPublishers.ofString("{\"prompt\":\"" + prompt
            + "\",\"max_tokens\":1}")).build(), HttpResponse.BodyHandlers.ofString());
        assertEquals(200, r.statusCode(), r.body());
    }

    private static void drive(VllmEventSubscriber subscriber, BooleanSupplier done, long millis) {
        long deadline = System.nanoTime() + millis * 1_000_000L;
        while (!done.getAsBoolean() && System.nanoTime() < deadline) {
            subscriber.doWork();
        }
    }
}
