package io.spillway.bridge.agent;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * The Python connector (src/main/python/spillway_vllm) under plain python3, against a real agent process and a real
 * node process: src/test/python/connector_harness.py starts them and does the checks (save, evict, load; a miss; a
 * bad handle; the agent killed; the host-staged path; the cluster down at start); this runs it.
 */
class ConnectorHarnessTest {
    @Test
    void theConnectorSavesLoadsAndSurvivesItsFailures() throws Exception {
        Path module = Path.of("").toAbsolutePath();
        ProcessBuilder pb = new ProcessBuilder("python3", module.resolve("src/test/python/connector_harness.py")
            .toString()).redirectErrorStream(true);
        pb.environment().put("PYTHONPATH", module.resolve("src/main/python").toString());
        pb.environment().put("SPILLWAY_JAVA", Path.of(System.getProperty("java.home"), "bin", "java").toString());
        pb.environment().put("SPILLWAY_CLASSPATH", System.getProperty("java.class.path"));
        Process p = pb.start();
        String text;
        try {
            byte[] output = p.getInputStream().readAllBytes();
            assertTrue(p.waitFor(5, TimeUnit.MINUTES), "the harness ran past 5 minutes");
            text = new String(output, StandardCharsets.UTF_8);
        } finally { // whatever the harness left running (a node, an agent) goes with it
            p.descendants().forEach(ProcessHandle::destroyForcibly);
            p.destroyForcibly();
        }
        System.out.println(text);
        assertEquals(0, p.exitValue(), text);
        assertTrue(text.contains("all checks passed"), text);
    }
}
