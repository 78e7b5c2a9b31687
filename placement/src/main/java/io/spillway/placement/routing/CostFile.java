package io.spillway.placement.routing;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Reads the figures of a {@link TransferCostModel} from JSON text (the caller reads the file: placement does no
 * I/O). Two kinds of document are taken:
 *
 * <ul>
 *   <li>a <b>cost file</b> ({@code "kind": "spillway-costs"}, or no kind): every figure of {@link CostInputs#FIELDS}
 *       is required ({@code cpu_gbps}, {@code nvme_gbps}, {@code load_overhead_us}, {@code prefill_tokens_per_s},
 *       {@code tokens_per_block}), and the block's bytes as exactly one of {@code block_bytes}, {@code model} (a
 *       name of {@link ModelShape#KNOWN}) or {@code model_shape} ({@code layers}, {@code kv_heads},
 *       {@code head_size}, {@code dtype}); {@code sources} maps a figure's name to where it came from;</li>
 *   <li>a <b>measurement</b>, what {@code bench compare --json} and {@code bench bridge --json} write: its
 *       {@code costs} object holds the load bandwidth it measured ({@code cpu_gbps}) and a {@code source}; the other
 *       figures are kept from the base the caller passes. NVMe loads cross the same wire, so a measured CPU
 *       bandwidth below the base's NVMe figure bounds that too.</li>
 * </ul>
 *
 * Every error names the document ({@code origin}) and the figure.
 */
public final class CostFile {
    public static final String KIND = "spillway-costs";
    private static final ObjectMapper JSON = new ObjectMapper();

    private CostFile() {
    }

    /** The figures {@code json} gives, over {@code base} where it is a measurement. */
    public static CostInputs parse(String json, String origin, CostInputs base) {
        JsonNode root;
        try {
            root = JSON.readTree(json);
        } catch (JsonProcessingException e) {
            throw new IllegalArgumentException(origin + ": not JSON: " + e.getOriginalMessage(), e);
        }
        if (root == null || !root.isObject()) {
            throw new IllegalArgumentException(origin + ": expected a JSON object");
        }
        JsonNode kind = root.get("kind");
        if (kind == null || kind.asText().equals(KIND)) {
            return costFile(root, origin);
        }
        JsonNode costs = root.get("costs");
        if (costs == null || !costs.isObject()) {
            throw new IllegalArgumentException(origin + ": a '" + kind.asText() + "' document without a 'costs' "
                + "object: rerun the command that wrote it (bench compare --json or bench bridge --json) with this "
                + "version, or give a cost file (kind " + KIND + ")");
        }
        double cpu = number(costs, CostInputs.CPU_GBPS, origin + " costs");
        JsonNode sourceNode = costs.get("source");
        String source = "measured: " + (sourceNode != null ? sourceNode.asText() : kind.asText()) + " (" + origin
            + ")";
        CostInputs out = base.with(CostInputs.CPU_GBPS, cpu, source);
        if (cpu < base.nvmeGbps()) {
            out = out.with(CostInputs.NVME_GBPS, cpu, "bounded by the measured " + CostInputs.CPU_GBPS
                + " (the same wire; was " + base.nvmeGbps() + ", " + base.sources().get(CostInputs.NVME_GBPS) + ")");
        }
        return out;
    }

    /** A cost file's text for {@code inputs}, as {@link #parse} reads it. */
    public static String write(CostInputs inputs) {
        ObjectNode root = JSON.createObjectNode().put("kind", KIND).put("version", 1)
            .put(CostInputs.CPU_GBPS, inputs.cpuGbps()).put(CostInputs.NVME_GBPS, inputs.nvmeGbps())
            .put(CostInputs.LOAD_OVERHEAD_US, inputs.loadOverheadMicros())
            .put(CostInputs.PREFILL_TOKENS_PER_S, inputs.prefillTokensPerSecond())
            .put(CostInputs.TOKENS_PER_BLOCK, inputs.tokensPerBlock()).put(CostInputs.BLOCK_BYTES, inputs.blockBytes());
        ObjectNode sources = root.putObject("sources");
        inputs.sources().forEach(sources::put);
        try {
            return JSON.writerWithDefaultPrettyPrinter().writeValueAsString(root) + "\n";
        } catch (JsonProcessingException e) {
            throw new IllegalStateException(e);
        }
    }

    private static CostInputs costFile(JsonNode root, String origin) {
        List<String> missing = new ArrayList<>();
        for (String f : List.of(CostInputs.CPU_GBPS, CostInputs.NVME_GBPS, CostInputs.LOAD_OVERHEAD_US,
            CostInputs.PREFILL_TOKENS_PER_S, CostInputs.TOKENS_PER_BLOCK)) {
            if (!root.has(f)) {
                missing.add(f);
            }
        }
        int blockGivers = (root.has(CostInputs.BLOCK_BYTES) ? 1 : 0) + (root.has("model") ? 1 : 0)
            + (root.has("model_shape") ? 1 : 0);
        if (blockGivers == 0) {
            missing.add(CostInputs.BLOCK_BYTES + " (or model, or model_shape)");
        }
        if (!missing.isEmpty()) {
            throw new IllegalArgumentException(origin + ": missing " + String.join(", ", missing));
        }
        if (blockGivers > 1) {
            throw new IllegalArgumentException(origin + ": give the block's size once: " + CostInputs.BLOCK_BYTES
                + ", model or model_shape");
        }
        Map<String, String> sources = sources(root, origin);
        int tokensPerBlock = wholeNumber(root, CostInputs.TOKENS_PER_BLOCK, origin);
        long blockBytes;
        if (root.has("model")) {
            ModelShape shape = named(root.get("model"), origin);
            blockBytes = shape.blockBytes(tokensPerBlock);
            sources.putIfAbsent(CostInputs.BLOCK_BYTES, shape.describe());
        } else if (root.has("model_shape")) {
            ModelShape shape = shape(root.get("model_shape"), origin);
            blockBytes = shape.blockBytes(tokensPerBlock);
            sources.putIfAbsent(CostInputs.BLOCK_BYTES, shape.describe());
        } else {
            blockBytes = wholeNumber(root, CostInputs.BLOCK_BYTES, origin);
        }
        double cpu = number(root, CostInputs.CPU_GBPS, origin);
        double nvme = number(root, CostInputs.NVME_GBPS, origin);
        double overhead = number(root, CostInputs.LOAD_OVERHEAD_US, origin);
        double prefill = number(root, CostInputs.PREFILL_TOKENS_PER_S, origin);
        try {
            return new CostInputs(cpu, nvme, overhead, prefill, tokensPerBlock, blockBytes, sources);
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException(origin + ": " + e.getMessage(), e);
        }
    }

    private static ModelShape named(JsonNode name, String origin) {
        if (!name.isTextual()) {
            throw new IllegalArgumentException(origin + ": model must be a name, got " + name);
        }
        try {
            return ModelShape.named(name.asText());
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException(origin + ": " + e.getMessage(), e);
        }
    }

    private static ModelShape shape(JsonNode s, String origin) {
        String where = origin + " model_shape";
        if (!s.isObject()) {
            throw new IllegalArgumentException(where + ": expected an object with layers, kv_heads, head_size and "
                + "dtype");
        }
        JsonNode dtype = s.get("dtype");
        if (dtype == null || !dtype.isTextual()) {
            throw new IllegalArgumentException(where + ": missing dtype (bf16, fp16, fp8 or fp32)");
        }
        int layers = wholeNumber(s, "layers", where);
        int kvHeads = wholeNumber(s, "kv_heads", where);
        int headSize = wholeNumber(s, "head_size", where);
        JsonNode name = s.get("name");
        try {
            return new ModelShape(name != null ? name.asText() : "model_shape", layers, kvHeads, headSize,
                ModelShape.dtypeBytes(dtype.asText()));
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException(where + ": " + e.getMessage(), e);
        }
    }

    private static Map<String, String> sources(JsonNode root, String origin) {
        Map<String, String> out = new LinkedHashMap<>();
        JsonNode s = root.get("sources");
        if (s == null) {
            return out;
        }
        if (!s.isObject()) {
            throw new IllegalArgumentException(origin + ": sources must be an object of figure name to source");
        }
        for (Iterator<Map.Entry<String, JsonNode>> it = s.fields(); it.hasNext(); ) {
            Map.Entry<String, JsonNode> e = it.next();
            if (!CostInputs.FIELDS.contains(e.getKey())) {
                throw new IllegalArgumentException(origin + ": sources names an unknown figure '" + e.getKey()
                    + "': known " + CostInputs.FIELDS);
            }
            out.put(e.getKey(), e.getValue().asText());
        }
        return out;
    }

    private static double number(JsonNode o, String field, String origin) {
        JsonNode v = o.get(field);
        if (v == null) {
            throw new IllegalArgumentException(origin + ": missing " + field);
        }
        if (!v.isNumber()) {
            throw new IllegalArgumentException(origin + ": " + field + " must be a number, got " + v);
        }
        double d = v.asDouble();
        if (!field.equals(CostInputs.LOAD_OVERHEAD_US) && !(d > 0)) {
            throw new IllegalArgumentException(origin + ": " + field + " must be > 0, got " + v);
        }
        return d;
    }

    private static int wholeNumber(JsonNode o, String field, String origin) {
        JsonNode v = o.get(field);
        if (v == null) {
            throw new IllegalArgumentException(origin + ": missing " + field);
        }
        if (!v.canConvertToInt() || !v.isIntegralNumber() || v.asInt() < 1) {
            throw new IllegalArgumentException(origin + ": " + field + " must be a whole number >= 1, got " + v);
        }
        return v.asInt();
    }
}
