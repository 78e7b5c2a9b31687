package io.spillway.deploy.chart;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import io.fabric8.kubernetes.api.model.apps.StatefulSet;
import io.spillway.bridge.Backend;
import io.spillway.bridge.agent.AgentContext;
import io.spillway.config.PropertySources;
import io.spillway.config.Sizes;
import io.spillway.router.service.RouterContext;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * What the chart hands each component is what that component accepts, read by the component's own settings code:
 * the node (ServerMain --print-config in a JVM started with the rendered JVM options, the rendered file and the
 * environment kubelet would give it), the router (RouterContext from the rendered file and environment), the agents
 * (AgentContext from their environment); and the pieces agree: the memory plan adds up to the limit, the grace
 * period covers drain and hand-off, the router's feed addresses are the nodes' stable names and it receives the feed
 * on its pod's IP, each agent's socket is the connector's for its rank and its cluster seeds are every node's control
 * address, vLLM's KV events reach the router's Service and name the pod as the router's discovery names it.
 */
class ComponentSettingsTest {
    private static final Pattern OPT = Pattern.compile("-(Xmx|Xms|XX:MaxDirectMemorySize=)(\\d+)m");

    @TempDir
    Path dir;

    private static Pod nodePod(Chart.Rendered r, int ordinal, String zone) {
        StatefulSet sts = (StatefulSet) Models.parse(r.get("StatefulSet", "spillway-node"));
        String name = "spillway-node-" + ordinal;
        return Kubelet.pod(sts.getSpec().getTemplate(), name, "127.0.1." + (ordinal + 1),
            zone == null ? Map.of() : Map.of("topology.kubernetes.io/zone", zone));
    }

    /** -Xmx, -Xms, MaxDirectMemorySize in MiB. */
    private static Map<String, Long> jvmMiB(String opts) {
        Map<String, Long> out = new LinkedHashMap<>();
        Matcher m = OPT.matcher(opts);
        while (m.find()) {
            out.put(m.group(1).replace("XX:", "").replace("=", ""), Long.parseLong(m.group(2)));
        }
        return out;
    }

    @Test
    void theNodeAcceptsItsSettingsUnderItsJvmOptions() throws Exception {
        Chart.Rendered r = Chart.render(Chart.Variant.DEFAULT);
        Path props = dir.resolve("node.properties");
        Files.writeString(props, r.configData("spillway-node", "node.properties"), StandardCharsets.UTF_8);
        Pod pod = nodePod(r, 1, "us-east-1b");
        Map<String, String> env = Kubelet.env(Kubelet.container(pod, "node"), pod);
        Map<String, String> printed = printConfig(env, props);
        assertEquals("spillway-node-1", printed.get("spillway.cluster.nodeName"));
        assertEquals("zone:us-east-1b", printed.get("spillway.cluster.zone"));
        // the pod's stable name, which its certificate names (not its IP, which no certificate can know ahead)
        assertEquals("spillway-node-1.spillway-node.spillway.svc.cluster.local",
            printed.get("spillway.cluster.advertiseHost"));
        assertEquals("mtls", printed.get("spillway.security.mode"));
        assertEquals("kubernetes", printed.get("spillway.cluster.discovery"));
        // the environment's one-word form (SPILLWAY_CLUSTER_K8S_NAMESPACE), printed as given
        assertEquals("spillway", printed.get("spillway.cluster.k8sNamespace"));
        // the IP finder reads the headless Service the StatefulSet names, on the port the pod declares
        assertEquals(r.get("StatefulSet", "spillway-node").path("spec").path("serviceName").asText(),
            printed.get("spillway.cluster.k8s.serviceName"));
        assertTrue(r.find("Service", printed.get("spillway.cluster.k8s.serviceName")).isPresent());
        long direct = jvmMiB(env.get("SPILLWAY_JAVA_OPTS")).get("MaxDirectMemorySize");
        assertTrue(Sizes.parse("spillway.cpu.capacityBytes", printed.get("spillway.cpu.capacityBytes")) < direct << 20,
            "the CPU tier fits in direct memory");
    }

    @Test
    void aPodWithoutAZoneLabelStillStarts() throws Exception {
        Chart.Rendered r = Chart.render(Chart.Variant.DEFAULT);
        Path props = dir.resolve("node.properties");
        Files.writeString(props, r.configData("spillway-node", "node.properties"), StandardCharsets.UTF_8);
        Pod pod = nodePod(r, 0, null);
        Map<String, String> env = Kubelet.env(Kubelet.container(pod, "node"), pod);
        assertEquals("zone:", printConfig(env, props).get("spillway.cluster.zone"));
        Map<String, String> empty = new LinkedHashMap<>(env);
        empty.put("SPILLWAY_CLUSTER_ZONE", ""); // what a bare downward-API label would give: the node refuses it
        assertEquals(2, run(empty, props).exit, "an empty zone is refused (why the chart prefixes it)");
    }

    private record Result(int exit, String out) {
    }

    private Result run(Map<String, String> env, Path props) throws IOException, InterruptedException {
        List<String> cmd = new ArrayList<>();
        cmd.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
        cmd.addAll(Arrays.asList(env.get("SPILLWAY_JAVA_OPTS").trim().split("\\s+")));
        cmd.add("-cp");
        cmd.add(System.getProperty("surefire.test.class.path", System.getProperty("java.class.path")));
        cmd.add("io.spillway.server.ServerMain");
        cmd.add("--config");
        cmd.add(props.toString());
        cmd.add("--print-config");
        ProcessBuilder pb = new ProcessBuilder(cmd).redirectErrorStream(true);
        pb.environment().keySet().removeIf(k -> k.startsWith("SPILLWAY_"));
        pb.environment().putAll(env);
        Process p = pb.start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertTrue(p.waitFor(60, TimeUnit.SECONDS));
        return new Result(p.exitValue(), out);
    }

    private Map<String, String> printConfig(Map<String, String> env, Path props) throws Exception {
        Result res = run(env, props);
        assertEquals(0, res.exit, res.out);
        Map<String, String> out = new LinkedHashMap<>();
        res.out.lines().filter(l -> l.startsWith("spillway.") && l.contains("="))
            .forEach(l -> out.put(l.substring(0, l.indexOf('=')), l.substring(l.indexOf('=') + 1)));
        return out;
    }

    /** heap + direct + /dev/shm + native overhead = the limit; CPU tier = direct less its headroom. */
    @ParameterizedTest
    @ValueSource(strings = {"4Gi", "8Gi", "24Gi", "96Gi"})
    void theMemoryPlanAddsUpToTheLimit(String limit) {
        Chart.Rendered r = Chart.render(Chart.Variant.DEFAULT, Map.of("node.resources.limits.memory", limit,
            "node.resources.requests.memory", limit));
        StatefulSet sts = (StatefulSet) Models.parse(r.get("StatefulSet", "spillway-node"));
        Container node = sts.getSpec().getTemplate().getSpec().getContainers().get(0);
        String opts = node.getEnv().stream().filter(e -> e.getName().equals("SPILLWAY_JAVA_OPTS")).findFirst()
            .orElseThrow().getValue();
        Map<String, Long> jvm = jvmMiB(opts);
        long limitMiB = Long.parseLong(limit.replace("Gi", "")) * 1024;
        long shm = 128;
        long overhead = 768;
        assertEquals(jvm.get("Xmx"), jvm.get("Xms"));
        assertEquals(Math.max(1024, Math.min(4096, limitMiB / 8)), jvm.get("Xmx"), "heap");
        assertEquals(limitMiB, jvm.get("Xmx") + jvm.get("MaxDirectMemorySize") + shm + overhead, opts);
        long cpu = Long.parseLong(property(r.configData("spillway-node", "node.properties"),
            "spillway.cpu.capacityBytes").replace("m", ""));
        long direct = jvm.get("MaxDirectMemorySize");
        assertEquals(direct - Math.max(512, direct / 8), cpu, "CPU tier");
        assertEquals("Memory", sts.getSpec().getTemplate().getSpec().getVolumes().stream()
            .filter(v -> v.getName().equals("dshm")).findFirst().orElseThrow().getEmptyDir().getMedium());
        assertEquals(shm + "Mi", sts.getSpec().getTemplate().getSpec().getVolumes().stream()
            .filter(v -> v.getName().equals("dshm")).findFirst().orElseThrow().getEmptyDir().getSizeLimit()
            .toString());
    }

    @Test
    void theGracePeriodCoversDrainAndHandOff() {
        for (Map<String, Object> set : List.of(Map.<String, Object>of(), Map.<String, Object>of(
            "node.cluster.handoffTimeoutMs", "120000", "node.drainTimeoutMs", "20500", "node.preStop.sleepSeconds",
            "5"))) {
            Chart.Rendered r = Chart.render(Chart.Variant.DEFAULT, set);
            String props = r.configData("spillway-node", "node.properties");
            long drain = Long.parseLong(property(props, "spillway.server.drainTimeoutMs"));
            long handoff = Long.parseLong(property(props, "spillway.cluster.handoffTimeoutMs"));
            JsonNode spec = r.get("StatefulSet", "spillway-node").path("spec").path("template").path("spec");
            long preStop = spec.path("containers").get(0).path("lifecycle").path("preStop").path("sleep")
                .path("seconds").asLong(0);
            long grace = spec.path("terminationGracePeriodSeconds").asLong();
            assertTrue(grace * 1000 >= preStop * 1000 + drain + handoff + 30_000,
                "grace " + grace + " s < preStop " + preStop + " s + drain " + drain + " ms + hand-off " + handoff
                    + " ms + 30 s");
        }
    }

    private static String property(String file, String key) {
        return file.lines().filter(l -> l.startsWith(key + "=")).map(l -> l.substring(key.length() + 1)).findFirst()
            .orElseThrow(() -> new AssertionError("no " + key));
    }

    @ParameterizedTest
    @EnumSource(Chart.Variant.class)
    void theRouterAcceptsItsSettingsAndFollowsEveryNode(Chart.Variant variant) throws IOException {
        Chart.Rendered r = Chart.render(variant);
        Path props = dir.resolve("router.properties");
        Files.writeString(props, r.configData("spillway-router", "router.properties"), StandardCharsets.UTF_8);
        Deployment d = (Deployment) Models.parse(r.get("Deployment", "spillway-router"));
        Pod pod = Kubelet.pod(d.getSpec().getTemplate(), "spillway-router-0", "127.0.2.1", Map.of());
        PropertySources sources = new PropertySources().file(props)
            .environment(Kubelet.env(Kubelet.container(pod, "router"), pod));
        if (sources.values().containsKey(RouterContext.CONFIG_FILE_PROP)) {
            // the ConfigMap's epp.yaml, where the pod mounts it
            assertEquals("/etc/spillway/epp.yaml", sources.values().get(RouterContext.CONFIG_FILE_PROP));
            Path epp = dir.resolve("epp.yaml");
            Files.writeString(epp, r.configData("spillway-router", "epp.yaml"), StandardCharsets.UTF_8);
            sources.overrides(Map.of(RouterContext.CONFIG_FILE_PROP, epp.toString()), "the ConfigMap's mount");
        }
        RouterContext ctx = RouterContext.builder().load(sources).build();
        assertEquals(Chart.NAMESPACE, ctx.k8sNamespace());
        List<String> expected = new ArrayList<>();
        for (int i = 0; i < 3; i++) {
            expected.add("spillway-node-" + i + ".spillway-node.spillway.svc:7603");
        }
        assertEquals(expected, ctx.feedNodes(), "each node's stable DNS name and feed port");
        List<String> controls = new ArrayList<>();
        for (int i = 0; i < 3; i++) {
            controls.add("spillway-node-" + i + ".spillway-node.spillway.svc:7601");
        }
        assertEquals(controls, ctx.clusterSeeds(), "the feed's membership: the map from the nodes' control planes");
        assertEquals("127.0.2.1", Kubelet.env(Kubelet.container(pod, "router"), pod)
            .get(PropertySources.envName(RouterContext.FEED_LOCAL_HOST_PROP)), "the downward API's pod IP");
        assertEquals("127.0.2.1", ctx.feedLocalHost(), "the nodes send the feed to the router pod's IP");
        assertEquals(List.of("listen=tcp://*:" + servicePort(r, "spillway-router", "kv-events")), ctx.vllmEvents());
        boolean extProc = variant != Chart.Variant.PROXY_WITH_VLLM;
        assertEquals(extProc ? "spillway" : null, ctx.inferencePool());
        if (extProc) {
            JsonNode pool = r.get("InferencePool", "spillway").path("spec").path("endpointPickerRef");
            assertEquals("spillway-router", pool.path("name").asText());
            assertEquals(ctx.extProcPort(), servicePort(r, pool.path("name").asText(), "grpc-ext-proc"));
            assertEquals(ctx.extProcPort(), pool.path("port").path("number").asInt());
            assertEquals(-1, ctx.proxyPort());
        } else {
            assertEquals(ctx.proxyPort(), servicePort(r, "spillway-router", "http-proxy"));
        }
        if (variant == Chart.Variant.OPERATIONS) {
            assertEquals(10, ctx.extProc().objectives().priority("interactive"));
            assertEquals(-1, ctx.extProc().objectives().priority("batch"));
        }
    }

    private static int servicePort(Chart.Rendered r, String service, String name) {
        for (JsonNode p : r.get("Service", service).path("spec").path("ports")) {
            if (p.path("name").asText().equals(name)) {
                return p.path("port").asInt();
            }
        }
        throw new AssertionError("Service " + service + " has no port " + name);
    }

    @ParameterizedTest
    @EnumSource(value = Chart.Variant.class, names = {"PROXY_WITH_VLLM", "OPERATIONS"})
    void vllmItsAgentsTheNodesAndTheRouterAgree(Chart.Variant variant) throws IOException {
        Chart.Rendered r = Chart.render(variant);
        Deployment d = (Deployment) Models.parse(r.get("Deployment", "spillway-vllm"));
        Pod pod = Kubelet.pod(d.getSpec().getTemplate(), "spillway-vllm-0", "127.0.3.7", Map.of());
        assertTrue(pod.getSpec().getShareProcessNamespace(), "the connector checks its agent's pid");
        Container vllm = Kubelet.container(pod, "vllm");
        Map<String, String> vllmEnv = Kubelet.env(vllm, pod);
        List<String> args = vllm.getArgs().stream().map(a -> Kubelet.expand(a, vllmEnv)).toList();
        ObjectMapper json = new ObjectMapper();
        JsonNode transfer = json.readTree(args.get(args.indexOf("--kv-transfer-config") + 1));
        assertEquals("SpillwayConnector", transfer.path("kv_connector").asText());
        assertEquals("spillway_vllm.connector", transfer.path("kv_connector_module_path").asText());
        assertEquals("recompute", transfer.path("kv_load_failure_policy").asText());
        JsonNode events = json.readTree(args.get(args.indexOf("--kv-events-config") + 1));
        assertTrue(events.path("enable_kv_cache_events").asBoolean());
        assertEquals("tcp://spillway-router.spillway.svc:" + servicePort(r, "spillway-router", "kv-events"),
            events.path("endpoint").asText());
        String model = property(r.configData("spillway-router", "router.properties"), "spillway.router.model");
        int port = variant == Chart.Variant.OPERATIONS
            ? r.get("InferencePool", "spillway").path("spec").path("targetPorts").get(0).path("number").asInt()
            : Integer.parseInt(property(r.configData("spillway-router", "router.properties"),
                "spillway.router.podPort"));
        assertEquals("kv@127.0.3.7:" + port + "@" + model, events.path("topic").asText(),
            "the topic names the pod as the router's discovery does");
        assertEquals(model, transfer.path("kv_connector_extra_config").path("model").asText());
        assertTrue(args.contains("--port=" + port));
        int tp = Integer.parseInt(args.stream().filter(a -> a.startsWith("--tensor-parallel-size="))
            .findFirst().orElseThrow().replaceFirst("^[^=]*=", ""));
        String socketPattern = transfer.path("kv_connector_extra_config").path("agent_socket").asText();
        int agents = 0;
        for (int rank = 0; rank < tp; rank++) {
            Container agent = Kubelet.container(pod, "agent-" + rank);
            AgentContext ctx = AgentContext.builder()
                .load(new PropertySources().environment(Kubelet.env(agent, pod))).build();
            assertEquals(socketPattern.replace("{rank}", String.valueOf(rank)), ctx.socket().toString());
            List<String> seeds = new ArrayList<>();
            int nodes = ((StatefulSet) Models.parse(r.get("StatefulSet", "spillway-node"))).getSpec().getReplicas();
            assertTrue(nodes > 1, "a cluster, where one node alone would refuse others' partitions");
            for (int i = 0; i < nodes; i++) {
                seeds.add("spillway-node-" + i + ".spillway-node.spillway.svc:"
                    + servicePort(r, "spillway-node", "control"));
            }
            assertEquals(seeds, ctx.seeds(), "every node's stable DNS name and control port");
            assertTrue(ctx.clustered(), "the cluster client, not one node");
            assertEquals(seeds, ctx.clientContext().seeds(), "the seeds reach the client's settings");
            assertEquals(transfer.path("kv_connector_extra_config").path("staging").asBoolean(),
                ctx.backend() == Backend.HOST, "host staging on both sides, or neither");
            assertTrue(sharesVolume(vllm, agent, "/run/spillway") && sharesVolume(vllm, agent, "/dev/shm"));
            agents++;
        }
        assertEquals(tp, agents);
        assertEquals(tp + 1, pod.getSpec().getContainers().size(), "vLLM and one agent per rank");
    }

    private static boolean sharesVolume(Container a, Container b, String path) {
        String va = a.getVolumeMounts().stream().filter(m -> m.getMountPath().equals(path)).findFirst()
            .orElseThrow().getName();
        return b.getVolumeMounts().stream().anyMatch(m -> m.getMountPath().equals(path) && m.getName().equals(va));
    }
}
