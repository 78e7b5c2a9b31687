package io.spillway.bridge.agent;

import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * The Python connector (src/main/python/spillway_vllm) inside vLLM 0.34's base class, with vLLM's own requests,
 * against real agent processes and a real node process: src/test/python/connector_harness.py starts them and does the
 * checks (every layout byte for byte, extra keys over 1,000 random pairs each, the request lifecycle, fencing with the
 * agent stopped, a miss, a stale handle, the agent killed and restarted, the cluster down at start); this runs it.
 */
class ConnectorHarnessTest {
    @Test
    void theConnectorKeysSavesLoadsFencesAndSurvivesItsFailures() throws Exception {
        String text = VllmVenv.run("connector_harness.py", List.of(), 15);
        assertTrue(text.contains("all checks passed"), text);
    }
}
