package io.spillway.perf.feed;

import io.spillway.client.ClientContext;
import io.spillway.client.KvClient;
import io.spillway.client.PutResult;
import io.spillway.event.aeron.FeedMedia;
import io.spillway.event.feed.FeedSubscriberContext;
import io.spillway.key.BlockKey;
import io.spillway.key.Namespace;
import io.spillway.perf.launch.SpillwayServerProcess;
import io.spillway.placement.index.BlockLocationIndex;
import io.spillway.protocol.ErrorCode;
import io.spillway.router.feed.ClusterFeed;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

/**
 * An empty subscriber catching up with nodes that already hold many blocks: {@code nodes} real node processes (CPU
 * tier only), each filled with {@code blocksPerNode} small blocks through the data plane, then a subscriber with an
 * empty index ({@link ClusterFeed}) started in this JVM and timed until its index holds every block and every node's
 * session is live: media driver start, first heartbeats, and the snapshots streamed and loaded in parallel. Timed
 * twice: this JVM's first catch-up (gRPC's and the index's code loaded and compiled during it), and a second one with
 * a new subscriber and a new empty index, as a router that restarts its feed, or a fresh one in a warmed image, sees.
 */
final class CatchupBench {
    /**
     * @param seconds     a new subscriber with an empty index, the JVM's second catch-up
     * @param coldSeconds the JVM's first catch-up
     */
    record Result(int nodes, long blocksPerNode, double seconds, double coldSeconds, long indexKeys) {
    }

    private record Round(double seconds, long indexKeys) {
    }

    private static final int BLOCK_BYTES = 16;
    private static final int BATCH = 1024;
    private static final Namespace NAMESPACE = Namespace.builder().modelId("bench/catchup").layers(1).kvHeads(1)
        .headDim(8).build();

    private CatchupBench() {
    }

    static Result run(Path dir, int nodes, int blocksPerNode) throws Exception {
        List<SpillwayServerProcess> servers = new ArrayList<>();
        try {
            for (int n = 0; n < nodes; n++) {
                servers.add(SpillwayServerProcess.start(dir.resolve("node-" + n),
                    Long.toString(Math.max(64L << 20, 256L * blocksPerNode)), "1g",
                    List.of("--set", "spillway.server.nodeId=catchup-" + n, "--set", "spillway.server.nvmeEnabled=false"),
                    List.of("-Xmx1g"), "node.log", 0));
            }
            for (int n = 0; n < nodes; n++) {
                fill(servers.get(n), n, blocksPerNode);
            }
            for (SpillwayServerProcess s : servers) {
                awaitFeedIdle(s);
            }
            long expected = (long) nodes * blocksPerNode;
            Round cold = catchUp(servers, dir.resolve("subscriber-cold"), expected);
            Round warm = catchUp(servers, dir.resolve("subscriber-warm"), expected);
            return new Result(nodes, blocksPerNode, warm.seconds, cold.seconds, warm.indexKeys);
        } finally {
            for (SpillwayServerProcess s : servers) {
                s.close();
            }
        }
    }

    /** Puts {@code blocks} small blocks into the node, batches of {@value #BATCH}, a few in flight. */
    private static void fill(SpillwayServerProcess node, int n, int blocks) throws Exception {
        try (KvClient client = KvClient.connect(ClientContext.builder().server("127.0.0.1", node.dataPort())
            .controlPort(node.controlPort()).connections(2).requestTimeout(Duration.ofSeconds(30)).build())) {
            BlockKey ns = client.registerNamespace(NAMESPACE).get(30, TimeUnit.SECONDS);
            ByteBuffer[] bytes = new ByteBuffer[BATCH];
            for (int i = 0; i < BATCH; i++) {
                bytes[i] = ByteBuffer.allocateDirect(BLOCK_BYTES);
            }
            List<CompletableFuture<PutResult>> inFlight = new ArrayList<>();
            for (int from = 0; from < blocks; from += BATCH) {
                int count = Math.min(BATCH, blocks - from);
                BlockKey[] keys = new BlockKey[count];
                for (int i = 0; i < count; i++) {
                    keys[i] = new BlockKey(0xCA7C_0000L + n, from + i);
                }
                inFlight.add(client.put(ns, keys, count == BATCH ? bytes : Arrays.copyOf(bytes, count)));
                if (inFlight.size() == 8) {
                    check(inFlight.remove(0).get(60, TimeUnit.SECONDS));
                }
            }
            for (CompletableFuture<PutResult> f : inFlight) {
                check(f.get(60, TimeUnit.SECONDS));
            }
        }
    }

    private static void check(PutResult r) {
        for (ErrorCode c : r.statuses()) {
            if (c != ErrorCode.OK) {
                throw new IllegalStateException("a fill put answered " + c);
            }
        }
    }

    /** Waits until the node reports no keys waiting in its feed for half a second (its metrics endpoint). */
    private static void awaitFeedIdle(SpillwayServerProcess node) throws Exception {
        HttpClient http = HttpClient.newHttpClient();
        HttpRequest metrics = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + node.httpPort() + "/metrics"))
            .GET().build();
        long quietSince = System.nanoTime();
        long deadline = quietSince + TimeUnit.SECONDS.toNanos(120);
        while (System.nanoTime() - quietSince < TimeUnit.MILLISECONDS.toNanos(500)) {
            String text = http.send(metrics, HttpResponse.BodyHandlers.ofString()).body();
            if (!text.contains("spillway_events_pending_keys 0.0")) {
                quietSince = System.nanoTime();
            }
            if (System.nanoTime() > deadline) {
                throw new IllegalStateException("the node's feed never went idle");
            }
            Thread.sleep(50);
        }
    }

    /** A new subscriber with an empty index, timed until it holds every block and every session is live. */
    private static Round catchUp(List<SpillwayServerProcess> servers, Path dir, long expected) throws Exception {
        System.gc();
        FeedSubscriberContext.Builder ctx = FeedSubscriberContext.builder()
            .media(FeedMedia.Settings.defaults(dir.resolve("aeron").toString()));
        for (SpillwayServerProcess s : servers) {
            ctx.node("127.0.0.1:" + s.eventsPort());
        }
        long start = System.nanoTime();
        try (BlockLocationIndex index = ClusterFeed.index(expected + expected / 4, expected); // 25% headroom
             ClusterFeed feed = ClusterFeed.start(ctx.build(), index)) {
            long deadline = start + TimeUnit.SECONDS.toNanos(60);
            while (index.size() < expected || feed.subscriber().liveSessions() < servers.size()) {
                if (System.nanoTime() > deadline) {
                    throw new IllegalStateException("caught up " + index.size() + " of " + expected + " keys in 60 s");
                }
                Thread.sleep(1);
            }
            return new Round((System.nanoTime() - start) / 1e9, index.size());
        }
    }
}
