package io.spillway.bridge;

/** How a layer's KV tensor orders keys, values and blocks. */
public enum KvLayout {
    /** {@code [2, num_blocks, block_size, kv_heads, head_size]}: vLLM's flash-attention backend. */
    KV_FIRST,
    /** {@code [num_blocks, 2, block_size, kv_heads, head_size]}: FlashInfer's. */
    BLOCK_FIRST
}
