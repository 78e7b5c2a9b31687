package io.spillway.perf.bridge;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.sun.management.OperatingSystemMXBean;
import io.spillway.bridge.Backend;
import io.spillway.bridge.HostKvCache;
import io.spillway.bridge.KvCacheSpec;
import io.spillway.bridge.LayerPlacement;
import io.spillway.bridge.PageRuns;
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
import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.LocalDate;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;
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

    @Option(names = "--layout", defaultValue = "kv_first", description = "The worker's cache layout: kv_first (a "
        + "tensor a layer, keys then values: two runs a page), block_first (a tensor a layer, one run a page) or "
        + "cross_layer (one tensor, blocks outermost: a block is one contiguous run) (default: ${DEFAULT-VALUE}).")
    String layout;

    @Option(names = "--json", paramLabel = "FILE", description = "Also write the figures and ratios as JSON to FILE.")
    Path json;

    @Option(names = "--poll-us", defaultValue = "200", description = "Microseconds between the bench's 'finished' "
        + "polls, as a connector polls once an engine step (default: ${DEFAULT-VALUE}; 0: back to back).")
    int pollMicros;

    @Override
    public Integer call() throws Exception {
        if (blocks < 1 || layers < 1 || pageKib < 1 || chunkBlocks < 1 || slots < chunkBlocks || rounds < 1) {
            throw new IllegalArgumentException("sizes must be >= 1 and --slots >= --chunk-blocks");
        }
        if (pollMicros < 0) {
            throw new IllegalArgumentException("--poll-us must be >= 0, got " + pollMicros);
        }
        int headSize = 128;
        int dtype = 2;
        int kvHeads = pageKib * 1024 / (16 * headSize * dtype);
        if (kvHeads < 1 || kvHeads * 16 * headSize * dtype != pageKib * 1024) {
            throw new IllegalArgumentException("--page-kib must be a multiple of 4");
        }
        KvCacheSpec spec = switch (layout) {
            case "kv_first" -> KvCacheSpec.kvFirst(layers, blocks, 16, kvHeads, headSize, dtype);
            case "block_first" -> KvCacheSpec.blockFirst(layers, blocks, 16, kvHeads, headSize, dtype);
            case "cross_layer" -> crossLayer(layers, blocks, 2L * 16 * kvHeads * headSize * dtype);
            default -> throw new IllegalArgumentException("--layout must be kv_first, block_first or cross_layer, got "
                + layout);
        };
        long bytes = spec.blockBytes() * blocks;
        System.out.printf(Locale.ROOT, "%d blocks of %d KiB (%d layers, %s), %.0f MiB a round; chunks of %d, %d "
            + "slots%n", blocks, spec.blockBytes() >> 10, layers, layout, bytes / 1048576.0, chunkBlocks, slots);
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
                layout, null)));
            Namespace clientNamespace = Namespace.builder().tenant("bench-client").modelId("bench").layers(layers)
                .kvHeads(kvHeads).headDim(headSize).blockSizeTokens(16).build();
            BlockKey ns = client.registerNamespace(clientNamespace).get(10, TimeUnit.SECONDS);
            ByteBuffer[] buffers = new ByteBuffer[blocks];
            ByteBuffer[] landed = new ByteBuffer[blocks]; // where the client's GET writes, checked against buffers
            for (int i = 0; i < blocks; i++) {
                buffers[i] = ByteBuffer.allocateDirect((int) spec.blockBytes());
                buffers[i].put(worker.block(i)).flip();
                landed[i] = ByteBuffer.allocateDirect((int) spec.blockBytes());
            }
            double[][] gbps = new double[4][rounds];
            double[][] cpu = new double[4][rounds]; // this process's CPU seconds a GB: the work, whatever the load
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
                long cpu0 = processCpuNanos();
                gbps[0][r] = bytes / 1e9 / agentRound(conn, "save", "s" + r, tokens, ids, "saved", pollMicros);
                cpu[0][r] = cpuSecondsPerGb(cpu0, bytes);
                for (int g = 0; g < spec.regions(); g++) { // evict: the worker's blocks are overwritten
                    worker.region(g).put(new byte[(int) spec.regionBytes(g)]);
                }
                cpu0 = processCpuNanos();
                gbps[1][r] = bytes / 1e9 / agentRound(conn, "load", "l" + r, tokens, ids, "loaded", pollMicros);
                cpu[1][r] = cpuSecondsPerGb(cpu0, bytes);
                for (int i = 0; i < blocks; i++) {
                    if (!Arrays.equals(before.get(i), worker.block(i))) {
                        throw new IllegalStateException("block " + i + " came back with other bytes");
                    }
                }
                BlockKey[] keys = BlockKeys.chain(clientNamespace, tokens);
                cpu0 = processCpuNanos();
                gbps[2][r] = bytes / 1e9 / clientRound(client, ns, keys, buffers, true);
                cpu[2][r] = cpuSecondsPerGb(cpu0, bytes);
                for (ByteBuffer b : landed) { // last round's bytes would pass for this one's
                    b.clear().put(new byte[b.capacity()]).clear();
                }
                cpu0 = processCpuNanos();
                gbps[3][r] = bytes / 1e9 / clientRound(client, ns, keys, landed, false);
                cpu[3][r] = cpuSecondsPerGb(cpu0, bytes);
                for (int i = 0; i < blocks; i++) {
                    if (!buffers[i].equals(landed[i].clear())) {
                        throw new IllegalStateException("client GET: block " + i + " came back with other bytes");
                    }
                }
            }
            String[] names = {"agent save (device -> cluster)", "agent load (cluster -> device)", "client PUT",
                "client GET"};
            for (int i = 0; i < 4; i++) {
                System.out.printf(Locale.ROOT, "%-32s median %6.2f GB/s   rounds %s   CPU %.3f s/GB%n", names[i],
                    median(gbps[i]), Arrays.toString(Arrays.stream(gbps[i]).map(v -> Math.round(v * 100) / 100.0)
                        .toArray()), median(cpu[i]));
            }
            System.out.printf(Locale.ROOT, "save / PUT %.2f, load / GET %.2f (medians; the agent's loaded and the "
                + "client's GET bytes verified each round)%n",
                median(gbps[0]) / median(gbps[2]), median(gbps[1]) / median(gbps[3]));
            System.out.printf(Locale.ROOT, "save / PUT %.2f, load / GET %.2f (median of each round's own ratio)%n",
                median(pairedRatios(gbps[0], gbps[2])), median(pairedRatios(gbps[1], gbps[3])));
            System.out.printf(Locale.ROOT, "CPU a GB, agent / client: save %.2f, load %.2f (medians; the process's "
                + "CPU time, node included)%n", median(cpu[0]) / median(cpu[2]), median(cpu[1]) / median(cpu[3]));
            if (json != null) {
                writeJson(json, spec, bytes, names, gbps, cpu);
                System.out.println("wrote " + json);
            }
        }
        return 0;
    }

    /**
     * A cross-layer cache: one tensor {@code [num_blocks, layers, page]}, so that a block's every layer is one
     * contiguous run (vLLM's cross-layer layout for KV connectors).
     */
    private static KvCacheSpec crossLayer(int layers, int blocks, long pageBytes) {
        List<LayerPlacement> placed = new ArrayList<>();
        for (int l = 0; l < layers; l++) {
            placed.add(new LayerPlacement(0, l * pageBytes, layers * pageBytes, 0, blocks * layers * pageBytes));
        }
        return new KvCacheSpec(blocks, PageRuns.contiguous(pageBytes), placed);
    }

    private void writeJson(Path file, KvCacheSpec spec, long bytes, String[] names, double[][] gbps, double[][] cpu)
        throws IOException {
        ObjectNode out = JSON.createObjectNode().put("kind", "spillway-bench-bridge").put("bench", "bridge").put("backend", "host").put("layout", layout)
            .put("blocks", blocks).put("block_bytes", spec.blockBytes()).put("layers", layers)
            .put("bytes_per_round", bytes).put("chunk_blocks", chunkBlocks).put("slots", slots).put("rounds", rounds)
            .put("poll_us", pollMicros).put("bytes_verified", true)
            .put("load_average", ManagementFactory.getOperatingSystemMXBean().getSystemLoadAverage());
        String[] keys = {"agent_save", "agent_load", "client_put", "client_get"};
        ObjectNode phases = out.putObject("gbps");
        for (int i = 0; i < 4; i++) {
            ObjectNode p = phases.putObject(keys[i]).put("what", names[i]).put("median", median(gbps[i]))
                .put("cpu_seconds_per_gb", median(cpu[i]));
            Arrays.stream(gbps[i]).forEach(p.putArray("rounds")::add);
        }
        ObjectNode ratios = out.putObject("ratios");
        ratios.put("save_put", median(gbps[0]) / median(gbps[2])).put("load_get", median(gbps[1]) / median(gbps[3]))
            .put("save_put_paired", median(pairedRatios(gbps[0], gbps[2])))
            .put("load_get_paired", median(pairedRatios(gbps[1], gbps[3])))
            .put("save_put_cpu", cpuRatio(cpu[0], cpu[2])).put("load_get_cpu", cpuRatio(cpu[1], cpu[3]));
        // what bench eval --costs and the router's --costs read: a pod's load from the cluster is the agent's load
        out.putObject("costs").put("cpu_gbps", median(gbps[1])).put("source", "bench bridge, agent load of "
            + spec.blockBytes() + "-byte blocks (" + layout + " layout, host backend), " + LocalDate.now(ZoneOffset.UTC));
        Files.writeString(file, JSON.writerWithDefaultPrettyPrinter().writeValueAsString(out) + "\n",
            StandardCharsets.UTF_8);
    }

    private static long processCpuNanos() {
        return ((OperatingSystemMXBean) ManagementFactory.getOperatingSystemMXBean())
            .getProcessCpuTime();
    }

    private static double cpuSecondsPerGb(long cpuBefore, long bytes) {
        return (processCpuNanos() - cpuBefore) / 1e9 / (bytes / 1e9);
    }

    /**
     * The medians' ratio of two phases' CPU a GB, or null when the client's phase took less than the clock's tick
     * (the process's CPU time counts in jiffies: a tiny run reads 0).
     */
    private static Double cpuRatio(double[] agent, double[] client) {
        double c = median(client);
        return c > 0 ? median(agent) / c : null;
    }

    /** Each round's {@code a / b}: both measured back to back, under the same load. */
    private static double[] pairedRatios(double[] a, double[] b) {
        double[] out = new double[a.length];
        Arrays.setAll(out, i -> a[i] / b[i]);
        return out;
    }

    /**
     * One save or load of every block through the agent; seconds until {@code finished} reports it, polled every
     * {@code pollMicros} (back to back, the polls themselves take the CPU the transfer needs on a small machine).
     */
    private static double agentRound(AgentConnection conn, String op, String req, int[] tokens, int[] ids,
                                     String field, int pollMicros) throws Exception {
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
            if (pollMicros > 0) {
                LockSupport.parkNanos(pollMicros * 1_000L);
            } else {
                Thread.onSpinWait();
            }
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
