package io.spillway.perf.bridge;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.spillway.bridge.Backend;
import io.spillway.bridge.HostKvCache;
import io.spillway.bridge.KvCacheSpec;
import io.spillway.bridge.agent.BridgeAgent;
import io.spillway.bridge.agent.AgentConnection;
import io.spillway.bridge.agent.AgentContext;
import io.spillway.client.ClientContext;
import io.spillway.client.GetResult;
import io.spillway.client.KvClient;
import io.spillway.client.PutResult;
import io.spillway.key.BlockKey;
import io.spillway.key.BlockKeys;
import io.spillway.key.Namespace;
import io.spillway.perf.RunDir;
import io.spillway.protocol.ErrorCode;
import io.spillway.server.ServerContext;
import io.spillway.server.SpillwayServer;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code bin/spillway bench bridge}: end-to-end save and load throughput through the agent (bridge copies on the
 * host backend, then kv-client to a node) against kv-client's own PUT and GET of the same blocks on the same node,
 * in batches of the agent's chunk with as many in flight as its pinned pool allows, interleaved, in one run: the
 * ratios are the figures, as the machines are noisy.
 */
@Command(name = "bridge", mixinStandardHelpOptions = true, sortOptions = false,
    description = {"Save and load through the GPU bridge's agent (host backend) against bench-style PUT and GET of "
        + "the same blocks on the same node, as ratios."})
public final class BridgeCommand implements Callable<Integer> {
    private static final ObjectMapper JSON = new ObjectMapper();

    @Option(names = "--blocks", defaultValue = "512", description = "Blocks a round moves (default: ${DEFAULT-VALUE}).")
    int blocks;

    @Option(names = "--layers", defaultValue = "4", description = "Layers (default: ${DEFAULT-VALUE}).")
    int layers;

    @Option(names = "--page-kib", defaultValue = "32", description = "KiB of a block's keys (or values) in one layer "
        + "(default: ${DEFAULT-VALUE}: 16 tokens x 8 heads x 128 x 2 bytes).")
    int pageKib;

    @Option(names = "--chunk-blocks", defaultValue = "16", description = "Blocks a step carries (default: "
        + "${DEFAULT-VALUE}).")
    int chunkBlocks;

    @Option(names = "--slots", defaultValue = "64", description = "Pinned slots (default: ${DEFAULT-VALUE}).")
    int slots;

    @Option(names = "--rounds", defaultValue = "3", description = "Interleaved rounds (default: ${DEFAULT-VALUE}).")
    int rounds;

    @Override
    public Integer call() throws Exception {
        if (blocks < 1 || layers < 1 || pageKib < 1 || chunkBlocks < 1 || slots < chunkBlocks || rounds < 1) {
            throw new IllegalArgumentException("sizes must be >= 1 and --slots >= --chunk-blocks");
        }
        int headSize = 128;
        int dtype = 2;
        int kvHeads = pageKib * 1024 / (16 * headSize * dtype);
        if (kvHeads < 1 || kvHeads * 16 * headSize * dtype != pageKib * 1024) {
            throw new IllegalArgumentException("--page-kib must be a multiple of 4");
        }
        KvCacheSpec spec = KvCacheSpec.kvFirst(layers, blocks, 16, kvHeads, headSize, dtype);
        long bytes = spec.blockBytes() * blocks;
        System.out.printf(Locale.ROOT, "%d blocks of %d KiB (%d layers), %.0f MiB a round; chunks of %d, %d slots%n",
            blocks, spec.blockBytes() >> 10, layers, bytes / 1048576.0, chunkBlocks, slots);
        try (RunDir dir = RunDir.create("spillway-bridge-bench-");
             SpillwayServer node = SpillwayServer.start(ServerContext.builder().plaintext().bind("127.0.0.1").dataPort(0)
                 .controlPort(0).httpPort(0).events("port", "0").dataDir(dir.path().resolve("node")).nodeId("bridge")
                 .maxBlockBytes((int) Math.max(1 << 20, spec.blockBytes())).cpuCapacityBytes(4 * bytes + (256L << 20))
                 .nvmeEnabled(false).build());
             HostKvCache worker = new HostKvCache(spec);
             BridgeAgent agent = new BridgeAgent(new AgentContext(dir.path().resolve("agent.sock"), "127.0.0.1",
                 node.dataPort(), node.controlPort(), Backend.HOST, 0, null, slots, chunkBlocks, "bench"));
             AgentConnection conn = new AgentConnection(dir.path().resolve("agent.sock"));
             KvClient client = KvClient.connect(ClientContext.builder().server("127.0.0.1", node.dataPort())
                 .controlPort(node.controlPort()).build())) {
            expectOk(conn.call(AgentConnection.registerRequest(spec, worker.handles(), "bench", kvHeads, headSize,
                "kv_first", null)));
            Namespace clientNamespace = Namespace.builder().tenant("bench-client").modelId("bench").layers(layers)
                .kvHeads(kvHeads).headDim(headSize).blockSizeTokens(16).build();
            BlockKey ns = client.registerNamespace(clientNamespace).get(10, TimeUnit.SECONDS);
            ByteBuffer[] buffers = new ByteBuffer[blocks];
            for (int i = 0; i < blocks; i++) {
                buffers[i] = ByteBuffer.allocateDirect((int) spec.blockBytes());
                buffers[i].put(worker.block(i)).flip();
            }
            double[][] gbps = new double[4][rounds];
            for (int r = 0; r < rounds; r++) {
                int[] tokens = new int[blocks * 16]; // each round its own prompt: nothing is in the cluster yet
                for (int t = 0; t < tokens.length; t++) {
                    tokens[t] = (r + 1) * 10_000_000 + t;
                }
                int[] ids = new int[blocks];
                Arrays.setAll(ids, i -> i);
                List<byte[]> before = new ArrayList<>();
                for (int i = 0; i < blocks; i++) {
                    before.add(worker.block(i));
                }
                gbps[0][r] = bytes / 1e9 / agentRound(conn, "save", "s" + r, tokens, ids, "saved");
                for (int g = 0; g < spec.regions(); g++) { // evict: the worker's blocks are overwritten
                    worker.region(g).put(new byte[(int) spec.regionBytes(g)]);
                }
                gbps[1][r] = bytes / 1e9 / agentRound(conn, "load", "l" + r, tokens, ids, "loaded");
                for (int i = 0; i < blocks; i++) {
                    if (!Arrays.equals(before.get(i), worker.block(i))) {
                        throw new IllegalStateException("block " + i + " came back with other bytes");
                    }
                }
                BlockKey[] keys = BlockKeys.chain(clientNamespace, tokens);
                gbps[2][r] = bytes / 1e9 / clientRound(client, ns, keys, buffers, true);
                gbps[3][r] = bytes / 1e9 / clientRound(client, ns, keys, buffers, false);
            }
            String[] names = {"agent save (device -> cluster)", "agent load (cluster -> device)", "client PUT",
                "client GET"};
            for (int i = 0; i < 4; i++) {
                System.out.printf(Locale.ROOT, "%-32s median %6.2f GB/s   rounds %s%n", names[i], median(gbps[i]),
                    Arrays.toString(Arrays.stream(gbps[i]).map(v -> Math.round(v * 100) / 100.0).toArray()));
            }
            System.out.printf(Locale.ROOT, "save / PUT %.2f, load / GET %.2f (medians; bytes verified each round)%n",
                median(gbps[0]) / median(gbps[2]), median(gbps[1]) / median(gbps[3]));
        }
        return 0;
    }

    /** One save or load of every block through the agent; seconds until {@code finished} reports it. */
    private static double agentRound(AgentConnection conn, String op, String req, int[] tokens, int[] ids,
                                     String field) throws Exception {
        ObjectNode r = JSON.createObjectNode().put("op", op).put("req", req).put("from", 0);
        Arrays.stream(tokens).forEach(r.withArray("tokens")::add);
        Arrays.stream(ids).forEach(r.withArray("block_ids")::add);
        String line = JSON.writeValueAsString(r); // built before the clock starts
        JsonNode request = JSON.readTree(line);
        long t0 = System.nanoTime();
        expectOk(conn.call(request));
        while (true) {
            JsonNode done = conn.call(JSON.createObjectNode().put("op", "finished"));
            if (done.get("failed_blocks").size() > 0) {
                throw new IllegalStateException(op + " failed blocks " + done.get("failed_blocks"));
            }
            for (JsonNode n : done.get(field)) {
                if (n.asText().equals(req)) {
                    return (System.nanoTime() - t0) / 1e9;
                }
            }
            Thread.onSpinWait();
        }
    }

    /** The same blocks through kv-client: batches of the agent's chunk, at most slots/chunk in flight. */
    private double clientRound(KvClient client, BlockKey ns, BlockKey[] keys, ByteBuffer[] buffers, boolean put)
        throws Exception {
        Semaphore inFlight = new Semaphore(Math.max(1, slots / chunkBlocks));
        List<CompletableFuture<?>> all = new ArrayList<>();
        long t0 = System.nanoTime();
        for (int at = 0; at < keys.length; at += chunkBlocks) {
            int to = Math.min(keys.length, at + chunkBlocks);
            BlockKey[] k = Arrays.copyOfRange(keys, at, to);
            ByteBuffer[] b = new ByteBuffer[to - at];
            for (int i = at; i < to; i++) {
                b[i - at] = put ? buffers[i].duplicate() : buffers[i].duplicate().clear();
            }
            inFlight.acquire();
            CompletableFuture<?> f = put ? client.put(ns, k, b).thenAccept(BridgeCommand::checkPut)
                : client.get(ns, k, b).thenAccept(BridgeCommand::checkGet);
            all.add(f.whenComplete((v, e) -> inFlight.release()));
        }
        CompletableFuture.allOf(all.toArray(new CompletableFuture[0])).get(5, TimeUnit.MINUTES);
        return (System.nanoTime() - t0) / 1e9;
    }

    private static void checkPut(PutResult r) {
        for (var s : r.statuses()) {
            if (s != ErrorCode.OK) {
                throw new IllegalStateException("a PUT was answered " + s);
            }
        }
    }

    private static void checkGet(GetResult r) {
        for (int i = 0; i < r.statuses().length; i++) {
            if (!r.hit(i)) {
                throw new IllegalStateException("a GET missed");
            }
        }
    }

    private static void expectOk(JsonNode answer) {
        if (!answer.path("ok").asBoolean()) {
            throw new IllegalStateException("the agent refused: " + answer);
        }
    }

    private static double median(double[] v) {
        double[] s = v.clone();
        Arrays.sort(s);
        return s[s.length / 2];
    }
}
