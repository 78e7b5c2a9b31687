package io.spillway.bridge.agent;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.spillway.server.ServerContext;
import io.spillway.server.SpillwayServer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The Python connector (src/main/python/spillway_vllm) under plain python3, against a real agent process and a real
 * node: src/test/python/connector_harness.py does the checks (save, evict, load; a miss; a bad handle; the agent
 * killed; the cluster down at start); this starts the node and runs it.
 */
class ConnectorHarnessTest {
    @TempDir
    Path dir;

    @Test
    void theConnectorSavesLoadsAndSurvivesItsFailures() throws Exception {
        try (SpillwayServer node = SpillwayServer.start(ServerContext.builder().bind("127.0.0.1").dataPort(0)
            .controlPort(0).httpPort(0).events("port", "0").dataDir(dir.resolve("node")).nodeId("harness")
            .cpuCapacityBytes(64L << 20).nvmeEnabled(false).build())) {
            Path module = Path.of("").toAbsolutePath();
            ProcessBuilder pb = new ProcessBuilder("python3", module.resolve("src/test/python/connector_harness.py")
                .toString()).redirectErrorStream(true);
            pb.environment().put("PYTHONPATH", module.resolve("src/main/python").toString());
            pb.environment().put("SPILLWAY_JAVA", Path.of(System.getProperty("java.home"), "bin", "java").toString());
            pb.environment().put("SPILLWAY_CLASSPATH", System.getProperty("java.class.path"));
            pb.environment().put("SPILLWAY_DATA_PORT", Integer.toString(node.dataPort()));
            pb.environment().put("SPILLWAY_CONTROL_PORT", Integer.toString(node.controlPort()));
            Process p = pb.start();
            byte[] output = p.getInputStream().readAllBytes();
            assertTrue(p.waitFor(5, TimeUnit.MINUTES), "the harness ran past 5 minutes");
            String text = new String(output, StandardCharsets.UTF_8);
            System.out.println(text);
            assertEquals(0, p.exitValue(), text);
            assertTrue(text.contains("all checks passed"), text);
        }
    }
}
