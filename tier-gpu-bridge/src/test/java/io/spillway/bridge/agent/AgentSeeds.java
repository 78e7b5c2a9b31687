package io.spillway.bridge.agent;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.spillway.bridge.BridgeContextTest;
import io.spillway.bridge.KvCacheSpec;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Writes the seed corpus of {@link AgentRequestFuzzTest}: a {@code register} of each layout the agent's tests use, in
 * the harness's format ({@link AgentConnection#registerRequest}), the host-staged register, and the lookup, save,
 * load, finished, stats and ping lines the Python connector sends ({@code spillway_vllm/agent_client.py}: compact
 * JSON, one line each). The committed files came from this; run it again after a change to the requests:
 * {@code java -cp <test classpath> io.spillway.bridge.agent.AgentSeeds tier-gpu-bridge/src/test/resources}.
 */
final class AgentSeeds {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final String TOKENS = "[1,2,3,4,5,6,7,8,9,10,11,12,13,14,15,16,17,18,19,20,21,22,23,24,25,26,27,"
        + "28,29,30,31,32,33]";
    private static final String EXTRAS = "{\"lora\":\"adapter-1\",\"cache_salt\":\"s\",\"mm\":[[\"img-0\",3,4]],"
        + "\"embeds\":[[16,16,\"00ff10\"]]}";

    private AgentSeeds() {
    }

    static Map<String, String> connections() throws IOException {
        Map<String, String> seeds = new LinkedHashMap<>();
        List<KvCacheSpec> layouts = BridgeContextTest.layouts();
        for (int i = 0; i < layouts.size(); i++) {
            KvCacheSpec spec = layouts.get(i);
            List<byte[]> handles = new ArrayList<>();
            for (int r = 0; r < spec.regions(); r++) {
                handles.add(("segment-" + r).getBytes(StandardCharsets.UTF_8));
            }
            seeds.put("register-layout-" + i, JSON.writeValueAsString(AgentConnection.registerRequest(spec, handles,
                "m", 2, 16, "test:" + spec, i == 0 ? "fence".getBytes(StandardCharsets.UTF_8) : null)));
        }
        seeds.put("register-staged", "{\"namespace\":{\"model\":\"m\",\"dtype\":\"bfloat16\",\"block_size\":16,"
            + "\"layers\":2,\"kv_heads\":2,\"head_dim\":16,\"tp_size\":2,\"tp_rank\":1,\"layout\":\"tpu\"},"
            + "\"staging\":{\"slots\":8,\"block_bytes\":4096,\"handle\":\"c2VnbWVudC0w\"},\"op\":\"register\"}");
        seeds.put("lookup", "{\"tokens\":" + TOKENS + ",\"extras\":" + EXTRAS + ",\"op\":\"lookup\"}");
        seeds.put("lookup-no-extras", "{\"tokens\":" + TOKENS + ",\"extras\":null,\"op\":\"lookup\"}");
        seeds.put("save", "{\"req\":\"req-1\",\"gen\":3,\"tokens\":" + TOKENS + ",\"extras\":" + EXTRAS
            + ",\"block_ids\":[5,9],\"from\":0,\"op\":\"save\"}");
        seeds.put("load", "{\"req\":\"req-2\",\"gen\":4,\"tokens\":" + TOKENS + ",\"extras\":{},"
            + "\"block_ids\":[7],\"from\":1,\"op\":\"load\"}");
        seeds.put("session", String.join("\n", "{\"op\":\"ping\"}", seeds.get("register-layout-1"),
            seeds.get("lookup"), seeds.get("save"), "{\"op\":\"finished\"}", "{\"op\":\"stats\"}", "not json",
            "{\"op\":\"unknown\"}", seeds.get("load")));
        return seeds;
    }

    public static void main(String[] args) throws IOException {
        Path dir = Path.of(args[0], "io", "spillway", "bridge", "agent", "AgentRequestFuzzTestInputs",
            "parsesRequestLines");
        Files.createDirectories(dir);
        for (Map.Entry<String, String> e : connections().entrySet()) {
            Files.writeString(dir.resolve(e.getKey()), e.getValue() + "\n");
        }
    }
}
