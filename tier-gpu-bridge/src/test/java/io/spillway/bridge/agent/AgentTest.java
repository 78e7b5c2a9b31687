package io.spillway.bridge.agent;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.spillway.bridge.Backend;
import io.spillway.bridge.HostKvCache;
import io.spillway.bridge.KvCacheSpec;
import io.spillway.bridge.KvLayout;
import io.spillway.server.ServerContext;
import io.spillway.server.SpillwayServer;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.channels.Channels;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.Base64;
import java.util.HashSet;
import java.util.Set;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The agent between a (host-backend) worker and a real node: register, save, a lookup, load into other blocks with
 * identical bytes, a miss, and a clear error for each bad request.
 */
class AgentTest {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final KvCacheSpec SPEC = new KvCacheSpec(2, 32, 16, 2, 16, 2, KvLayout.KV_FIRST);

    @TempDir
    Path dir;
    private SpillwayServer node;
    private Agent agent;
    private HostKvCache worker;
    private SocketChannel channel;
    private BufferedReader in;
    private OutputStream out;

    @BeforeEach
    void start() throws Exception {
        node = SpillwayServer.start(ServerContext.builder().bind("127.0.0.1").dataPort(0).controlPort(0).httpPort(0)
            .events("port", "0").dataDir(dir.resolve("node")).nodeId("agent-test").cpuCapacityBytes(64L << 20)
            .nvmeEnabled(false).build());
        agent = new Agent(new AgentContext(dir.resolve("agent.sock"), "127.0.0.1", node.dataPort(),
            node.controlPort(), Backend.HOST, 0, null, 8, 3, "test"));
        worker = new HostKvCache(SPEC);
        channel = SocketChannel.open(StandardProtocolFamily.UNIX);
        channel.connect(UnixDomainSocketAddress.of(dir.resolve("agent.sock")));
        in = new BufferedReader(new InputStreamReader(Channels.newInputStream(channel), StandardCharsets.UTF_8));
        out = Channels.newOutputStream(channel);
    }

    @AfterEach
    void stop() throws Exception {
        if (channel != null) {
            channel.close();
        }
        if (agent != null) {
            agent.close();
        }
        if (worker != null) {
            worker.close();
        }
        if (node != null) {
            node.close();
        }
    }

    @Test
    void savedBlocksAreFoundAndLoadedBackByteForByte() throws Exception {
        assertTrue(call("{\"op\": \"lookup\", \"tokens\": [1, 2]}").get("error").asText().contains("register"),
            "nothing is mapped before register");
        JsonNode registered = call(register());
        assertTrue(registered.get("ok").asBoolean(), registered.toString());
        assertEquals(SPEC.blockBytes(), registered.get("block_bytes").asLong());

        String prompt = tokens(7 * 16 + 5, 1); // 7 full blocks
        assertEquals(0, call("{\"op\": \"lookup\", \"tokens\": " + prompt + "}").get("blocks").asInt(),
            "an empty cluster: a miss, not an error");
        int[] workerBlocks = {4, 9, 1, 30, 2, 17, 8};
        JsonNode save = call("{\"op\": \"save\", \"req\": \"r1\", \"tokens\": " + prompt + ", \"block_ids\": "
            + JSON.writeValueAsString(workerBlocks) + ", \"from\": 0}");
        assertEquals(3, save.get("chunks").asInt(), "7 blocks in chunks of 3");
        awaitFinished("saved", "r1");
        assertEquals(7, call("{\"op\": \"lookup\", \"tokens\": " + prompt + "}").get("blocks").asInt());
        assertEquals(0, call("{\"op\": \"lookup\", \"tokens\": " + tokens(5 * 16, 99) + "}").get("blocks").asInt(),
            "another prompt misses");

        int[] into = {10, 11, 12, 13, 14}; // blocks 2..6 of the prompt into fresh worker blocks
        call("{\"op\": \"load\", \"req\": \"r2\", \"tokens\": " + prompt + ", \"block_ids\": "
            + JSON.writeValueAsString(into) + ", \"from\": 2}");
        JsonNode done = awaitFinished("loaded", "r2");
        assertEquals(0, done.get("failed_blocks").size(), done.toString());
        for (int i = 0; i < into.length; i++) {
            assertArrayEquals(worker.block(workerBlocks[2 + i]), worker.block(into[i]), "block " + (2 + i));
        }

        String longer = tokens(9 * 16, 1); // the same 7 blocks, then 2 the cluster lacks
        call("{\"op\": \"load\", \"req\": \"r3\", \"tokens\": " + longer + ", \"block_ids\": [20, 21, 22, 23, 24, 25,"
            + " 26, 27, 28], \"from\": 0}");
        JsonNode partial = awaitFinished("loaded", "r3");
        Set<Integer> failed = new HashSet<>();
        partial.get("failed_blocks").forEach(b -> failed.add(b.asInt()));
        assertEquals(Set.of(27, 28), failed, "the two blocks the cluster lacks are reported, the rest loaded");
        assertArrayEquals(worker.block(workerBlocks[6]), worker.block(26));
    }

    @Test
    void badRequestsAreClearErrorsAndTheConnectionGoesOn() throws Exception {
        call(register());
        assertTrue(call("this is not json").get("error").asText().contains("JSON"));
        assertTrue(call("{\"op\": \"evict\"}").get("error").asText().contains("unknown op 'evict'"));
        assertTrue(call("{\"op\": \"save\", \"req\": \"x\", \"tokens\": " + tokens(32, 1)
            + ", \"block_ids\": [99], \"from\": 0}").get("error").asText().contains("outside"));
        assertTrue(call("{\"op\": \"save\", \"req\": \"x\", \"tokens\": " + tokens(16, 1)
            + ", \"block_ids\": [1, 2], \"from\": 0}").get("error").asText().contains("full blocks"));
        ObjectNode badHandle = (ObjectNode) JSON.readTree(register());
        badHandle.putArray("handles").add(Base64.getEncoder().encodeToString(new byte[64]))
            .add(Base64.getEncoder().encodeToString(new byte[64]));
        JsonNode refused = call(JSON.writeValueAsString(badHandle));
        assertFalse(refused.get("ok").asBoolean());
        assertTrue(refused.get("error").asText().contains("IPC handle"), refused.toString());
        assertTrue(call("{\"op\": \"ping\"}").get("ok").asBoolean(), "still serving, still registered");
        assertEquals(0, call("{\"op\": \"lookup\", \"tokens\": " + tokens(32, 5) + "}").get("blocks").asInt());
    }

    private String register() throws Exception {
        ObjectNode r = JSON.createObjectNode().put("op", "register").put("model", "m").put("layers", SPEC.layers())
            .put("num_blocks", SPEC.numBlocks()).put("block_size", SPEC.blockSize()).put("kv_heads", SPEC.kvHeads())
            .put("head_size", SPEC.headSize()).put("dtype_bytes", SPEC.dtypeBytes()).put("layout", "kv_first");
        var handles = r.putArray("handles");
        worker.handles().forEach(h -> handles.add(Base64.getEncoder().encodeToString(h)));
        return JSON.writeValueAsString(r);
    }

    private JsonNode call(String line) throws Exception {
        out.write((line + "\n").getBytes(StandardCharsets.UTF_8));
        out.flush();
        return JSON.readTree(in.readLine());
    }

    /** Polls {@code finished} until {@code req} is in its {@code field}; returns that answer. */
    private JsonNode awaitFinished(String field, String req) throws Exception {
        long deadline = System.nanoTime() + 20_000_000_000L;
        while (System.nanoTime() < deadline) {
            JsonNode f = call("{\"op\": \"finished\"}");
            for (JsonNode r : f.get(field)) {
                if (r.asText().equals(req)) {
                    return f;
                }
            }
            Thread.sleep(5);
        }
        throw new AssertionError(req + " never finished");
    }

    private static String tokens(int n, int seed) {
        StringBuilder s = new StringBuilder("[");
        for (int i = 0; i < n; i++) {
            s.append(i == 0 ? "" : ",").append(seed * 1_000 + i);
        }
        return s.append(']').toString();
    }
}
