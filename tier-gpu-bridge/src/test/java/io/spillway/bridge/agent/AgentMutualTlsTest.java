package io.spillway.bridge.agent;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import io.spillway.bridge.HostKvCache;
import io.spillway.bridge.KvCacheSpec;
import io.spillway.config.PropertySources;
import io.spillway.identity.Role;
import io.spillway.identity.TestCertificates;
import io.spillway.server.ServerContext;
import io.spillway.server.SpillwayServer;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.stream.Collectors;
import java.util.stream.IntStream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The agent against a node with {@code spillway.security.mode=mtls} (what the chart deploys): with a client
 * certificate of its tenant it saves and loads back byte for byte; without a certificate, or with another tenant's,
 * its register is refused with the node's reason and nothing is stored. And its TLS settings are checked together.
 */
class AgentMutualTlsTest {
    private static final KvCacheSpec SPEC = KvCacheSpec.kvFirst(2, 32, 16, 2, 16, 2);

    @TempDir
    Path dir;
    private TestCertificates ca;
    private SpillwayServer node;
    private BridgeAgent agent;
    private AgentConnection conn;
    private HostKvCache worker;

    @BeforeEach
    void start() {
        ca = new TestCertificates(dir.resolve("pki"), "spillway");
        TestCertificates.Issued cert = ca.identity("node", null, Role.NODE);
        node = SpillwayServer.start(ServerContext.builder().bind("127.0.0.1").dataPort(0).controlPort(0).httpPort(0)
            .events("port", "0").dataDir(dir.resolve("node")).nodeId("agent-tls").cpuCapacityBytes(64L << 20)
            .nvmeEnabled(false).security("mode", "mtls").security("certFile", cert.cert().toString())
            .security("keyFile", cert.key().toString()).security("trustFile", ca.ca().toString()).build());
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

    /** An agent of tenant {@code acme} configured as the chart's pod is, through its environment. */
    private AgentContext context(Map<String, String> tls) {
        Map<String, String> env = new LinkedHashMap<>(Map.of(
            "SPILLWAY_AGENT_SOCKET", dir.resolve("agent.sock").toString(),
            "SPILLWAY_AGENT_SERVER", "127.0.0.1:" + node.dataPort(),
            "SPILLWAY_AGENT_CONTROL_PORT", String.valueOf(node.controlPort()),
            "SPILLWAY_AGENT_BACKEND", "host",
            "SPILLWAY_AGENT_SLOTS", "8",
            "SPILLWAY_AGENT_CHUNK_BLOCKS", "3",
            "SPILLWAY_AGENT_TENANT", "acme"));
        env.putAll(tls);
        return AgentContext.builder().load(new PropertySources().environment(env)).build();
    }

    private static Map<String, String> certificate(TestCertificates.Issued who, Path trust) {
        return Map.of("SPILLWAY_AGENT_CERT_FILE", who.cert().toString(), "SPILLWAY_AGENT_KEY_FILE",
            who.key().toString(), "SPILLWAY_AGENT_TRUST_FILE", trust.toString());
    }

    private JsonNode register(AgentContext ctx) throws Exception {
        agent = new BridgeAgent(ctx);
        conn = new AgentConnection(ctx.socket());
        worker = new HostKvCache(SPEC);
        return conn.call(AgentConnection.registerRequest(SPEC, worker.handles(), "m", 2, 16, "test", null));
    }

    @Test
    void withItsTenantsCertificateTheAgentSavesAndLoadsBack() throws Exception {
        JsonNode registered = register(context(certificate(ca.identity("agent", "acme", Role.CLIENT), ca.ca())));
        assertTrue(registered.get("ok").asBoolean(), registered.toString());
        String prompt = tokens(4 * 16);
        int[] from = {1, 3, 5, 7};
        conn.callRaw(transfer("save", "s", prompt, from));
        awaitFinished("saved", "s");
        JsonNode lookup = conn.callRaw("{\"op\": \"lookup\", \"tokens\": " + prompt + "}");
        assertEquals(4, lookup.get("blocks").asInt(), lookup.toString());
        int[] into = {20, 21, 22, 23};
        conn.callRaw(transfer("load", "l", prompt, into));
        JsonNode done = awaitFinished("loaded", "l");
        assertEquals(0, done.get("failed_blocks").size(), done.toString());
        for (int i = 0; i < from.length; i++) {
            assertArrayEquals(worker.block(from[i]), worker.block(into[i]), "block " + i);
        }
    }

    @Test
    void withoutACertificateTheAgentIsRefused() throws Exception {
        JsonNode refused = register(context(Map.of("SPILLWAY_AGENT_TRUST_FILE", ca.ca().toString())));
        assertFalse(refused.get("ok").asBoolean(), refused.toString());
        // the node asks for a client certificate and the handshake fails without one
        assertTrue(refused.get("error").asText().contains("ssl exception"), refused.toString());
        assertEquals(0, node.tenants().tenants().stream().filter(t -> t.name().equals("acme")).count(),
            "nothing registered for acme");
    }

    @Test
    void withAnotherTenantsCertificateTheAgentIsRefused() throws Exception {
        JsonNode refused = register(context(certificate(ca.identity("other", "globex", Role.CLIENT), ca.ca())));
        assertFalse(refused.get("ok").asBoolean(), refused.toString());
        assertTrue(refused.get("error").asText().contains("PERMISSION_DENIED"), refused.toString());
    }

    @Test
    void tlsSettingsAreCheckedTogether() {
        Path f = dir.resolve("x.pem");
        String key = assertThrows(IllegalArgumentException.class, () -> context(Map.of("SPILLWAY_AGENT_CERT_FILE",
            f.toString(), "SPILLWAY_AGENT_TRUST_FILE", f.toString()))).getMessage();
        assertTrue(key.contains(AgentContext.CERT_FILE_PROP + " and " + AgentContext.KEY_FILE_PROP
            + " go together"), key);
        String trust = assertThrows(IllegalArgumentException.class, () -> context(Map.of("SPILLWAY_AGENT_CERT_FILE",
            f.toString(), "SPILLWAY_AGENT_KEY_FILE", f.toString()))).getMessage();
        assertTrue(trust.contains("need " + AgentContext.TRUST_FILE_PROP), trust);
        String token = assertThrows(IllegalArgumentException.class, () -> context(Map.of(
            "SPILLWAY_AGENT_TOKEN_FILE", f.toString()))).getMessage();
        assertTrue(token.contains(AgentContext.TOKEN_FILE_PROP + "=" + f + " needs TLS"), token);
        AgentContext tokenMode = context(Map.of("SPILLWAY_AGENT_TOKEN_FILE", f.toString(),
            "SPILLWAY_AGENT_TRUST_FILE", f.toString()));
        assertEquals(f, tokenMode.clientContext().tokenFile().orElseThrow(), "the token reaches the client");
        assertEquals(f, tokenMode.clientContext().tls().orElseThrow().trustedCertificates());
        assertTrue(context(Map.of()).clientContext().tls().isEmpty(), "no TLS setting: plaintext");
    }

    private JsonNode awaitFinished(String field, String req) throws Exception {
        long deadline = System.nanoTime() + 20_000_000_000L;
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

    private static String transfer(String op, String req, String tokens, int[] blocks) {
        return "{\"op\": \"" + op + "\", \"req\": \"" + req + "\", \"gen\": 0, \"tokens\": " + tokens
            + ", \"block_ids\": " + Arrays.toString(blocks) + ", \"from\": 0}";
    }

    private static String tokens(int n) {
        return IntStream.range(0, n).mapToObj(i -> String.valueOf(7_000 + i))
            .collect(Collectors.joining(",", "[", "]"));
    }
}
