package io.spillway.bridge.agent;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.spillway.bridge.KvCacheSpec;
import io.spillway.bridge.LayerPlacement;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.channels.Channels;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.Base64;
import java.util.List;

/** A Java client of the agent's socket (the Python connector has its own): one request line, one answer line. */
public final class AgentConnection implements AutoCloseable {
    private static final ObjectMapper JSON = new ObjectMapper();

    private final SocketChannel channel;
    private final BufferedReader in;
    private final OutputStream out;

    public AgentConnection(Path socket) throws IOException {
        channel = SocketChannel.open(StandardProtocolFamily.UNIX);
        channel.connect(UnixDomainSocketAddress.of(socket));
        in = new BufferedReader(new InputStreamReader(Channels.newInputStream(channel), StandardCharsets.UTF_8));
        out = Channels.newOutputStream(channel);
    }

    /** Sends {@code request} (a JSON object) and returns the answer, whatever its {@code ok}. */
    public JsonNode call(Object request) throws IOException {
        return callRaw(JSON.writeValueAsString(request));
    }

    /** Sends one line as it is (a test sends lines that are not JSON too) and returns the answer. */
    public synchronized JsonNode callRaw(String line) throws IOException {
        out.write((line + "\n").getBytes(StandardCharsets.UTF_8));
        out.flush();
        String answer = in.readLine();
        if (answer == null) {
            throw new IOException("the agent closed the connection");
        }
        return JSON.readTree(answer);
    }

    /**
     * A {@code register} of a cache laid out as {@code spec} in the allocations {@code regionHandles}, keyed as model
     * {@code model} in bf16 with {@code kvHeads} heads of {@code headDim} and 16-token blocks (what the Python
     * connector sends for a worker, docs/vllm.md); {@code fence}: the fence page's handle, or null.
     */
    public static ObjectNode registerRequest(KvCacheSpec spec, List<byte[]> regionHandles, String model, int kvHeads,
                                             int headDim, String layout, byte[] fence) {
        ObjectNode r = JSON.createObjectNode().put("op", "register");
        r.putObject("namespace").put("model", model).put("dtype", "bfloat16").put("block_size", 16)
            .put("layers", spec.layers()).put("kv_heads", kvHeads).put("head_dim", headDim).put("layout", layout);
        ObjectNode cache = r.putObject("cache").put("num_blocks", spec.numBlocks());
        ArrayNode regions = cache.putArray("regions");
        regionHandles.forEach(h -> regions.add(Base64.getEncoder().encodeToString(h)));
        ArrayNode layers = cache.putArray("layers");
        for (int l = 0; l < spec.layers(); l++) {
            LayerPlacement p = spec.layer(l);
            layers.addArray().add(p.region()).add(p.origin()).add(p.blockStride()).add(p.spanStart()).add(p.spanEnd());
        }
        ArrayNode runs = cache.putArray("runs");
        for (int i = 0; i < spec.page().count(); i++) {
            runs.addArray().add(spec.page().offset(i)).add(spec.page().length(i));
        }
        if (fence != null) {
            r.put("fence", Base64.getEncoder().encodeToString(fence));
        }
        return r;
    }

    @Override
    public void close() throws IOException {
        channel.close();
    }
}
