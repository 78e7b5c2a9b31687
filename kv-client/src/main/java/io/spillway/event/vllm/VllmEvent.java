package io.spillway.event.vllm;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.List;
import java.util.Objects;

/**
 * One event of a vLLM {@code KVEventBatch} (vllm/distributed/kv_events.py). Optional fields are {@code null} when the
 * publisher's vLLM version does not have them or left them unset. Immutable.
 */
public sealed interface VllmEvent {
    /** The event's tag on the wire. */
    String tag();

    /**
     * Blocks entered a cache: {@code blockHashes[i]} covers {@code tokenIds[i * blockSize, (i + 1) * blockSize)},
     * chained from {@code parentBlockHash} ({@code null} at the start of a request). vLLM's offload path sends
     * location-only events with no token ids.
     *
     * @param blockHashes     the engine hashes of the blocks, in chain order
     * @param parentBlockHash the engine hash of the block before the first, or {@code null}
     * @param tokenIds        the blocks' token ids, {@code blockSize} per block (may be empty)
     * @param blockSize       tokens per block, &gt; 0
     * @param loraId          the adapter's int id (deprecated by {@code lora_name}, still sent)
     * @param medium          where the blocks are ({@code "GPU"}, {@code "CPU"}, ...); {@code null} means the GPU
     * @param loraName        the adapter's name, part of vLLM's block hash (vLLM PR #27577)
     * @param extraKeys       one entry per block, {@code null} entries for blocks without extras (vLLM PR #33304)
     * @param groupIdx        the KV cache group (vLLM PR #37688)
     * @param kvCacheSpecKind the group's attention kind, e.g. {@code "full_attention"} (vLLM PR #40984)
     * @param kvCacheSpecSlidingWindow the group's sliding window (vLLM PR #40984)
     */
    record BlockStored(List<EngineBlockHash> blockHashes, EngineBlockHash parentBlockHash, int[] tokenIds,
                       int blockSize, Integer loraId, String medium, String loraName,
                       List<List<VllmExtraKey>> extraKeys, Integer groupIdx, String kvCacheSpecKind,
                       Integer kvCacheSpecSlidingWindow) implements VllmEvent {
        public BlockStored {
            blockHashes = List.copyOf(Objects.requireNonNull(blockHashes, "blockHashes"));
            tokenIds = Objects.requireNonNull(tokenIds, "tokenIds").clone();
            if (blockSize <= 0) {
                throw new IllegalArgumentException("blockSize must be > 0, got " + blockSize);
            }
            for (int i = 0; i < tokenIds.length; i++) {
                if (tokenIds[i] < 0) {
                    throw new IllegalArgumentException("token ids are >= 0, got " + tokenIds[i] + " at " + i);
                }
            }
            if (extraKeys != null) {
                if (extraKeys.size() != blockHashes.size()) {
                    throw new IllegalArgumentException("extraKeys has one entry per block: " + extraKeys.size()
                        + " entries for " + blockHashes.size() + " blocks");
                }
                List<List<VllmExtraKey>> copy = new ArrayList<>(extraKeys.size());
                for (List<VllmExtraKey> block : extraKeys) {
                    copy.add(block == null ? null : List.copyOf(block));
                }
                extraKeys = Collections.unmodifiableList(copy);
            }
        }

        /** A plain event: no LoRA, medium unset, no extra keys, no group. */
        public static BlockStored of(List<EngineBlockHash> blockHashes, EngineBlockHash parentBlockHash,
                                     int[] tokenIds, int blockSize) {
            return new BlockStored(blockHashes, parentBlockHash, tokenIds, blockSize, null, null, null, null, null,
                null, null);
        }

        @Override
        public String tag() {
            return VllmWire.BLOCK_STORED;
        }

        /** A copy of the token ids. */
        @Override
        public int[] tokenIds() {
            return tokenIds.clone();
        }

        public int tokenCount() {
            return tokenIds.length;
        }

        public int tokenId(int i) {
            return tokenIds[i];
        }

        @Override
        public boolean equals(Object o) {
            return o instanceof BlockStored e && e.blockSize == blockSize && e.blockHashes.equals(blockHashes)
                && Objects.equals(e.parentBlockHash, parentBlockHash) && Arrays.equals(e.tokenIds, tokenIds)
                && Objects.equals(e.loraId, loraId) && Objects.equals(e.medium, medium)
                && Objects.equals(e.loraName, loraName) && Objects.equals(e.extraKeys, extraKeys)
                && Objects.equals(e.groupIdx, groupIdx) && Objects.equals(e.kvCacheSpecKind, kvCacheSpecKind)
                && Objects.equals(e.kvCacheSpecSlidingWindow, kvCacheSpecSlidingWindow);
        }

        @Override
        public int hashCode() {
            return Objects.hash(blockHashes, parentBlockHash, Arrays.hashCode(tokenIds), blockSize, loraId, medium,
                loraName, extraKeys, groupIdx, kvCacheSpecKind, kvCacheSpecSlidingWindow);
        }

        @Override
        public String toString() {
            return "BlockStored{blocks=" + blockHashes + ", parent=" + parentBlockHash + ", tokens="
                + tokenIds.length + ", blockSize=" + blockSize + ", loraId=" + loraId + ", medium=" + medium
                + ", loraName=" + loraName + ", extraKeys=" + extraKeys + ", groupIdx=" + groupIdx
                + ", kvCacheSpecKind=" + kvCacheSpecKind + ", slidingWindow=" + kvCacheSpecSlidingWindow + "}";
        }
    }

    /**
     * Blocks left a cache.
     *
     * @param medium   where they were removed from; {@code null} means the GPU
     * @param groupIdx the KV cache group (vLLM PR #37688)
     */
    record BlockRemoved(List<EngineBlockHash> blockHashes, String medium, Integer groupIdx) implements VllmEvent {
        public BlockRemoved {
            blockHashes = List.copyOf(Objects.requireNonNull(blockHashes, "blockHashes"));
        }

        @Override
        public String tag() {
            return VllmWire.BLOCK_REMOVED;
        }
    }

    /** The engine dropped its whole prefix cache. */
    record AllBlocksCleared() implements VllmEvent {
        @Override
        public String tag() {
            return VllmWire.ALL_BLOCKS_CLEARED;
        }
    }

    /**
     * An event with a tag this decoder does not know (a newer vLLM): its fields were skipped. Kept so the batch's
     * other events still apply and the consumer can count it; see {@link VllmEventDecoder}.
     */
    record Unknown(String tag) implements VllmEvent {
        public Unknown {
            Objects.requireNonNull(tag, "tag");
        }
    }
}
