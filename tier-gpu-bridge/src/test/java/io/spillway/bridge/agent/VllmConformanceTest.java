package io.spillway.bridge.agent;

import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * The connector against vLLM 0.34.0 itself (bin/vllm-requirements.txt): src/test/python/vllm_conformance.py resolves
 * it through vLLM's KVConnectorFactory, checks the base class's abstract methods and parameters, and lets vLLM's own
 * Scheduler drive it against a real agent and node through a LoRA and a base request with the same tokens, an abort
 * mid-prefill, and a failed load under both kv_load_failure_policy values.
 */
class VllmConformanceTest {
    @Test
    void vllmsOwnSchedulerDrivesTheConnector() throws Exception {
        String text = VllmVenv.run("vllm_conformance.py", List.of(), 15);
        assertTrue(text.contains("vllm conformance: all checks passed"), text);
        assertTrue(text.contains("failed load, policy fail") && text.contains("failed load, policy recompute"), text);
    }
}
