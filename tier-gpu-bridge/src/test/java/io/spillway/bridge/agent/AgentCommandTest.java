package io.spillway.bridge.agent;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.spillway.bridge.Backend;
import io.spillway.config.PropertySources;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

/** The agent's settings: the server's and the router's layering (file &lt; environment &lt; flags) and validation. */
class AgentCommandTest {
    @TempDir
    Path dir;

    private static AgentContext fromCommandLine(Map<String, String> env, String... args) {
        AgentCommand command = new AgentCommand(env);
        new CommandLine(command).parseArgs(args);
        return command.context();
    }

    @Test
    void flagsOverrideEnvironmentWhichOverridesFileWhichOverridesDefaults() throws Exception {
        Path file = dir.resolve("agent.properties");
        Files.writeString(file, "spillway.agent.socket=/run/agent.sock\nspillway.agent.slots=64\n"
            + "spillway.agent.chunkBlocks=8\nspillway.agent.tenant=file\nspillway.agent.backend=host\n");
        Map<String, String> env = Map.of("SPILLWAY_AGENT_SLOTS", "128", "SPILLWAY_AGENT_TENANT", "env",
            "SPILLWAY_VLLM_VENV", "/opt/venv");

        AgentContext all = fromCommandLine(env, "--config", file.toString(), "--tenant", "flag");
        assertEquals("flag", all.tenant(), "flag beats environment");
        assertEquals(128, all.slots(), "environment beats file");
        assertEquals(8, all.chunkBlocks(), "file beats default");
        assertEquals(Path.of("/run/agent.sock"), all.socket());
        assertEquals(Backend.HOST, all.backend());

        AgentContext defaults = fromCommandLine(Map.of(), "--socket", "/s");
        assertEquals("127.0.0.1", defaults.serverHost());
        assertEquals(7600, defaults.dataPort());
        assertEquals(AgentContext.CONTROL_PORT_DEFAULT, defaults.controlPort());
        assertEquals(Backend.parse(AgentContext.BACKEND_DEFAULT), defaults.backend());
        assertEquals(AgentContext.SLOTS_DEFAULT, defaults.slots());
        assertEquals(AgentContext.CHUNK_BLOCKS_DEFAULT, defaults.chunkBlocks());
        assertEquals(AgentContext.TENANT_DEFAULT, defaults.tenant());
        assertNull(defaults.library());

        AgentContext server = fromCommandLine(Map.of("SPILLWAY_AGENT_SERVER", "10.0.0.9:7700"), "--socket", "/s");
        assertEquals("10.0.0.9", server.serverHost());
        assertEquals(7700, server.dataPort());
        for (String name : AgentContext.PROPERTY_NAMES) {
            assertEquals(name, PropertySources.propertyName(PropertySources.envName(name)));
        }
    }

    @Test
    void seedsMakeTheAgentAClusterClientAndLayerLikeEveryOtherSetting() throws Exception {
        AgentContext one = fromCommandLine(Map.of(), "--socket", "/s", "--server", "node-0.node:7600",
            "--control-port", "7701");
        assertFalse(one.clustered(), "no seeds: one node, as before");
        assertEquals(List.of(), one.clientContext().seeds());
        assertEquals("node-0.node", one.clientContext().host());
        assertEquals(7701, one.clientContext().controlPort());

        Path file = dir.resolve("agent.properties");
        Files.writeString(file, "spillway.agent.socket=/s\nspillway.agent.seeds=file:1\n");
        assertEquals(List.of("file:1"), fromCommandLine(Map.of(), "--config", file.toString()).seeds());
        AgentContext env = fromCommandLine(Map.of("SPILLWAY_AGENT_SEEDS", " n-0.n.ns.svc:7601, ,[fd00::2]:7601 "),
            "--config", file.toString());
        assertEquals(List.of("n-0.n.ns.svc:7601", "[fd00::2]:7601"), env.seeds(),
            "environment beats file; entries trimmed, blank ones skipped, IPv6 in brackets");
        assertTrue(env.clustered());
        assertEquals(env.seeds(), env.clientContext().seeds(), "the client gets the seeds");
        AgentContext flag = fromCommandLine(Map.of("SPILLWAY_AGENT_SEEDS", "env:1"), "--config", file.toString(),
            "--seeds", "a:7601,b:7601");
        assertEquals(List.of("a:7601", "b:7601"), flag.seeds(), "flag beats environment");
        assertEquals("the cluster (seeds a:7601,b:7601)", flag.target());
    }

    @Test
    void whoMayTalkToTheAgentAndWhichSegmentsItOpensAreSettings() {
        AgentContext defaults = fromCommandLine(Map.of(), "--socket", "/s");
        assertEquals(AgentContext.SEGMENT_PREFIX_DEFAULT, defaults.segmentPrefix());
        assertEquals(List.of(), defaults.peerUids(), "by default only the agent's own user");
        AgentContext set = fromCommandLine(Map.of("SPILLWAY_AGENT_PEER_UIDS", " 0, ,1000 "), "--socket", "/s",
            "--segment-prefix", "vllm-a.");
        assertEquals(List.of(0, 1000), set.peerUids());
        assertEquals("vllm-a.", set.segments().prefix());
        assertEquals(List.of(0, 1000), set.segments().owners(), "peers' segments may be opened too");
        IllegalArgumentException uid = assertThrows(IllegalArgumentException.class,
            () -> fromCommandLine(Map.of("SPILLWAY_AGENT_PEER_UIDS", "1000,vllm"), "--socket", "/s"));
        assertEquals("peer uids (spillway.agent.peerUids) are numbers >= 0, comma-separated, got 'vllm' (from "
            + "environment SPILLWAY_AGENT_PEER_UIDS)", uid.getMessage());
        assertThrows(IllegalArgumentException.class, () -> fromCommandLine(Map.of(), "--socket", "/s",
            "--peer-uids", "-1"));
        for (String bad : List.of("a/b", "..", "x".repeat(33), "sp ace")) {
            IllegalArgumentException prefix = assertThrows(IllegalArgumentException.class,
                () -> fromCommandLine(Map.of(), "--socket", "/s", "--segment-prefix", bad), bad);
            assertTrue(prefix.getMessage().startsWith("segmentPrefix (spillway.agent.segmentPrefix): a segment "
                + "prefix is 1 to 32 letters"), prefix.getMessage());
        }
    }

    @Test
    void theRequestBoundIsASizeSetting() {
        assertEquals(16 << 20, fromCommandLine(Map.of(), "--socket", "/s").maxRequestBytes());
        assertEquals(64 << 20, fromCommandLine(Map.of("SPILLWAY_AGENT_MAX_REQUEST_BYTES", "64m"), "--socket", "/s")
            .maxRequestBytes());
        IllegalArgumentException small = assertThrows(IllegalArgumentException.class,
            () -> fromCommandLine(Map.of("SPILLWAY_AGENT_MAX_REQUEST_BYTES", "100"), "--socket", "/s"));
        assertEquals("maxRequestBytes (spillway.agent.maxRequestBytes) must be 1024 to 1073741824 bytes, got 100 "
            + "(from environment SPILLWAY_AGENT_MAX_REQUEST_BYTES)", small.getMessage());
        assertThrows(IllegalArgumentException.class,
            () -> fromCommandLine(Map.of("SPILLWAY_AGENT_MAX_REQUEST_BYTES", "2g"), "--socket", "/s"));
    }

    @Test
    void badValuesNameTheSettingTheValueAndTheOrigin() {
        IllegalArgumentException server = assertThrows(IllegalArgumentException.class,
            () -> fromCommandLine(Map.of(), "--socket", "/s", "--server", "node"));
        assertEquals("server (spillway.agent.server) is HOST:PORT with a port in 1..65535, got 'node' (from command "
            + "line)", server.getMessage());
        IllegalArgumentException backend = assertThrows(IllegalArgumentException.class,
            () -> fromCommandLine(Map.of("SPILLWAY_AGENT_BACKEND", "tpu"), "--socket", "/s"));
        assertTrue(backend.getMessage().startsWith("backend (spillway.agent.backend): unknown backend 'tpu'")
            && backend.getMessage().endsWith("(from environment SPILLWAY_AGENT_BACKEND)"), backend.getMessage());
        IllegalArgumentException slots = assertThrows(IllegalArgumentException.class,
            () -> fromCommandLine(Map.of("SPILLWAY_AGENT_SLOTS", "many"), "--socket", "/s"));
        assertEquals("spillway.agent.slots must be an integer, got 'many' (from environment SPILLWAY_AGENT_SLOTS)",
            slots.getMessage());
        IllegalArgumentException chunk = assertThrows(IllegalArgumentException.class,
            () -> fromCommandLine(Map.of(), "--socket", "/s", "--slots", "4", "--chunk-blocks", "8"));
        assertTrue(chunk.getMessage().contains("spillway.agent.chunkBlocks"), chunk.getMessage());
        IllegalArgumentException socket = assertThrows(IllegalArgumentException.class,
            () -> fromCommandLine(Map.of()));
        assertEquals("socket (spillway.agent.socket, --socket) must be set", socket.getMessage());
        IllegalArgumentException unknown = assertThrows(IllegalArgumentException.class,
            () -> fromCommandLine(Map.of("SPILLWAY_AGENT_SLOT", "1"), "--socket", "/s"));
        assertTrue(unknown.getMessage().startsWith("unknown setting 'spillway.agent.slot'"), unknown.getMessage());
        IllegalArgumentException seeds = assertThrows(IllegalArgumentException.class,
            () -> fromCommandLine(Map.of("SPILLWAY_AGENT_SEEDS", "node-0:7601,node-1"), "--socket", "/s"));
        assertEquals("seeds (spillway.agent.seeds) are HOST:PORT entries, comma-separated, with a port in 1..65535 "
            + "([v6]:PORT for IPv6), got 'node-1' (from environment SPILLWAY_AGENT_SEEDS)", seeds.getMessage());
        for (String bad : List.of("node:0", "node:65536", ":7601", "node:x", "::1:7601", "no de:7601")) {
            assertThrows(IllegalArgumentException.class, () -> fromCommandLine(Map.of(), "--socket", "/s",
                "--seeds", bad), bad);
        }
        IllegalArgumentException device = assertThrows(IllegalArgumentException.class,
            () -> AgentContext.builder().device(-1));
        assertEquals("device (spillway.agent.device) must be >= 0, got -1", device.getMessage());
    }
}
