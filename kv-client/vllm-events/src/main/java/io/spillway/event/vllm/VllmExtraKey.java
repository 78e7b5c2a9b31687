package io.spillway.event.vllm;

/**
 * One item of a block's {@code extra_keys} tuple in a vLLM {@code BlockStored} event (vLLM's
 * {@code generate_block_hash_extra_keys}: the LoRA name, then {@code (mm identifier, offset in the block)} pairs, then
 * the cache salt on a request's first block, then prompt-embedding hashes). The tuple does not say which string is
 * which; {@code io.spillway.router.vllm} resolves them against the event's {@code lora_name} and the block's position.
 */
public sealed interface VllmExtraKey {
    /** A string item: the LoRA name or the cache salt. */
    record Text(String value) implements VllmExtraKey {
        public Text {
            if (value == null) {
                throw new IllegalArgumentException("text extra key must not be null");
            }
        }
    }

    /**
     * A multimodal item: {@code [identifier, offset]}, the offset of the item's first placeholder token counted from
     * the block's first token (negative when the item began in an earlier block).
     */
    record Multimodal(String identifier, long offset) implements VllmExtraKey {
        public Multimodal {
            if (identifier == null) {
                throw new IllegalArgumentException("multimodal identifier must not be null");
            }
        }
    }

    /** A bytes item (a prompt-embedding hash), as lower-case hex. */
    record Binary(String hex) implements VllmExtraKey {
        public Binary {
            if (hex == null) {
                throw new IllegalArgumentException("binary extra key must not be null");
            }
        }
    }

    /** An item of any other shape, kept only as a description of its type (its value was skipped). */
    record Other(String type) implements VllmExtraKey {
    }
}
