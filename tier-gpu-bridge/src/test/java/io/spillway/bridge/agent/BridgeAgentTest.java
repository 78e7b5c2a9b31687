package io.spillway.bridge.agent;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.spillway.bridge.Backend;
import io.spillway.bridge.BridgeContextTest;
import io.spillway.bridge.HostKvCache;
import io.spillway.bridge.KvCacheSpec;
import io.spillway.bridge.LayerPlacement;
import io.spillway.bridge.SharedSegment;
import io.spillway.bridge.TransferFence;
import io.spillway.server.ServerContext;
import io.spillway.server.SpillwayServer;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.ByteOrder;
import java.nio.channels.Channels;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileSystems;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.nio.file.attribute.UserPrincipal;
import java.time.Duration;
import java.util.Arrays;
import java.util.Base64;
import java.util.Comparator;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The agent between a (host-backend) worker and a real node: register every layout, save, a lookup, load into
 * other blocks with identical bytes, a miss, extra keys, fenced generations, a failed copy, and a clear error for
 * each bad request.
 */
class BridgeAgentTest {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final KvCacheSpec SPEC = KvCacheSpec.kvFirst(2, 32, 16, 2, 16, 2);

    @TempDir
    Path dir;
    private SpillwayServer node;
    private BridgeAgent agent;
    private AgentConnection conn;
    private HostKvCache worker;

    @BeforeEach
    void start() throws Exception {
        node = SpillwayServer.start(ServerContext.builder().plaintext().bind("127.0.0.1").dataPort(0).controlPort(0).httpPort(0)
            .events("port", "0").dataDir(dir.resolve("node")).nodeId("agent-test").cpuCapacityBytes(64L << 20)
            .nvmeEnabled(false).build());
        startAgent(0);
    }

    private void startAgent(int copyFaults) throws Exception {
        agent = new BridgeAgent(new AgentContext(dir.resolve("agent.sock"), "127.0.0.1", node.dataPort(),
            node.controlPort(), Backend.HOST, 0, null, 8, 3, "test", copyFaults));
        conn = new AgentConnection(dir.resolve("agent.sock"));
    }

    @AfterEach
    void stop() throws Exception {
        if (conn != null) {
            conn.close();
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
    void everyLayoutSavesAndLoadsBackByteForByte() throws Exception {
        int model = 0;
        for (KvCacheSpec spec : BridgeContextTest.layouts()) {
            try (HostKvCache w = new HostKvCache(spec)) {
                JsonNode registered = call(register(spec, w.handles(), "m" + model++, null));
                assertTrue(registered.get("ok").asBoolean(), spec + ": " + registered);
                assertEquals(spec.blockBytes(), registered.get("block_bytes").asLong());
                String prompt = tokens(5 * 16, 7);
                call(transfer("save", "s" + model, prompt, new int[] {1, 3, 5, 7, 9}, 0, 0, null));
                awaitFinished("saved", "s" + model);
                call(transfer("load", "l" + model, prompt, new int[] {15, 14, 13, 12, 11}, 0, 0, null));
                JsonNode done = awaitFinished("loaded", "l" + model);
                assertEquals(0, done.get("failed_blocks").size(), done.toString());
                int[] from = {1, 3, 5, 7, 9};
                int[] into = {15, 14, 13, 12, 11};
                for (int i = 0; i < 5; i++) {
                    assertArrayEquals(w.block(from[i]), w.block(into[i]), spec + ": block " + i);
                }
            }
        }
    }

    @Test
    void savedBlocksAreFoundAndLoadedBackByteForByte() throws Exception {
        worker = new HostKvCache(SPEC);
        assertTrue(call("{\"op\": \"lookup\", \"tokens\": [1, 2]}").get("error").asText().contains("register"),
            "nothing is mapped before register");
        JsonNode registered = call(register(SPEC, worker.handles(), "m", null));
        assertTrue(registered.get("ok").asBoolean(), registered.toString());

        String prompt = tokens(7 * 16 + 5, 1); // 7 full blocks
        assertEquals(0, lookup(prompt, null), "an empty cluster: a miss, not an error");
        int[] workerBlocks = {4, 9, 1, 30, 2, 17, 8};
        JsonNode save = call(transfer("save", "r1", prompt, workerBlocks, 0, 0, null));
        assertEquals(3, save.get("chunks").asInt(), "7 blocks in chunks of 3");
        awaitFinished("saved", "r1");
        assertEquals(7, lookup(prompt, null));
        assertEquals(0, lookup(tokens(5 * 16, 99), null), "another prompt misses");

        int[] into = {10, 11, 12, 13, 14}; // blocks 2..6 of the prompt into fresh worker blocks
        call(transfer("load", "r2", prompt, into, 2, 0, null));
        JsonNode done = awaitFinished("loaded", "r2");
        assertEquals(0, done.get("failed_blocks").size(), done.toString());
        for (int i = 0; i < into.length; i++) {
            assertArrayEquals(worker.block(workerBlocks[2 + i]), worker.block(into[i]), "block " + (2 + i));
        }

        String longer = tokens(9 * 16, 1); // the same 7 blocks, then 2 the cluster lacks
        call(transfer("load", "r3", longer, new int[] {20, 21, 22, 23, 24, 25, 26, 27, 28}, 0, 0, null));
        JsonNode partial = awaitFinished("loaded", "r3");
        assertEquals(Set.of(27, 28), ints(partial.get("failed_blocks")),
            "the two blocks the cluster lacks are reported, the rest loaded");
        assertArrayEquals(worker.block(workerBlocks[6]), worker.block(26));
    }

    @Test
    void extraKeysSeparateRequestsWithTheSameTokens() throws Exception {
        worker = new HostKvCache(SPEC);
        call(register(SPEC, worker.handles(), "m", null));
        String prompt = tokens(4 * 16, 3);
        String lora = "{\"lora\": \"sql\"}";
        call(transfer("save", "a", prompt, new int[] {0, 1, 2, 3}, 0, 0, lora));
        awaitFinished("saved", "a");
        assertEquals(4, lookup(prompt, lora), "the same adapter hits");
        assertEquals(0, lookup(prompt, null), "the base model does not see the adapter's blocks");
        assertEquals(0, lookup(prompt, "{\"lora\": \"other\"}"));
        assertEquals(0, lookup(prompt, "{\"lora\": \"sql\", \"cache_salt\": \"s\"}"), "a salt isolates");
        assertEquals(4, lookup(prompt, "{\"lora\": \"sql\", \"mm\": [[\"img\", 64, 8]]}"),
            "an image after the saved blocks keys none of them");
        assertEquals(1, lookup(prompt, "{\"lora\": \"sql\", \"mm\": [[\"img\", 20, 8]]}"),
            "an image in block 1 changes it and every later block");
        String digest = "00".repeat(32);
        assertEquals(2, lookup(prompt, "{\"lora\": \"sql\", \"embeds\": [[32, 16, \"" + digest + "\"]]}"));
        JsonNode bad = call("{\"op\": \"lookup\", \"tokens\": " + prompt + ", \"extras\": {\"mm\": [[1, 2]]}}");
        assertTrue(bad.get("error").asText().contains("[identifier, offset, length]"), bad.toString());
        bad = call("{\"op\": \"lookup\", \"tokens\": " + prompt + ", \"extras\": {\"embeds\": [[0, 16, \"zz\"]]}}");
        assertTrue(bad.get("error").asText().contains("not hex"), bad.toString());
    }

    @Test
    void aFencedGenerationNeverTouchesTheWorkersBlocks() throws Exception {
        worker = new HostKvCache(SPEC);
        try (SharedSegment page = new SharedSegment(TransferFence.BYTES)) {
            call(register(SPEC, worker.handles(), "m", page.handle()));
            assertEquals(ProcessHandle.current().pid(), page.buffer().order(ByteOrder.LITTLE_ENDIAN).getLong(16),
                "the agent writes its pid for the connector");
            String prompt = tokens(4 * 16, 5);
            page.buffer().order(ByteOrder.LITTLE_ENDIAN).putLong(0, 3); // the connector gave up on generations < 3
            call(transfer("save", "old", prompt, new int[] {0, 1, 2, 3}, 0, 2, null));
            awaitFinished("saved", "old");
            assertEquals(0, lookup(prompt, null), "a fenced save sends nothing");
            JsonNode stats = call("{\"op\": \"stats\"}");
            assertEquals(2, stats.get("fenced_steps").asLong(), "two chunks of 3 and 1: " + stats);
            assertEquals(0, stats.get("busy").asLong());

            call(transfer("save", "new", prompt, new int[] {0, 1, 2, 3}, 0, 3, null));
            awaitFinished("saved", "new");
            assertEquals(4, lookup(prompt, null), "the current generation saves");

            byte[] before = worker.block(20);
            call(transfer("load", "stale", prompt, new int[] {20, 21, 22, 23}, 0, 1, null));
            JsonNode done = awaitFinished("loaded", "stale");
            assertEquals(Set.of(20, 21, 22, 23), ints(done.get("failed_blocks")));
            assertArrayEquals(before, worker.block(20), "a fenced load wrote nothing");
            assertEquals(4, call("{\"op\": \"stats\"}").get("fenced_steps").asLong());
        }
    }

    @Test
    void inPlaceBlocksSaveLoadReportAMissAndKeepTheFence() throws Exception {
        KvCacheSpec crossLayer = BridgeContextTest.layouts().get(2); // each block one run: moved in place
        worker = new HostKvCache(crossLayer);
        try (SharedSegment page = new SharedSegment(TransferFence.BYTES)) {
            assertTrue(call(register(crossLayer, worker.handles(), "m", page.handle())).get("ok").asBoolean());
            assertTrue(call("{\"op\": \"stats\"}").get("in_place").asBoolean(), "the cross-layer cache is in place");
            String prompt = tokens(7 * 16, 11);
            int[] from = {4, 9, 1, 14, 2, 3, 8};
            call(transfer("save", "s", prompt, from, 0, 1, null));
            awaitFinished("saved", "s");
            assertEquals(7, lookup(prompt, null));

            String longer = tokens(9 * 16, 11); // the same 7 blocks, then 2 the cluster lacks
            int[] into = {5, 6, 7, 10, 11, 12, 13, 0, 15};
            byte[] before15 = worker.block(15);
            call(transfer("load", "l", longer, into, 0, 1, null));
            JsonNode done = awaitFinished("loaded", "l");
            assertEquals(Set.of(0, 15), ints(done.get("failed_blocks")), done.toString());
            for (int i = 0; i < from.length; i++) {
                assertArrayEquals(worker.block(from[i]), worker.block(into[i]), "block " + i);
            }
            assertArrayEquals(before15, worker.block(15), "a block the cluster lacks is not written");

            page.buffer().order(ByteOrder.LITTLE_ENDIAN).putLong(0, 3); // the connector gave up on generations < 3
            byte[] before1 = worker.block(1);
            call(transfer("load", "stale", prompt, new int[] {1, 2}, 5, 2, null));
            JsonNode stale = awaitFinished("loaded", "stale");
            assertEquals(Set.of(1, 2), ints(stale.get("failed_blocks")), stale.toString());
            assertArrayEquals(before1, worker.block(1), "a fenced load wrote nothing in place");
            String other = tokens(2 * 16, 12);
            call(transfer("save", "old", other, new int[] {3, 4}, 0, 2, null));
            awaitFinished("saved", "old");
            assertEquals(0, lookup(other, null), "a fenced save sends nothing");
            JsonNode stats = call("{\"op\": \"stats\"}");
            assertEquals(2, stats.get("fenced_steps").asLong(), stats.toString());
            assertEquals(0, stats.get("busy").asLong(), "every in-place transfer let the fence go: " + stats);
            assertEquals(7, stats.get("saved_blocks").asLong(), stats.toString());
            assertEquals(7, stats.get("loaded_blocks").asLong(), stats.toString());
        }
    }

    @Test
    void aFailedCopyFailsItsStepAndTheLoopGoesOn() throws Exception {
        conn.close();
        agent.close();
        startAgent(2);
        worker = new HostKvCache(SPEC);
        call(register(SPEC, worker.handles(), "m", null));
        String prompt = tokens(2 * 16, 6);
        call(transfer("save", "broken", prompt, new int[] {5, 6}, 0, 0, null));
        JsonNode done = awaitFinished("saved", "broken");
        long asked = System.nanoTime();
        JsonNode ping = call("{\"op\": \"ping\"}");
        long pingNanos = System.nanoTime() - asked;
        assertTrue(ping.get("ok").asBoolean(), ping.toString());
        assertTrue(pingNanos < 1_000_000_000L, "the ping after a failed copy took " + pingNanos / 1_000_000 + " ms");
        assertEquals(1, done.get("errors").size(), "the failed copy is answered as an error: " + done);
        assertEquals("broken", done.get("errors").get(0).get("req").asText());
        assertEquals("save: a device copy failed: a copy failed: injected fault (host backend)",
            done.get("errors").get(0).get("error").asText());
        assertEquals(1, call("{\"op\": \"stats\"}").get("failed_copies").asLong());
        assertEquals(0, lookup(prompt, null), "a failed copy sends nothing");
        call(transfer("save", "broken-too", prompt, new int[] {5, 6}, 0, 0, null));
        JsonNode second = awaitFinished("saved", "broken-too");
        assertEquals(1, second.get("errors").size(), "the second injected fault: " + second);
        byte[] before = worker.block(20);
        call(transfer("save", "next", prompt, new int[] {5, 6}, 0, 0, null));
        JsonNode next = awaitFinished("saved", "next");
        assertEquals(0, next.get("errors").size(), "no fault left: " + next);
        assertEquals(2, lookup(prompt, null), "the next save works");
        call(transfer("load", "back", prompt, new int[] {20, 21}, 0, 0, null));
        JsonNode loaded = awaitFinished("loaded", "back");
        assertEquals(0, loaded.get("failed_blocks").size(), loaded.toString());
        assertTrue(!Arrays.equals(before, worker.block(20)), "the load wrote block 20");
        assertEquals(2, call("{\"op\": \"stats\"}").get("failed_copies").asLong());
        assertEquals(0, call("{\"op\": \"stats\"}").get("loop_errors").asLong());
    }

    @Test
    void aLoadWhoseCopyFailsReportsItsBlocksAndTheErrorTogether() throws Exception {
        worker = new HostKvCache(SPEC);
        call(register(SPEC, worker.handles(), "m", null));
        String prompt = tokens(2 * 16, 8);
        call(transfer("save", "first", prompt, new int[] {1, 2}, 0, 0, null));
        awaitFinished("saved", "first");
        conn.close();
        agent.close();
        startAgent(1); // a fresh agent: its first copy, the load's, fails
        call(register(SPEC, worker.handles(), "m", null));
        byte[] before = worker.block(20);
        call(transfer("load", "l", prompt, new int[] {20, 21}, 0, 0, null));
        JsonNode done = awaitFinished("loaded", "l");
        assertEquals(Set.of(20, 21), ints(done.get("failed_blocks")), done.toString());
        assertEquals("l", done.get("errors").get(0).get("req").asText());
        assertTrue(done.get("errors").get(0).get("error").asText().startsWith("load: a device copy failed"),
            done.toString());
        assertTrue(call("{\"op\": \"ping\"}").get("ok").asBoolean());
        call(transfer("load", "again", prompt, new int[] {20, 21}, 0, 0, null));
        JsonNode again = awaitFinished("loaded", "again");
        assertEquals(0, again.get("failed_blocks").size(), again.toString());
        assertTrue(!Arrays.equals(before, worker.block(20)), "the next load wrote its blocks");
    }

    @Test
    void theSocketIsTheAgentsUsersAloneWhateverTheUmask() throws Exception {
        Path socket = dir.resolve("agent.sock");
        assertEquals(PosixFilePermissions.fromString("rw-------"), Files.getPosixFilePermissions(socket,
            LinkOption.NOFOLLOW_LINKS));
        try (var left = Files.list(dir)) {
            assertEquals(List.of(), left.filter(p -> p.getFileName().toString().startsWith(".sw")).toList(),
                "the private directory it was bound in is gone");
        }
        Path notASocket = dir.resolve("data");
        Files.writeString(notASocket, "keep me");
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> new BridgeAgent(context(
            notASocket, 0)));
        assertTrue(e.getMessage().contains("not a socket"), e.getMessage());
        assertEquals("keep me", Files.readString(notASocket), "never deleted");
        e = assertThrows(IllegalArgumentException.class, () -> new BridgeAgent(context(socket, 0)));
        assertTrue(e.getMessage().contains("another agent is listening there"), e.getMessage());
        assertTrue(call("{\"op\": \"ping\"}").get("ok").asBoolean(), "the first agent still serves");
    }

    @Test
    void aSocketPathNearTheLengthLimitStillBinds() throws Exception {
        Path base = Files.createTempDirectory(Path.of("/tmp"), "sw"); // short on every machine, unlike target/
        try {
            int pad = 103 - base.toString().length() - "/".length() - "/agent.sock".length();
            Path socket = Files.createDirectory(base.resolve("d".repeat(pad))).resolve("agent.sock");
            assertEquals(103, socket.toString().length(), "a path of 103 bytes: the limit is 107");
            try (BridgeAgent near = new BridgeAgent(context(socket, 0));
                 AgentConnection c = new AgentConnection(socket)) {
                assertTrue(c.callRaw("{\"op\": \"ping\"}").get("ok").asBoolean(), "bound within the limit");
            }
        } finally {
            try (var all = Files.walk(base)) {
                all.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
            }
        }
    }

    @Test
    void aPeerOfAnotherUserIsRefusedCountedAndAnAllowedOneServed() throws Exception {
        conn.close();
        agent.close();
        int uid = (Integer) Files.getAttribute(dir, "unix:uid");
        UserPrincipal stranger = FileSystems.getDefault().getUserPrincipalLookupService()
            .lookupPrincipalByName(Integer.toString(uid + 1));
        agent = new BridgeAgent(context(dir.resolve("agent.sock"), 0), stranger); // it takes itself for uid + 1
        try (SocketChannel peer = SocketChannel.open(StandardProtocolFamily.UNIX)) {
            peer.connect(UnixDomainSocketAddress.of(dir.resolve("agent.sock")));
            BufferedReader in = new BufferedReader(new InputStreamReader(Channels.newInputStream(peer),
                StandardCharsets.UTF_8));
            // unasked: an agent that admitted the peer would wait for a request, and this would time out
            JsonNode refusal = assertTimeoutPreemptively(Duration.ofSeconds(10), () -> JSON.readTree(in.readLine()));
            assertFalse(refusal.get("ok").asBoolean());
            assertTrue(refusal.get("error").asText().startsWith("refused: user ")
                && refusal.get("error").asText().contains("spillway.agent.peerUids"), refusal.toString());
            assertEquals(null, assertTimeoutPreemptively(Duration.ofSeconds(10), in::readLine),
                "and the connection is closed");
        }
        try (AgentConnection connector = new AgentConnection(dir.resolve("agent.sock"))) {
            JsonNode answer = connector.callRaw("{\"op\": \"ping\"}"); // as the connector does: request, then read
            assertTrue(answer.get("error").asText().startsWith("refused: user "), answer.toString());
        }
        assertEquals(2, agent.counters().refusedPeers.get());
        agent.close();

        AgentContext allowing = new AgentContext(dir.resolve("agent.sock"), "127.0.0.1", node.dataPort(),
            node.controlPort(), Backend.HOST, 0, null, 8, 3, "test", 0, List.of(),
            AgentContext.SEGMENT_PREFIX_DEFAULT, List.of(uid));
        agent = new BridgeAgent(allowing, stranger);
        conn = new AgentConnection(dir.resolve("agent.sock"));
        JsonNode stats = call("{\"op\": \"stats\"}");
        assertTrue(stats.get("ok").asBoolean(), "a peer uid is served: " + stats);
        assertEquals(0, stats.get("refused_peers").asLong());
    }

    @Test
    void aWorkerSegmentWithoutTheAgentsPrefixIsNotOpened() throws Exception {
        conn.close();
        agent.close();
        agent = new BridgeAgent(new AgentContext(dir.resolve("agent.sock"), "127.0.0.1", node.dataPort(),
            node.controlPort(), Backend.HOST, 0, null, 8, 3, "test", 0, List.of(), "vllm-only-", List.of()));
        conn = new AgentConnection(dir.resolve("agent.sock"));
        worker = new HostKvCache(SPEC); // its segments are named /spillway-...
        JsonNode refused = call(register(SPEC, worker.handles(), "m", null));
        assertTrue(refused.get("error").asText().contains("refused, this agent opens only shared-memory segments "
            + "named /vllm-only-"), refused.toString());
        try (SharedSegment page = new SharedSegment(TransferFence.BYTES)) {
            agent.close();
            conn.close();
            startAgent(0);
            ObjectNode withFence = register(SPEC, worker.handles(), "m", page.handle());
            assertTrue(call(withFence).get("ok").asBoolean(), "the default prefix opens the bridge's own segments");
        }
    }

    private AgentContext context(Path socket, int copyFaults) {
        return new AgentContext(socket, "127.0.0.1", node.dataPort(), node.controlPort(), Backend.HOST, 0, null, 8, 3,
            "test", copyFaults);
    }

    @Test
    void badRequestsAreClearErrorsAndTheConnectionGoesOn() throws Exception {
        worker = new HostKvCache(SPEC);
        call(register(SPEC, worker.handles(), "m", null));
        assertTrue(call("this is not json").get("error").asText().contains("JSON"));
        assertTrue(call("{\"op\": \"evict\"}").get("error").asText().contains("unknown op 'evict'"));
        assertTrue(call(transfer("save", "x", tokens(32, 1), new int[] {99}, 0, 0, null)).get("error").asText()
            .contains("outside"));
        assertTrue(call(transfer("save", "x", tokens(16, 1), new int[] {1, 2}, 0, 0, null)).get("error").asText()
            .contains("full blocks"));
        ObjectNode badHandle = register(SPEC, List.of(new byte[64], new byte[64]), "m", null);
        JsonNode refused = call(badHandle);
        assertFalse(refused.get("ok").asBoolean());
        assertTrue(refused.get("error").asText().contains("IPC handle"), refused.toString());
        // a layout that claims more of the worker's tensor than the segment holds is refused before any copy
        KvCacheSpec claims = new KvCacheSpec(SPEC.numBlocks(), SPEC.page(), List.of(
            new LayerPlacement(0, 0, SPEC.layer(0).blockStride(), 0, SPEC.regionBytes(0) * 2),
            SPEC.layer(1)));
        refused = call(register(claims, worker.handles(), "m", null));
        assertEquals("region 0: its layers' requested end, byte " + SPEC.regionBytes(0) * 2 + ", is past its mapped "
            + "size of " + SPEC.regionBytes(0) + " bytes", refused.get("error").asText());
        // twice the worker's blocks, spans to match: past the mapping, whatever the spans say
        KvCacheSpec doubled = KvCacheSpec.kvFirst(2, 64, 16, 2, 16, 2);
        refused = call(register(doubled, worker.handles(), "m", null));
        assertTrue(refused.get("error").asText().contains("requested end, byte " + doubled.regionBytes(0)
            + ", is past its mapped size of " + SPEC.regionBytes(0) + " bytes"), refused.toString());
        ObjectNode wrongLayers = register(SPEC, worker.handles(), "m", null);
        ((ObjectNode) wrongLayers.get("namespace")).put("layers", 3);
        assertTrue(call(wrongLayers).get("error").asText().contains("3 layers but 2 are placed"));
        assertTrue(call("{\"op\": \"ping\"}").get("ok").asBoolean(), "still serving, still registered");
        assertEquals(0, lookup(tokens(32, 5), null));
    }

    @Test
    void aRequestLineOverTheBoundIsAnsweredCountedAndClosedAndOthersAreServed() throws Exception {
        conn.close();
        agent.close();
        int bound = 64 << 10;
        Path socket = dir.resolve("agent.sock");
        agent = new BridgeAgent(AgentContext.builder().socket(socket).server("127.0.0.1:" + node.dataPort())
            .controlPort(node.controlPort()).backend("host").slots(8).chunkBlocks(3).tenant("test")
            .maxRequestBytes(bound).build());
        conn = new AgentConnection(socket);
        String head = "{\"op\":\"ping\",\"pad\":\"";
        String fits = head + "x".repeat(bound - head.length() - 2) + "\"}";
        assertEquals(bound, fits.length());
        assertTrue(call(fits).get("ok").asBoolean(), "a line of exactly the bound is read");

        try (SocketChannel peer = SocketChannel.open(StandardProtocolFamily.UNIX)) {
            peer.connect(UnixDomainSocketAddress.of(socket));
            String over = head + "x".repeat(bound - head.length() - 1) + "\"}\n"; // bound + 1 bytes before \n
            Channels.newOutputStream(peer).write(over.getBytes(StandardCharsets.UTF_8));
            BufferedReader in = new BufferedReader(new InputStreamReader(Channels.newInputStream(peer),
                StandardCharsets.UTF_8));
            JsonNode answer = JSON.readTree(in.readLine());
            assertFalse(answer.get("ok").asBoolean(), answer.toString());
            assertEquals("a request line is longer than 65536 bytes (spillway.agent.maxRequestBytes); the "
                + "connection is closed", answer.get("error").asText());
            assertEquals(null, in.readLine(), "the connection is closed after the answer");
        }
        JsonNode stats = call("{\"op\": \"stats\"}");
        assertEquals(1, stats.get("oversized_requests").asLong(), stats.toString());
        assertTrue(call("{\"op\": \"ping\"}").get("ok").asBoolean(), "the other connection is still served");
    }

    @Test
    void theDefaultBoundFitsTheLargestRegisterAndAMillionTokenRequest() throws Exception {
        // 512 layers with 19-digit offsets, in 512 regions of 64-byte handles, pages of 256 runs: about 100 KB
        StringBuilder layers = new StringBuilder();
        StringBuilder regions = new StringBuilder();
        for (int l = 0; l < 512; l++) {
            layers.append(l == 0 ? "" : ",").append("[").append(l).append(",9223372036854775807,9223372036854775807,"
                + "9223372036854775807,9223372036854775807]");
            regions.append(l == 0 ? "" : ",").append('"').append(Base64.getEncoder()
                .encodeToString(new byte[64])).append('"');
        }
        StringBuilder runs = new StringBuilder();
        for (int r = 0; r < 256; r++) {
            runs.append(r == 0 ? "" : ",").append("[9223372036854775807,9223372036854775807]");
        }
        String register = "{\"op\":\"register\",\"namespace\":{\"model\":\"m\",\"dtype\":\"bfloat16\","
            + "\"block_size\":16,\"layers\":512,\"kv_heads\":8,\"head_dim\":128,\"layout\":\"l\"},\"cache\":{"
            + "\"num_blocks\":2147483647,\"regions\":[" + regions + "],\"layers\":[" + layers + "],\"runs\":["
            + runs + "]}}";
        assertTrue(register.length() > 90_000 && register.length() < AgentContext.MAX_REQUEST_BYTES_DEFAULT / 100,
            "about 100 KB: " + register.length());
        JsonNode answer = call(register);
        assertFalse(answer.get("ok").asBoolean(), "refused for its layout, not its length: " + answer);
        assertFalse(answer.get("error").asText().contains("longer than"), answer.toString());

        // a lookup of a 1M-token request of 6-digit ids: about 7 MB, read and answered
        StringBuilder tokens = new StringBuilder("[");
        for (int t = 0; t < 1_000_000; t++) {
            tokens.append(t == 0 ? "" : ",").append(100_000 + t % 900_000);
        }
        String lookup = "{\"op\":\"lookup\",\"tokens\":" + tokens.append(']') + "}";
        assertTrue(lookup.length() > 7_000_000 && lookup.length() < AgentContext.MAX_REQUEST_BYTES_DEFAULT / 2,
            "about 7 MB: " + lookup.length());
        answer = call(lookup);
        assertEquals("register the worker's KV caches first", answer.get("error").asText(), answer.toString());
        assertEquals(0, call("{\"op\": \"stats\"}").get("oversized_requests").asLong());
    }

    /** A {@code register} of {@code spec}'s regions, in the connector's format. */
    static ObjectNode register(KvCacheSpec spec, List<byte[]> handles, String model, byte[] fence) {
        return AgentConnection.registerRequest(spec, handles, model, 2, 16, "test:" + spec, fence);
    }

    private static String transfer(String op, String req, String tokens, int[] blocks, int from, long gen,
                                   String extras) throws Exception {
        return "{\"op\": \"" + op + "\", \"req\": \"" + req + "\", \"gen\": " + gen + ", \"tokens\": " + tokens
            + ", \"block_ids\": " + JSON.writeValueAsString(blocks) + ", \"from\": " + from
            + (extras == null ? "" : ", \"extras\": " + extras) + "}";
    }

    private int lookup(String tokens, String extras) throws Exception {
        JsonNode r = call("{\"op\": \"lookup\", \"tokens\": " + tokens + (extras == null ? "" : ", \"extras\": "
            + extras) + "}");
        assertTrue(r.get("ok").asBoolean(), r.toString());
        return r.get("blocks").asInt();
    }

    private JsonNode call(Object request) throws Exception {
        if (request instanceof String line) {
            // sent as it is, whatever it holds (some tests send lines that are not JSON)
            return conn.callRaw(line);
        }
        return conn.call(request);
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

    private static Set<Integer> ints(JsonNode array) {
        Set<Integer> out = new HashSet<>();
        array.forEach(b -> out.add(b.asInt()));
        return out;
    }

    private static String tokens(int n, int seed) {
        StringBuilder s = new StringBuilder("[");
        for (int i = 0; i < n; i++) {
            s.append(i == 0 ? "" : ",").append(seed * 1_000 + i);
        }
        return s.append(']').toString();
    }
}
