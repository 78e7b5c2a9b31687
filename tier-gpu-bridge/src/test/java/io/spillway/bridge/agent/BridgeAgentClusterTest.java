package io.spillway.bridge.agent;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.spillway.bridge.Backend;
import io.spillway.bridge.HostKvCache;
import io.spillway.bridge.KvCacheSpec;
import io.spillway.server.ServerContext;
import io.spillway.server.SpillwayServer;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.io.TempDir;

/**
 * The agent with {@code spillway.agent.seeds} against a real two-node cluster (embedded Ignite members on loopback,
 * as kv-server's ClusterNodesTest starts them): the blocks of one save land on both nodes, as their partitions'
 * owners, and load back byte for byte; the same save through one node (no seeds) is refused NOT_OWNER for the
 * blocks that node does not own.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class BridgeAgentClusterTest {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final KvCacheSpec SPEC = KvCacheSpec.kvFirst(2, 32, 16, 2, 16, 2);
    private static final int BLOCKS = 16;

    @TempDir
    static Path dir;

    private final List<SpillwayServer> nodes = new ArrayList<>();

    @BeforeAll
    void startTwoNodes() {
        Set<Integer> taken = new HashSet<>();
        int discovery = freePorts(taken);
        int communication = freePorts(taken);
        String seeds = "127.0.0.1:" + discovery + ".." + (discovery + 2);
        for (int i = 0; i < 2; i++) {
            String name = "node-" + i;
            nodes.add(SpillwayServer.start(ServerContext.builder().plaintext().bind("127.0.0.1").dataPort(0).controlPort(0)
                .httpPort(0).events("port", "0").dataDir(dir.resolve(name)).cpuCapacityBytes(64L << 20)
                .nvmeEnabled(false).cluster("enabled", "true").cluster("nodeName", name)
                .cluster("partitions", "64").cluster("seeds", seeds)
                .cluster("discoveryPort", Integer.toString(discovery)).cluster("discoveryPortRange", "2")
                .cluster("communicationPort", Integer.toString(communication))
                .cluster("communicationPortRange", "2").cluster("failureDetectionTimeoutMs", "2000").build()));
        }
        await(() -> nodes.stream().allMatch(n -> n.cluster().currentMap().nodes().size() == 2),
            "both nodes see two members");
    }

    @AfterAll
    void stopNodes() {
        for (int i = nodes.size() - 1; i >= 0; i--) {
            nodes.get(i).close();
        }
    }

    @Test
    void withSeedsBlocksOfBothNodesSaveAndLoadBackByteForByte() throws Exception {
        List<String> seeds = nodes.stream().map(n -> "127.0.0.1:" + n.controlPort()).toList();
        AgentContext ctx = AgentContext.builder().socket(dir.resolve("cluster.sock")).backend("host").slots(8)
            .chunkBlocks(3).tenant("test").seeds(String.join(",", seeds)).build();
        assertEquals(seeds, ctx.clientContext().seeds(), "the seeds reach the client's settings");
        long[] before = storedBlocks();
        try (BridgeAgent agent = new BridgeAgent(ctx);
             AgentConnection conn = new AgentConnection(ctx.socket());
             HostKvCache worker = new HostKvCache(SPEC)) {
            assertTrue(conn.call(BridgeAgentTest.register(SPEC, worker.handles(), "m", null)).get("ok").asBoolean());
            String prompt = tokens(BLOCKS * 16, 11);
            int[] from = range(0, BLOCKS);
            conn.callRaw(transfer("save", "s", prompt, from));
            awaitFinished(conn, "saved", "s");
            JsonNode stats = conn.callRaw("{\"op\": \"stats\"}");
            assertEquals(0, stats.get("failed_puts").asLong(), "no block refused: " + stats);
            assertEquals(BLOCKS, stats.get("saved_blocks").asLong(), stats.toString());
            long[] after = storedBlocks();
            for (int i = 0; i < nodes.size(); i++) {
                assertTrue(after[i] > before[i], "node-" + i + " owns some of the blocks and holds them: "
                    + (after[i] - before[i]));
            }
            assertEquals(BLOCKS, after[0] - before[0] + after[1] - before[1], "each block on its one owner");

            JsonNode found = conn.callRaw("{\"op\": \"lookup\", \"tokens\": " + prompt + "}");
            assertEquals(BLOCKS, found.get("blocks").asInt(), found.toString());
            int[] into = range(BLOCKS, 2 * BLOCKS);
            conn.callRaw(transfer("load", "l", prompt, into));
            JsonNode done = awaitFinished(conn, "loaded", "l");
            assertEquals(0, done.get("failed_blocks").size(), done.toString());
            for (int i = 0; i < BLOCKS; i++) {
                assertArrayEquals(worker.block(from[i]), worker.block(into[i]), "block " + i);
            }
        }
    }

    @Test
    void withoutSeedsTheNodeRefusesTheBlocksItDoesNotOwn() throws Exception {
        SpillwayServer one = nodes.get(0);
        AgentContext ctx = new AgentContext(dir.resolve("one.sock"), "127.0.0.1", one.dataPort(), one.controlPort(),
            Backend.HOST, 0, null, 8, 3, "test");
        try (BridgeAgent agent = new BridgeAgent(ctx);
             AgentConnection conn = new AgentConnection(ctx.socket());
             HostKvCache worker = new HostKvCache(SPEC)) {
            assertTrue(conn.call(BridgeAgentTest.register(SPEC, worker.handles(), "m", null)).get("ok").asBoolean());
            conn.callRaw(transfer("save", "s", tokens(BLOCKS * 16, 12), range(0, BLOCKS)));
            awaitFinished(conn, "saved", "s");
            JsonNode stats = conn.callRaw("{\"op\": \"stats\"}");
            long failed = stats.get("failed_puts").asLong();
            assertTrue(failed > 0 && failed < BLOCKS, "node-0 refuses node-1's partitions (NOT_OWNER): " + stats);
            assertEquals(BLOCKS - failed, stats.get("saved_blocks").asLong(), stats.toString());
        }
    }

    private long[] storedBlocks() {
        return nodes.stream().mapToLong(n -> n.tiers().cpu().counters().blocks.get()).toArray();
    }

    private static String transfer(String op, String req, String tokens, int[] blocks) throws Exception {
        return "{\"op\": \"" + op + "\", \"req\": \"" + req + "\", \"gen\": 0, \"tokens\": " + tokens
            + ", \"block_ids\": " + JSON.writeValueAsString(blocks) + ", \"from\": 0}";
    }

    private static JsonNode awaitFinished(AgentConnection conn, String field, String req) throws Exception {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
        while (System.nanoTime() < deadline) {
            JsonNode f = conn.callRaw("{\"op\": \"finished\"}");
            for (JsonNode r : f.get(field)) {
                if (r.asText().equals(req)) {
                    return f;
                }
            }
            Thread.sleep(5);
        }
        throw new AssertionError(req + " never finished");
    }

    private static int[] range(int from, int to) {
        int[] out = new int[to - from];
        for (int i = 0; i < out.length; i++) {
            out[i] = from + i;
        }
        return out;
    }

    private static String tokens(int n, int seed) {
        StringBuilder s = new StringBuilder("[");
        for (int i = 0; i < n; i++) {
            s.append(i == 0 ? "" : ",").append(seed * 1_000 + i);
        }
        return s.append(']').toString();
    }

    private static void await(BooleanSupplier condition, String what) {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() > deadline) {
                throw new AssertionError("timed out waiting until " + what);
            }
            try {
                Thread.sleep(20);
            } catch (InterruptedException e) {
                throw new AssertionError(e);
            }
        }
    }

    /**
     * The first of three consecutive ports free on 127.0.0.1 a moment ago (a range of 2 after it: Ignite's
     * communication range excludes its end, discovery's includes it), below the kernel's ephemeral range (so no
     * outgoing connection takes one before a node binds it), and none in {@code taken}.
     */
    private static int freePorts(Set<Integer> taken) {
        for (int attempt = 0; attempt < 1_000; attempt++) {
            int p = ThreadLocalRandom.current().nextInt(20_000, 32_000);
            if (!taken.contains(p) && !taken.contains(p + 1) && !taken.contains(p + 2) && free(p) && free(p + 1)
                && free(p + 2)) {
                taken.addAll(List.of(p, p + 1, p + 2));
                return p;
            }
        }
        throw new IllegalStateException("no three free ports in 20000..32000");
    }

    private static boolean free(int port) {
        try (ServerSocket s = new ServerSocket()) {
            s.setReuseAddress(false);
            s.bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), port));
            return true;
        } catch (IOException e) {
            return false;
        }
    }
}
