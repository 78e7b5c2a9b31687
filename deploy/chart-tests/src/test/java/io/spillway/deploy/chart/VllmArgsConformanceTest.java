package io.spillway.deploy.chart;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import io.spillway.bridge.agent.AgentContext;
import io.spillway.config.PropertySources;
import io.spillway.event.vllm.VllmPython;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.stream.IntStream;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The chart's example vLLM container arguments, parsed by vLLM 0.34 itself (src/test/python/vllm_serve_args.py in
 * the venv of bin/vllm-venv): the {@code vllm serve} parser (the image's entrypoint; the chart sets no command),
 * AsyncEngineArgs, the KVTransferConfig and KVEventsConfig dataclasses, ParallelConfig and CacheConfig, and vLLM's
 * KVConnectorFactory loading the connector the chart names from tier-gpu-bridge/src/main/python (the package the
 * init container copies in). What vLLM made of them is then held against the rendered pod: the agents' sockets
 * (read by the agent's own settings code) are the connector's per-rank sockets, the events go to the router's
 * Service. A value vLLM rejects fails the script; a value vLLM accepts but the chart did not mean fails here.
 * Stops before EngineArgs.create_engine_config: that reads the model's Hugging Face config, which is not here.
 */
class VllmArgsConformanceTest {
    private static final String POD_IP = "10.42.0.17";
    private static final ObjectMapper JSON = new ObjectMapper();

    @TempDir
    Path tmp;

    @ParameterizedTest(name = "tensorParallelSize={0}")
    @ValueSource(ints = {1, 2})
    void vllmAcceptsTheExampleServersArguments(int tp) throws Exception {
        Chart.Rendered r = Chart.render(Chart.Variant.PROXY_WITH_VLLM,
            Map.of("vllm.tensorParallelSize", String.valueOf(tp)));
        Deployment d = (Deployment) Models.parse(r.get("Deployment", "spillway-vllm"));
        Pod pod = Kubelet.pod(d.getSpec().getTemplate(), "spillway-vllm-0", POD_IP, Map.of());
        Container vllm = Kubelet.container(pod, "vllm");
        assertTrue(vllm.getCommand() == null || vllm.getCommand().isEmpty(),
            "the args go to the image's entrypoint, vllm serve: " + vllm.getCommand());
        Map<String, String> env = Kubelet.env(vllm, pod);
        List<String> args = vllm.getArgs().stream().map(a -> Kubelet.expand(a, env)).toList();
        args.forEach(a -> assertFalse(a.contains("$("), "an unresolved reference: " + a));

        JsonNode parsed = parse(args);
        String model = "Qwen/Qwen3-0.6B";
        assertEquals(model, parsed.path("model").asText());
        assertEquals(tp, parsed.path("tensor_parallel_size").asInt());
        assertEquals(1, parsed.path("pipeline_parallel_size").asInt());
        int port = parsed.path("port").asInt();
        assertEquals(8000, port);
        assertEquals(16, parsed.path("block_size").asInt(), "the router's block size");

        JsonNode transfer = parsed.path("kv_transfer");
        assertEquals("SpillwayConnector", transfer.path("kv_connector").asText());
        assertEquals("spillway_vllm.connector", transfer.path("kv_connector_module_path").asText());
        assertEquals("kv_both", transfer.path("kv_role").asText());
        assertTrue(transfer.path("is_kv_producer").asBoolean() && transfer.path("is_kv_consumer").asBoolean(),
            "the connector both saves and loads");
        assertEquals("recompute", transfer.path("kv_load_failure_policy").asText(), "docs/vllm.md");
        JsonNode extra = transfer.path("kv_connector_extra_config");
        assertEquals(model, extra.path("model").asText());
        assertTrue(extra.path("staging").asBoolean(), "agentBackend host: the connector stages through the ring");

        JsonNode connector = parsed.path("connector");
        assertEquals("spillway_vllm.connector.SpillwayConnector", connector.path("class").asText());
        assertTrue(connector.path("subclasses_KVConnectorBase_V1").asBoolean());
        if (tp > 1) {
            assertTrue(extra.path("agent_socket").asText().contains("{"), "one socket per rank, as the connector "
                + "requires with tensor parallelism");
        }
        List<String> agentSockets = IntStream.range(0, tp).mapToObj(rank -> AgentContext.builder()
            .load(new PropertySources().environment(Kubelet.env(Kubelet.container(pod, "agent-" + rank), pod)))
            .build().socket().toString()).toList();
        List<String> connectorSockets = new ArrayList<>();
        connector.path("agent_sockets").forEach(s -> connectorSockets.add(s.asText()));
        assertEquals(agentSockets, connectorSockets, "rank i's worker talks to agent-i");
        assertEquals(tp + 1, pod.getSpec().getContainers().size(), "vLLM and one agent per rank");
        Long vllmUser = vllm.getSecurityContext() == null ? null : vllm.getSecurityContext().getRunAsUser();
        for (int rank = 0; rank < tp; rank++) {
            Container agent = Kubelet.container(pod, "agent-" + rank);
            assertEquals(agent.getSecurityContext().getRunAsUser(), vllmUser, "the agents serve only their own user "
                + "(SO_PEERCRED) and open only its 0600 segments: vLLM must run as the agents' uid");
        }

        JsonNode events = parsed.path("kv_events");
        assertTrue(events.path("enable_kv_cache_events").asBoolean());
        assertEquals("zmq", events.path("publisher").asText());
        assertEquals("tcp://spillway-router.spillway.svc:5557", events.path("endpoint").asText());
        assertTrue(events.path("connects").asBoolean(), "vLLM connects to the router, which listens");
        assertEquals("kv@" + POD_IP + ":" + port + "@" + model, events.path("topic").asText());
        assertNull(parsed.get("served_model_name").textValue());
    }

    /** Runs vllm_serve_args.py on {@code args}; returns the JSON object it printed last. */
    private JsonNode parse(List<String> args) throws IOException, InterruptedException {
        Path module = Path.of("").toAbsolutePath();
        Path root = VllmPython.repositoryRoot();
        List<String> command = new ArrayList<>(List.of(VllmPython.interpreter().toString(),
            module.resolve("src/test/python/vllm_serve_args.py").toString()));
        command.addAll(args);
        Path out = tmp.resolve("out");
        Path err = tmp.resolve("err");
        ProcessBuilder pb = new ProcessBuilder(command).redirectOutput(out.toFile()).redirectError(err.toFile());
        pb.environment().put("PYTHONPATH", root.resolve("tier-gpu-bridge/src/main/python").toString());
        Process p = pb.start();
        boolean done = p.waitFor(5, TimeUnit.MINUTES);
        if (!done) {
            p.destroyForcibly().waitFor();
        }
        String stdout = Files.readString(out, StandardCharsets.UTF_8);
        String stderr = Files.readString(err, StandardCharsets.UTF_8);
        assertTrue(done && p.exitValue() == 0, "vLLM rejected " + args + ":\n" + stderr + stdout);
        List<String> lines = stdout.strip().lines().toList();
        JsonNode parsed = JSON.readTree(lines.get(lines.size() - 1));
        System.out.println("vLLM parsed " + args + "\n  as " + parsed);
        return parsed;
    }
}
