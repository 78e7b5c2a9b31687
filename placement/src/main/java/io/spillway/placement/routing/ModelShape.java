package io.spillway.placement.routing;

import java.util.Collections;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;

/**
 * The shape of a model's KV cache, from which a block's bytes follow: a token holds a key and a value vector per
 * layer and KV head, {@code 2 × layers × kvHeads × headSize × dtypeBytes} bytes (Llama-3.1-8B: 2 × 32 × 8 × 128 × 2 =
 * 128 KiB a token, 2 MiB a 16-token block).
 *
 * <p>{@link #KNOWN} holds well-known models with the figures of their Hugging Face {@code config.json}
 * ({@code num_hidden_layers}, {@code num_key_value_heads}, {@code head_dim} or {@code hidden_size /
 * num_attention_heads}, {@code torch_dtype}), as published in each model's repository.
 *
 * @param name       the model's name
 * @param layers     transformer layers
 * @param kvHeads    key/value heads (grouped-query attention: fewer than the attention heads)
 * @param headSize   the size of one head
 * @param dtypeBytes bytes of one element of the cache (bf16 and fp16 2, fp8 1, fp32 4)
 */
public record ModelShape(String name, int layers, int kvHeads, int headSize, int dtypeBytes) {
    /**
     * Well-known models by lower-case name: meta-llama/Llama-3.1-8B (32 layers, 8 KV heads, 4,096 / 32 heads = 128,
     * bfloat16), meta-llama/Llama-3.1-70B (80, 8, 8,192 / 64 = 128, bfloat16), Qwen/Qwen3-8B (36, 8, head_dim 128,
     * bfloat16), Qwen/Qwen2.5-7B-Instruct (28, 4, 3,584 / 28 = 128, bfloat16), mistralai/Mistral-7B-v0.1 (32, 8,
     * 4,096 / 32 = 128, bfloat16).
     */
    public static final Map<String, ModelShape> KNOWN = known(
        new ModelShape("llama-3.1-8b", 32, 8, 128, 2),
        new ModelShape("llama-3.1-70b", 80, 8, 128, 2),
        new ModelShape("qwen3-8b", 36, 8, 128, 2),
        new ModelShape("qwen2.5-7b", 28, 4, 128, 2),
        new ModelShape("mistral-7b", 32, 8, 128, 2));

    public ModelShape {
        if (name == null || name.isBlank()) {
            throw new IllegalArgumentException("a model shape needs a name");
        }
        if (layers < 1 || kvHeads < 1 || headSize < 1 || dtypeBytes < 1) {
            throw new IllegalArgumentException("model shape '" + name + "': layers, KV heads, head size and dtype "
                + "bytes must be >= 1, got " + layers + ", " + kvHeads + ", " + headSize + ", " + dtypeBytes);
        }
    }

    /** A model of {@link #KNOWN} by name (case ignored); an unknown name is an error listing the known ones. */
    public static ModelShape named(String name) {
        ModelShape shape = KNOWN.get(name.strip().toLowerCase(Locale.ROOT));
        if (shape == null) {
            throw new IllegalArgumentException("unknown model shape '" + name + "': known " + KNOWN.keySet()
                + ", or give layers, KV heads, head size and dtype");
        }
        return shape;
    }

    /** Bytes of one element of a cache dtype: bf16, fp16 or float16 2, fp8 (any variant) 1, fp32 or float32 4. */
    public static int dtypeBytes(String dtype) {
        String d = dtype.strip().toLowerCase(Locale.ROOT);
        if (d.equals("bf16") || d.equals("bfloat16") || d.equals("fp16") || d.equals("float16")) {
            return 2;
        }
        if (d.startsWith("fp8") || d.startsWith("float8")) {
            return 1;
        }
        if (d.equals("fp32") || d.equals("float32")) {
            return 4;
        }
        throw new IllegalArgumentException("unknown dtype '" + dtype + "': expected bf16, fp16, fp8 or fp32");
    }

    /** KV bytes of one token over all layers: 2 (key and value) × layers × KV heads × head size × dtype bytes. */
    public long bytesPerToken() {
        return 2L * layers * kvHeads * headSize * dtypeBytes;
    }

    /** KV bytes of one block of {@code tokensPerBlock} tokens. */
    public long blockBytes(int tokensPerBlock) {
        if (tokensPerBlock < 1) {
            throw new IllegalArgumentException("tokensPerBlock must be >= 1, got " + tokensPerBlock);
        }
        return bytesPerToken() * tokensPerBlock;
    }

    /** {@code name (layers L, KV heads H, head size S, D-byte dtype: N KiB a token)}. */
    public String describe() {
        return String.format(Locale.ROOT, "%s (%d layers, %d KV heads, head size %d, %d-byte dtype: %d KiB a token)",
            name, layers, kvHeads, headSize, dtypeBytes, bytesPerToken() / 1024);
    }

    private static Map<String, ModelShape> known(ModelShape... shapes) {
        Map<String, ModelShape> m = new TreeMap<>();
        for (ModelShape s : shapes) {
            m.put(s.name(), s);
        }
        return Collections.unmodifiableMap(m);
    }
}
