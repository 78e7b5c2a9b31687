package io.spillway.router.vllm;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.spillway.event.vllm.EngineBlockHash;
import io.spillway.event.vllm.VllmDecodeException;
import io.spillway.event.vllm.VllmEvent;
import io.spillway.event.vllm.VllmEventBatch;
import io.spillway.event.vllm.VllmExtraKey;
import io.spillway.key.BlockKey;
import io.spillway.key.BlockKeys;
import io.spillway.key.Namespace;
import io.spillway.key.RequestExtras;
import io.spillway.placement.index.BlockLocationIndex;
import io.spillway.placement.index.Location;
import io.spillway.placement.index.Medium;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Test;

/** vLLM events to Spillway keys and locations, without sockets. */
class VllmEventApplierTest {
    static final Namespace NS = Namespace.builder().modelId("m").layers(1).kvHeads(1).headDim(1).blockSizeTokens(2)
        .build();
    private static final String POD = "10.0.0.1:8000";

    private final BlockLocationIndex index = new BlockLocationIndex(1 << 16);
    private final VllmSubscriberCounters counters = new VllmSubscriberCounters();
    private VllmEventApplier applier = applier(1_000);

    @Test
    void storedBlocksChainFromTheNamespaceRootAndThenFromTheirParent() {
        apply(POD, stored(null, new long[] {1, 2}, 1, 2, 3, 4));
        apply(POD, stored(2L, new long[] {3}, 5, 6));

        BlockKey[] expected = BlockKeys.chain(NS, new int[] {1, 2, 3, 4, 5, 6});
        for (BlockKey key : expected) {
            assertTrue(holds(POD, Medium.GPU, key), key.toHex());
        }
        assertEquals(3, index.size());
        assertEquals(3, counters.blocksStored());
        assertEquals(3, applier.aliasCount(POD));
    }

    @Test
    void anUnknownParentSkipsTheEventsBlocks() {
        apply(POD, stored(99L, new long[] {5, 6}, 1, 2, 3, 4));

        assertEquals(1, counters.unknownParents());
        assertEquals(2, counters.skippedBlocks());
        assertEquals(0, index.size());
        assertEquals(0, applier.aliasCount(POD));
    }

    /** llm-d's simulator (vLLM's array form) sends parent 0 for a request's first block, where vLLM sends nil. */
    @Test
    void aParentOfZeroThatNoBlockHasIsTheRequestStart() {
        apply(POD, stored(0L, new long[] {1, 2}, 1, 2, 3, 4));

        for (BlockKey key : BlockKeys.chain(NS, new int[] {1, 2, 3, 4})) {
            assertTrue(holds(POD, Medium.GPU, key), key.toHex());
        }
        assertEquals(0, counters.unknownParents());

        apply(POD, stored(null, new long[] {0}, 7, 8)); // now a block has the hash 0: it is a parent like any
        apply(POD, stored(0L, new long[] {9}, 5, 6));
        BlockKey[] chained = BlockKeys.chain(NS, new int[] {7, 8, 5, 6});
        assertTrue(holds(POD, Medium.GPU, chained[1]), "chained from the block whose hash is 0");
    }

    @Test
    void removalsFindTheKeyThroughTheAliasAndKeepTheOtherMedia() {
        apply(POD, stored(null, new long[] {1, 2}, 1, 2, 3, 4));
        // vLLM's offload path: the same hashes, no token ids, medium CPU.
        apply(POD, new VllmEvent.BlockStored(hashes(1, 7), null, new int[0], 2, null, "CPU", null, null, null, null,
            null));
        BlockKey[] keys = BlockKeys.chain(NS, new int[] {1, 2, 3, 4});
        assertTrue(holds(POD, Medium.CPU, keys[0]));
        assertEquals(1, counters.unknownAliases());

        apply(POD, new VllmEvent.BlockRemoved(hashes(1, 2), null, null));

        assertFalse(holds(POD, Medium.GPU, keys[0]));
        assertFalse(holds(POD, Medium.GPU, keys[1]));
        assertTrue(holds(POD, Medium.CPU, keys[0]));
        assertEquals(1, applier.aliasCount(POD), "block 1 is still in CPU, block 2 nowhere");
        assertEquals(2, counters.blocksRemoved());

        apply(POD, new VllmEvent.BlockRemoved(hashes(1), "CPU", null));

        assertEquals(0, index.size());
        assertEquals(0, applier.aliasCount(POD));
    }

    @Test
    void allBlocksClearedClearsThatPodOnly() {
        String other = "10.0.0.2:8000";
        apply(POD, stored(null, new long[] {1, 2}, 1, 2, 3, 4));
        apply(POD, new VllmEvent.BlockStored(hashes(1), null, new int[0], 2, null, "CPU", null, null, null, null,
            null));
        apply(other, stored(null, new long[] {1, 2}, 1, 2, 3, 4));
        BlockKey[] keys = BlockKeys.chain(NS, new int[] {1, 2, 3, 4});

        apply(POD, new VllmEvent.AllBlocksCleared());

        for (BlockKey key : keys) {
            assertFalse(holds(POD, Medium.GPU, key));
            assertFalse(holds(POD, Medium.CPU, key));
            assertTrue(holds(other, Medium.GPU, key));
        }
        assertEquals(0, applier.aliasCount(POD));
        assertEquals(2, applier.aliasCount(other));
        // The pod starts afresh: a new chain indexes again at its new location ids.
        apply(POD, stored(null, new long[] {1}, 1, 2));
        assertTrue(holds(POD, Medium.GPU, keys[0]));
    }

    @Test
    void loraNameAndCacheSaltBecomeSpillwayExtraKeys() {
        List<List<VllmExtraKey>> extra = List.of(
            List.of(new VllmExtraKey.Text("sql"), new VllmExtraKey.Text("tenant-salt")),
            List.of(new VllmExtraKey.Text("sql")));
        apply(POD, new VllmEvent.BlockStored(hashes(1, 2), null, new int[] {1, 2, 3, 4}, 2, 3, null, "sql", extra,
            null, null, null));

        BlockKey[] expected = BlockKeys.chain(NS, new int[] {1, 2, 3, 4},
            RequestExtras.builder().lora("sql").cacheSalt("tenant-salt").build());
        assertTrue(holds(POD, Medium.GPU, expected[0]));
        assertTrue(holds(POD, Medium.GPU, expected[1]));
        assertFalse(holds(POD, Medium.GPU, BlockKeys.chain(NS, new int[] {1, 2, 3, 4})[0]));
    }

    @Test
    void extrasWithoutAnExactSpillwayFormAreSkippedNotGuessed() {
        List<List<VllmExtraKey>> extra = Arrays.asList(null, List.of(new VllmExtraKey.Multimodal("img", -1)));
        apply(POD, new VllmEvent.BlockStored(hashes(1, 2, 3), null, new int[] {1, 2, 3, 4, 5, 6}, 2, null, null,
            null, Arrays.asList(null, extra.get(1), null), null, null, null));
        // A LoRA known only by its id (vLLM before lora_name) cannot be keyed either.
        apply(POD, new VllmEvent.BlockStored(hashes(9), null, new int[] {1, 2}, 2, 4, null, null, null, null, null,
            null));

        assertTrue(holds(POD, Medium.GPU, BlockKeys.chain(NS, new int[] {1, 2})[0]));
        assertEquals(1, index.size());
        assertEquals(2 + 1, counters.unmappableBlocks());
    }

    @Test
    void theAliasBoundRetractsTheBlocksItDrops() {
        applier = applier(4);

        apply(POD, stored(null, new long[] {1, 2, 3, 4, 5, 6}, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12));

        BlockKey[] keys = BlockKeys.chain(NS, new int[] {1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12});
        assertEquals(2, counters.aliasEvictions());
        assertEquals(4, applier.aliasCount(POD));
        assertFalse(holds(POD, Medium.GPU, keys[0]));
        assertFalse(holds(POD, Medium.GPU, keys[1]));
        for (int i = 2; i < 6; i++) {
            assertTrue(holds(POD, Medium.GPU, keys[i]));
        }
        // A parent used again is recent: storing a child of block 3 and a new block keeps block 3's alias.
        apply(POD, stored(3L, new long[] {7}, 7, 7));
        apply(POD, stored(null, new long[] {8}, 8, 8));
        assertTrue(holds(POD, Medium.GPU, keys[2]));
        assertFalse(holds(POD, Medium.GPU, keys[3]));
    }

    @Test
    void otherGroupsUnknownMediaAndMismatchedSizesAreCountedAndSkipped() {
        apply(POD, new VllmEvent.BlockStored(hashes(1), null, new int[] {1, 2}, 2, null, null, null, null, 1, null,
            null));
        apply(POD, new VllmEvent.BlockRemoved(hashes(1), "GPU", 2));
        apply(POD, new VllmEvent.BlockStored(hashes(1), null, new int[] {1, 2}, 2, null, "TAPE", null, null, null,
            null, null));
        apply(POD, VllmEvent.BlockStored.of(hashes(1), null, new int[] {1, 2, 3, 4}, 4));
        apply(POD, VllmEvent.BlockStored.of(hashes(1, 2), null, new int[] {1, 2, 3}, 2));
        apply(POD, new VllmEvent.Unknown("BlocksMoved"));

        assertEquals(2, counters.otherGroupEvents());
        assertEquals(1, counters.unknownMediumEvents());
        assertEquals(1, counters.blockSizeMismatches());
        assertEquals(1, counters.malformedEvents());
        assertEquals(1, counters.unknownEvents());
        assertEquals(0, index.size());
    }

    @Test
    void aHashAnnouncedTwiceStaysUntilItIsRemovedTwice() {
        // vLLM caches one hash in two GPU blocks when two requests computed it: two stores, later two removals.
        apply(POD, stored(null, new long[] {1}, 1, 2));
        apply(POD, stored(null, new long[] {1}, 1, 2));
        BlockKey key = BlockKeys.chain(NS, new int[] {1, 2})[0];

        apply(POD, new VllmEvent.BlockRemoved(hashes(1), null, null));
        assertTrue(holds(POD, Medium.GPU, key), "one of the two copies is left");
        assertEquals(0, counters.blocksRemoved());

        apply(POD, new VllmEvent.BlockRemoved(hashes(1), null, null));
        assertFalse(holds(POD, Medium.GPU, key));
        assertEquals(0, applier.aliasCount(POD));
        assertEquals(1, counters.blocksRemoved());
    }

    @Test
    void eachOwningTierRemovesOnlyWhatItAnnounced() {
        apply(POD, stored(null, new long[] {1}, 1, 2));
        apply(POD, locationOnly(1, "CPU", null, null));
        apply(POD, locationOnly(1, "CPU", null, "kvcr"));
        BlockKey key = BlockKeys.chain(NS, new int[] {1, 2})[0];

        apply(POD, new VllmEvent.BlockRemoved(hashes(1), "CPU", 0, "LOCAL", null));
        assertTrue(holds(POD, Medium.CPU, key), "the kvcr tier still announces its copy");
        apply(POD, new VllmEvent.BlockRemoved(hashes(1), "CPU", 0, null, "other-tier"));
        assertTrue(holds(POD, Medium.CPU, key), "a tier that never announced the block cannot remove it");
        assertEquals(1, counters.unmatchedRemovals());

        apply(POD, new VllmEvent.BlockRemoved(hashes(1), "CPU", 0, null, "kvcr"));
        assertFalse(holds(POD, Medium.CPU, key));
        assertTrue(holds(POD, Medium.GPU, key));
    }

    @Test
    void remoteBlocksAreNotThePods() {
        apply(POD, stored(null, new long[] {1}, 1, 2));
        apply(POD, locationOnly(1, "STORAGE", "REMOTE", null));
        apply(POD, locationOnly(1, "STORAGE", "ELSEWHERE", null));
        BlockKey key = BlockKeys.chain(NS, new int[] {1, 2})[0];
        assertFalse(holds(POD, Medium.NVME, key));
        assertEquals(1, counters.remoteEvents());
        assertEquals(1, counters.unknownLocalityEvents());

        apply(POD, locationOnly(1, "STORAGE", "LOCAL", null));
        assertTrue(holds(POD, Medium.NVME, key), "STORAGE is the pod's own storage medium when local");
        apply(POD, new VllmEvent.BlockRemoved(hashes(1), "STORAGE", 0, "REMOTE", null));
        assertTrue(holds(POD, Medium.NVME, key), "a remote removal leaves the local copy");
        assertEquals(2, counters.remoteEvents());
    }

    @Test
    void theOffloadingPlaceholderAddsItsMediumToAKnownBlock() {
        apply(POD, stored(null, new long[] {1, 2}, 1, 2, 3, 4));
        // vLLM's offloading connector: the chunk's last hash, no tokens, block_size 0.
        apply(POD, new VllmEvent.BlockStored(hashes(2), null, new int[0], 0, null, "CPU", null, null, 0, null, null,
            "LOCAL", null, null, null));

        BlockKey[] keys = BlockKeys.chain(NS, new int[] {1, 2, 3, 4});
        assertTrue(holds(POD, Medium.CPU, keys[1]));
        assertFalse(holds(POD, Medium.CPU, keys[0]), "the placeholder names one hash only");
    }

    @Test
    void aRejectedEventIsCountedAndTheRestOfItsBatchApplies() {
        applier.apply(POD, NS, new VllmEventBatch(0, List.of(
            stored(null, new long[] {1}, 1, 2),
            new VllmEvent.Rejected("BlockStored", VllmDecodeException.Reason.BAD_VALUE,
                "BAD_VALUE: events[1].token_ids[0]: token id -1 out of range [0, 2^32)"),
            stored(1L, new long[] {2}, 3, 4)), 0));

        BlockKey[] keys = BlockKeys.chain(NS, new int[] {1, 2, 3, 4});
        assertTrue(holds(POD, Medium.GPU, keys[0]));
        assertTrue(holds(POD, Medium.GPU, keys[1]));
        assertEquals(1, counters.rejectedEvents());
    }

    @Test
    void aSaturatedCountLetsTheBlockLeaveEarlyNeverLate() {
        for (int i = 0; i <= Residencies.SATURATED; i++) {
            apply(POD, stored(null, new long[] {1}, 1, 2));
        }
        assertEquals(1, counters.saturatedCounts());
        for (int i = 0; i < Residencies.SATURATED; i++) {
            apply(POD, new VllmEvent.BlockRemoved(hashes(1), null, null));
        }

        assertFalse(holds(POD, Medium.GPU, BlockKeys.chain(NS, new int[] {1, 2})[0]));
    }

    @Test
    void aPodHasAtMostEightMediumAndOwnerPairs() {
        apply(POD, stored(null, new long[] {1}, 1, 2));
        for (int owner = 0; owner < 6; owner++) {
            apply(POD, locationOnly(1, "CPU", null, "tier-" + owner));
        }

        // GPU, CPU and STORAGE of the primary tier, then five owners: the sixth is one too many.
        assertEquals(1, counters.ownershipOverflowEvents());
    }

    private static VllmEvent.BlockStored locationOnly(long hash, String medium, String locality, String ownership) {
        return new VllmEvent.BlockStored(hashes(hash), null, new int[0], 0, null, medium, null, null, 0, null, null,
            locality, ownership, null, null);
    }

    private VllmEventApplier applier(int aliasCapacity) {
        return new VllmEventApplier(index, aliasCapacity, counters,
            new LogOnce(System.getLogger(VllmEventApplierTest.class.getName())));
    }

    private void apply(String pod, VllmEvent event) {
        applier.apply(pod, NS, new VllmEventBatch(0, List.of(event), 0));
    }

    private boolean holds(String pod, Medium medium, BlockKey key) {
        return index.contains(key.hi(), key.lo(), index.location(Location.pod(pod, medium)));
    }

    static VllmEvent.BlockStored stored(Long parent, long[] blockHashes, int... tokens) {
        return VllmEvent.BlockStored.of(hashes(blockHashes), parent == null ? null : EngineBlockHash.ofLong(parent),
            tokens, 2);
    }

    static List<EngineBlockHash> hashes(long... values) {
        List<EngineBlockHash> list = new ArrayList<>();
        for (long v : values) {
            list.add(EngineBlockHash.ofLong(v));
        }
        return list;
    }
}
