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
     * chained from {@code parentBlockHash} ({@code null} at the start of a request). An event without token ids is
     * location-only: vLLM's offloading connector announces an offloaded chunk by its hash alone, with
     * {@code block_size} 0 (its placeholder payload) or the group's block size.
     *
     * @param blockHashes     the engine hashes of the blocks, in chain order
     * @param parentBlockHash the engine hash of the block before the first, or {@code null}
     * @param tokenIds        the blocks' token ids, {@code blockSize} per block (may be empty)
     * @param blockSize       tokens per block: &gt; 0 when there are token ids, &gt;= 0 otherwise
     * @param loraId          the adapter's int id (deprecated by {@code lora_name}, still sent)
     * @param medium          where the blocks are ({@code "GPU"}, {@code "CPU"}, {@code "STORAGE"}, ...);
     *                        {@code null} means the GPU
     * @param loraName        the adapter's name, part of vLLM's block hash (vLLM PR #27577)
     * @param extraKeys       one entry per block, {@code null} entries for blocks without extras (vLLM PR #33304)
     * @param groupIdx        the KV cache group (vLLM PR #37688)
     * @param kvCacheSpecKind the group's attention kind, e.g. {@code "full_attention"} (vLLM PR #40984)
     * @param kvCacheSpecSlidingWindow the group's sliding window (vLLM PR #40984)
     * @param locality        {@code "LOCAL"} or {@code "REMOTE"}: where the medium is relative to the publisher;
     *                        {@code null} unspecified (vLLM 0.34)
     * @param ownership       the secondary offloading tier that produced the event (e.g. {@code "kvcr"}), or
     *                        {@code null} for the primary one (vLLM 0.34)
     * @param sessionId       the session of the request that caused the store or reuse report (vLLM 0.34)
     * @param lookaheadTokenIds per block, the tokens after it that its hash also covers (EAGLE block drop), or
     *                        {@code null} (vLLM 0.34)
     */
    record BlockStored(List<EngineBlockHash> blockHashes, EngineBlockHash parentBlockHash, int[] tokenIds,
                       int blockSize, Integer loraId, String medium, String loraName,
                       List<List<VllmExtraKey>> extraKeys, Integer groupIdx, String kvCacheSpecKind,
                       Integer kvCacheSpecSlidingWindow, String locality, String ownership, String sessionId,
                       int[][] lookaheadTokenIds) implements VllmEvent {
        public BlockStored {
            blockHashes = List.copyOf(Objects.requireNonNull(blockHashes, "blockHashes"));
            tokenIds = Objects.requireNonNull(tokenIds, "tokenIds").clone();
            if (blockSize < 0 || blockSize == 0 && tokenIds.length > 0) {
                throw new IllegalArgumentException("blockSize must be > 0 with token ids and >= 0 without, got "
                    + blockSize + " with " + tokenIds.length + " token ids");
            }
            requireTokenIds(tokenIds, "token ids");
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
            if (lookaheadTokenIds != null) {
                lookaheadTokenIds = lookaheadTokenIds.clone();
                for (int i = 0; i < lookaheadTokenIds.length; i++) {
                    lookaheadTokenIds[i] = Objects.requireNonNull(lookaheadTokenIds[i], "lookaheadTokenIds[i]")
                        .clone();
                    requireTokenIds(lookaheadTokenIds[i], "lookahead token ids");
                }
            }
        }

        /** The fields vLLM had before 0.34: no locality, ownership, session or lookahead. */
        public BlockStored(List<EngineBlockHash> blockHashes, EngineBlockHash parentBlockHash, int[] tokenIds,
                           int blockSize, Integer loraId, String medium, String loraName,
                           List<List<VllmExtraKey>> extraKeys, Integer groupIdx, String kvCacheSpecKind,
                           Integer kvCacheSpecSlidingWindow) {
            this(blockHashes, parentBlockHash, tokenIds, blockSize, loraId, medium, loraName, extraKeys, groupIdx,
                kvCacheSpecKind, kvCacheSpecSlidingWindow, null, null, null, null);
        }

        /** A plain event: no LoRA, medium unset, no extra keys, no group. */
        public static BlockStored of(List<EngineBlockHash> blockHashes, EngineBlockHash parentBlockHash,
                                     int[] tokenIds, int blockSize) {
            return new BlockStored(blockHashes, parentBlockHash, tokenIds, blockSize, null, null, null, null, null,
                null, null);
        }

        /** Token ids are unsigned 32-bit values held as their bits (a negative int is an id of 2^31 or more). */
        private static void requireTokenIds(int[] tokens, String what) {
            Objects.requireNonNull(tokens, what);
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

        /** A copy of the lookahead token ids, or {@code null}. */
        @Override
        public int[][] lookaheadTokenIds() {
            if (lookaheadTokenIds == null) {
                return null;
            }
            int[][] copy = new int[lookaheadTokenIds.length][];
            for (int i = 0; i < copy.length; i++) {
                copy[i] = lookaheadTokenIds[i].clone();
            }
            return copy;
        }

        @Override
        public boolean equals(Object o) {
            return o instanceof BlockStored e && e.blockSize == blockSize && e.blockHashes.equals(blockHashes)
                && Objects.equals(e.parentBlockHash, parentBlockHash) && Arrays.equals(e.tokenIds, tokenIds)
                && Objects.equals(e.loraId, loraId) && Objects.equals(e.medium, medium)
                && Objects.equals(e.loraName, loraName) && Objects.equals(e.extraKeys, extraKeys)
                && Objects.equals(e.groupIdx, groupIdx) && Objects.equals(e.kvCacheSpecKind, kvCacheSpecKind)
                && Objects.equals(e.kvCacheSpecSlidingWindow, kvCacheSpecSlidingWindow)
                && Objects.equals(e.locality, locality) && Objects.equals(e.ownership, ownership)
                && Objects.equals(e.sessionId, sessionId) && Arrays.deepEquals(e.lookaheadTokenIds, lookaheadTokenIds);
        }

        @Override
        public int hashCode() {
            return Objects.hash(blockHashes, parentBlockHash, Arrays.hashCode(tokenIds), blockSize, loraId, medium,
                loraName, extraKeys, groupIdx, kvCacheSpecKind, kvCacheSpecSlidingWindow, locality, ownership,
                sessionId, Arrays.deepHashCode(lookaheadTokenIds));
        }

        @Override
        public String toString() {
            return "BlockStored{blocks=" + blockHashes + ", parent=" + parentBlockHash + ", tokens="
                + tokenIds.length + ", blockSize=" + blockSize + ", loraId=" + loraId + ", medium=" + medium
                + ", loraName=" + loraName + ", extraKeys=" + extraKeys + ", groupIdx=" + groupIdx
                + ", kvCacheSpecKind=" + kvCacheSpecKind + ", slidingWindow=" + kvCacheSpecSlidingWindow
                + ", locality=" + locality + ", ownership=" + ownership + ", sessionId=" + sessionId
                + ", lookahead=" + (lookaheadTokenIds == null ? null : lookaheadTokenIds.length + " lists") + "}";
        }
    }

    /**
     * Blocks left a cache.
     *
     * @param medium    where they were removed from; {@code null} means the GPU
     * @param groupIdx  the KV cache group (vLLM PR #37688)
     * @param locality  {@code "LOCAL"}, {@code "REMOTE"} or {@code null}, as in {@link BlockStored} (vLLM 0.34)
     * @param ownership the secondary offloading tier, or {@code null}, as in {@link BlockStored} (vLLM 0.34)
     */
    record BlockRemoved(List<EngineBlockHash> blockHashes, String medium, Integer groupIdx, String locality,
                        String ownership) implements VllmEvent {
        public BlockRemoved {
            blockHashes = List.copyOf(Objects.requireNonNull(blockHashes, "blockHashes"));
        }

        /** The fields vLLM had before 0.34. */
        public BlockRemoved(List<EngineBlockHash> blockHashes, String medium, Integer groupIdx) {
            this(blockHashes, medium, groupIdx, null, null);
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

    /**
     * An event the decoder could not accept (a field of the wrong type or out of range, a required field absent, a
     * count over a limit): it was skipped whole and the batch's other events still decode (see
     * {@link VllmEventDecoder}).
     *
     * @param tag     the event's tag, or {@code ""} when it was not read (absent, or itself the fault)
     * @param reason  the kind of fault
     * @param message the fault and its place, as a {@link VllmDecodeException} would say it
     */
    record Rejected(String tag, VllmDecodeException.Reason reason, String message) implements VllmEvent {
        public Rejected {
            Objects.requireNonNull(tag, "tag");
            Objects.requireNonNull(reason, "reason");
            Objects.requireNonNull(message, "message");
        }
    }
}
