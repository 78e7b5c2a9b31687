package io.spillway.router.vllm;

import io.spillway.event.vllm.EngineBlockHash;
import io.spillway.event.vllm.VllmEvent;
import io.spillway.event.vllm.VllmEventBatch;
import io.spillway.event.vllm.VllmExtraKey;
import io.spillway.event.vllm.VllmWire;
import io.spillway.key.BlockKey;
import io.spillway.key.BlockKeys;
import io.spillway.key.ExtraKeys;
import io.spillway.key.Namespace;
import io.spillway.key.RequestExtras;
import io.spillway.placement.index.BlockLocationIndex;
import io.spillway.placement.index.Location;
import io.spillway.placement.index.Medium;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * Applies decoded vLLM events of one pod to the {@link BlockLocationIndex}; no I/O, so it is tested without sockets
 * (docs/events-vllm.md, "From vLLM blocks to Spillway keys and locations").
 *
 * <ul>
 *   <li>{@code BlockStored} with token ids: each block's Spillway key is {@link BlockKeys#next} of the previous
 *       block's key, starting from the namespace root when {@code parent_block_hash} is null and from the parent's
 *       key (found through the pod's aliases) otherwise. An unknown parent skips the event's blocks (counted), never
 *       guessed. Every block's engine hash becomes an alias of its key.</li>
 *   <li>{@code BlockStored} without token ids (vLLM's offloading connector, whose placeholder also has
 *       {@code block_size} 0): location-only; each hash is resolved through the aliases, unknown ones are counted
 *       and skipped.</li>
 *   <li>Each store counts one more announcement of the block at its residency (medium and {@code ownership},
 *       {@link Residencies}), each {@code BlockRemoved} one less; the key is at the pod's medium while any residency
 *       of that medium counts it, and an alias whose counts all reach 0 is dropped. So a hash vLLM caches twice
 *       stays until it was removed twice, and one offloading tier's removal leaves another tier's copy.</li>
 *   <li>{@code locality} {@code REMOTE} (a medium outside the pod, e.g. a shared file system): not the pod's own, so
 *       not indexed at the pod; counted. Any other value but {@code LOCAL} or none likewise.</li>
 *   <li>{@code AllBlocksCleared}: it names no medium and may come from any of the pod's block pools, so every
 *       location of the pod is cleared and its aliases dropped.</li>
 *   <li>{@link VllmEvent.Rejected} and {@link VllmEvent.Unknown} events are counted and skipped; the rest of the
 *       batch applies.</li>
 * </ul>
 * Extra keys: the event's {@code lora_name} is the request's LoRA extra key; a string in the first block of a request
 * besides the LoRA name is the cache salt. Multimodal items, prompt-embedding hashes, a LoRA known only by
 * {@code lora_id}, and any other item have no exact Spillway form (vLLM gives an item's offset within the block but
 * not its length): those blocks and the rest of their event are skipped and counted.
 *
 * <p>Aliases are bounded per pod ({@link PodAliases}, LRU). An alias dropped at the bound takes its key's locations
 * at that pod out of the index with it, because a later {@code BlockRemoved} could no longer find them: the index may
 * miss a block, but never holds one the pod no longer has for want of an alias.
 *
 * <p>Only KV cache group 0 (or no group) is indexed: hybrid models' other groups (sliding window) repeat the same
 * hashes with a shorter life and are counted and ignored. Not thread-safe: one subscriber thread.
 */
final class VllmEventApplier {
    private static final Medium[] MEDIA = Medium.values();

    private final BlockLocationIndex index;
    private final int aliasCapacity;
    private final VllmSubscriberCounters counters;
    private final LogOnce log;
    private final Map<String, PodState> pods = new HashMap<>();

    VllmEventApplier(BlockLocationIndex index, int aliasCapacity, VllmSubscriberCounters counters, LogOnce log) {
        this.index = Objects.requireNonNull(index, "index");
        this.aliasCapacity = aliasCapacity;
        this.counters = counters;
        this.log = log;
    }

    /** Applies {@code batch}, received from {@code pod}, whose blocks are keyed under {@code namespace}. */
    void apply(String pod, Namespace namespace, VllmEventBatch batch) {
        PodState state = pods.computeIfAbsent(pod, p -> new PodState(p, new PodAliases(aliasCapacity)));
        for (VllmEvent event : batch.events()) {
            counters.events.increment();
            if (event instanceof VllmEvent.BlockStored e) {
                stored(state, namespace, e);
            } else if (event instanceof VllmEvent.BlockRemoved e) {
                removed(state, e);
            } else if (event instanceof VllmEvent.AllBlocksCleared) {
                counters.allBlocksCleared.increment();
                clear(state);
            } else if (event instanceof VllmEvent.Rejected e) {
                counters.rejectedEvents.increment();
                log.warn("rejected:" + e.reason() + ":" + pod, "a vLLM event from " + pod + " is skipped, the rest of"
                    + " its batch applies: " + e.message());
            } else {
                counters.unknownEvents.increment();
                log.warn("tag:" + event.tag(), "vLLM event tag '" + event.tag() + "' from " + pod
                    + " is unknown; such events are skipped");
            }
        }
    }

    /** Drops every location and alias of {@code pod} (a gap nothing could fill, a restart, a removed pod). */
    void clearPod(String pod) {
        PodState state = pods.get(pod);
        if (state != null) {
            clear(state);
        }
    }

    /** Forgets {@code pod} entirely after clearing it. */
    void removePod(String pod) {
        clearPod(pod);
        pods.remove(pod);
    }

    /** Aliases held for {@code pod} (0 for a pod never seen). */
    int aliasCount(String pod) {
        PodState state = pods.get(pod);
        return state == null ? 0 : state.aliases.size();
    }

    private void stored(PodState state, Namespace ns, VllmEvent.BlockStored e) {
        int residency = accepted(state, e.groupIdx(), e.medium(), e.locality(), e.ownership());
        if (residency < 0) {
            return;
        }
        List<EngineBlockHash> hashes = e.blockHashes();
        if (e.tokenCount() == 0) {
            for (EngineBlockHash h : hashes) {
                int slot = state.aliases.find(h.alias64());
                if (slot < 0) {
                    counters.unknownAliases.increment();
                    continue;
                }
                announce(state, slot, residency);
            }
            return;
        }
        int blockSize = e.blockSize();
        if (blockSize != ns.blockSizeTokens()) {
            counters.blockSizeMismatches.increment();
            log.warn("blocksize:" + ns.modelId() + ":" + blockSize, "vLLM events of " + ns.modelId() + " from "
                + state.pod + " have block_size " + blockSize + " but its namespace has "
                + ns.blockSizeTokens() + "; they are skipped");
            return;
        }
        int n = hashes.size();
        if ((long) n * blockSize != e.tokenCount()) {
            counters.malformedEvents.increment();
            log.warn("tokens:" + state.pod, "a BlockStored from " + state.pod + " has " + e.tokenCount()
                + " token ids for " + n + " blocks of " + blockSize + "; such events are skipped");
            return;
        }
        BlockKey parent;
        boolean requestStart = e.parentBlockHash() == null;
        int slot = requestStart ? -1 : state.aliases.find(e.parentBlockHash().alias64());
        if (slot < 0 && isEmptyBlockHash(e.parentBlockHash())) {
            requestStart = true; // llm-d's array-form events (its simulator's default) send 0 for "no parent"
        }
        if (requestStart) {
            parent = ns.id();
        } else {
            if (slot < 0) {
                counters.unknownParents.increment();
                counters.skippedBlocks.add(n);
                return;
            }
            state.aliases.touch(slot);
            parent = new BlockKey(state.aliases.hi(slot), state.aliases.lo(slot));
        }
        String lora = e.loraName() == null || e.loraName().isEmpty() ? null : e.loraName();
        if (lora == null && e.loraId() != null) {
            unmappable(state, n, "lora_id " + e.loraId() + " without a lora_name");
            return;
        }
        RequestExtras loraOnly = lora == null ? RequestExtras.NONE : RequestExtras.builder().lora(lora).build();
        int[] tokens = e.tokenIds();
        List<List<VllmExtraKey>> extraKeys = e.extraKeys();
        for (int i = 0; i < n; i++) {
            boolean firstOfRequest = requestStart && i == 0;
            ExtraKeys extras = extras(extraKeys == null ? null : extraKeys.get(i), lora, loraOnly, firstOfRequest,
                blockSize);
            if (extras == null) {
                unmappable(state, n - i, "extra keys " + extraKeys.get(i));
                return;
            }
            BlockKey key = BlockKeys.next(parent, tokens, i * blockSize, blockSize, extras);
            remember(state, hashes.get(i).alias64(), key, residency);
            parent = key;
        }
    }

    /**
     * The Spillway extra keys of one block, or {@code null} when vLLM's items cannot be expressed exactly. vLLM's
     * tuple is (LoRA name, multimodal items..., cache salt on a request's first block, prompt-embedding hashes...).
     */
    private static ExtraKeys extras(List<VllmExtraKey> items, String lora, RequestExtras loraOnly,
                                    boolean firstOfRequest, int blockSize) {
        String salt = null;
        if (items != null) {
            boolean loraSeen = false;
            for (VllmExtraKey item : items) {
                if (!(item instanceof VllmExtraKey.Text text)) {
                    return null;
                }
                if (lora != null && !loraSeen && text.value().equals(lora)) {
                    loraSeen = true;
                } else if (firstOfRequest && salt == null) {
                    salt = text.value();
                } else {
                    return null;
                }
            }
        }
        // Block 0 carries the salt; any later index gives the LoRA entry alone (docs/block-keys.md, "Extra keys").
        if (salt == null || salt.isEmpty()) {
            return loraOnly.forBlock(firstOfRequest ? 0 : 1, blockSize);
        }
        return RequestExtras.builder().lora(lora).cacheSalt(salt).build().forBlock(0, blockSize);
    }

    private void unmappable(PodState state, int blocks, String what) {
        counters.unmappableBlocks.add(blocks);
        log.warn("unmappable:" + state.pod, "vLLM blocks from " + state.pod + " carry " + what
            + ", which has no Spillway block-key form; such blocks are skipped");
    }

    /** Records one more announcement of {@code key} at {@code residency}, under the engine hash {@code alias}. */
    private void remember(PodState state, long alias, BlockKey key, int residency) {
        PodAliases aliases = state.aliases;
        int slot = aliases.find(alias);
        if (slot >= 0 && (aliases.hi(slot) != key.hi() || aliases.lo(slot) != key.lo())) {
            retract(state, slot);
            aliases.set(slot, key.hi(), key.lo(), 0);
        } else if (slot < 0) {
            if (aliases.isFull()) {
                int lru = aliases.lru();
                retract(state, lru);
                aliases.remove(lru);
                counters.aliasEvictions.increment();
                log.warn("aliases:" + state.pod, "pod " + state.pod + " holds more than " + aliases.capacity()
                    + " aliased blocks; the least recently used leave the index (raise the alias capacity)");
            }
            slot = aliases.insert(alias, key.hi(), key.lo(), 0);
        }
        announce(state, slot, residency);
    }

    /** Counts one more announcement of the alias in {@code slot} at {@code residency} and indexes its medium. */
    private void announce(PodState state, int slot, int residency) {
        PodAliases aliases = state.aliases;
        long before = aliases.counts(slot);
        long after = Residencies.increment(before, residency);
        if (after == before) {
            counters.saturatedCounts.increment();
        }
        aliases.setCounts(slot, after);
        aliases.touch(slot);
        index.add(aliases.hi(slot), aliases.lo(slot), locationId(state, state.residencies.medium(residency)));
        counters.blocksStored.increment();
    }

    /** Takes the key of {@code slot} out of the index at every medium the pod holds it in. */
    private void retract(PodState state, int slot) {
        int held = state.residencies.heldMedia(state.aliases.counts(slot));
        for (Medium m : MEDIA) {
            if ((held & (1 << m.ordinal())) != 0) {
                index.remove(state.aliases.hi(slot), state.aliases.lo(slot), locationId(state, m));
            }
        }
    }

    private void removed(PodState state, VllmEvent.BlockRemoved e) {
        int residency = accepted(state, e.groupIdx(), e.medium(), e.locality(), e.ownership());
        if (residency < 0) {
            return;
        }
        Medium medium = state.residencies.medium(residency);
        int bit = 1 << medium.ordinal();
        PodAliases aliases = state.aliases;
        for (EngineBlockHash h : e.blockHashes()) {
            int slot = aliases.find(h.alias64());
            if (slot < 0) {
                counters.unknownAliases.increment();
                continue;
            }
            long before = aliases.counts(slot);
            if (Residencies.count(before, residency) == 0) {
                counters.unmatchedRemovals.increment();
                continue;
            }
            long after = Residencies.decrement(before, residency);
            if ((state.residencies.heldMedia(after) & bit) == 0) {
                if (index.remove(aliases.hi(slot), aliases.lo(slot), locationId(state, medium))) {
                    counters.blocksRemoved.increment();
                }
            }
            if (after == 0) {
                aliases.remove(slot);
            } else {
                aliases.setCounts(slot, after);
            }
        }
    }

    /**
     * The event's residency, or -1 (counted) when it is not indexed: a group other than 0, a medium not known, a
     * locality other than the pod's own, or a pod with {@link Residencies#MAX} residencies already.
     */
    private int accepted(PodState state, Integer groupIdx, String medium, String locality, String ownership) {
        if (groupIdx != null && groupIdx != 0) {
            counters.otherGroupEvents.increment();
            return -1;
        }
        if (locality != null && !locality.equalsIgnoreCase(VllmWire.LOCALITY_LOCAL)) {
            if (locality.equalsIgnoreCase(VllmWire.LOCALITY_REMOTE)) {
                counters.remoteEvents.increment();
            } else {
                counters.unknownLocalityEvents.increment();
                log.warn("locality:" + locality, "vLLM locality '" + locality + "' from " + state.pod
                    + " is neither LOCAL nor REMOTE; such events are skipped");
            }
            return -1;
        }
        Medium m;
        try {
            m = Medium.fromVllm(medium);
        } catch (IllegalArgumentException e) {
            counters.unknownMediumEvents.increment();
            log.warn("medium:" + medium, "vLLM medium '" + medium + "' from " + state.pod
                + " is none of GPU, CPU, STORAGE; such events are skipped");
            return -1;
        }
        int residency = state.residencies.of(m, ownership);
        if (residency < 0) {
            counters.ownershipOverflowEvents.increment();
            log.warn("owners:" + state.pod, "pod " + state.pod + " announces more than " + Residencies.MAX
                + " media and owning tiers; events of the others are skipped");
        }
        return residency;
    }

    private void clear(PodState state) {
        for (Medium m : MEDIA) {
            if (state.locations[m.ordinal()] != 0) {
                state.locations[m.ordinal()] = index.clear(Location.pod(state.pod, m));
            }
        }
        state.aliases.clear();
        counters.podClears.increment();
    }

    /** The pod's current location id for {@code medium}, interned on first use and after someone else cleared it. */
    private int locationId(PodState state, Medium medium) {
        int id = state.locations[medium.ordinal()];
        if (id == 0 || !index.locations().isLive(id)) {
            id = index.location(Location.pod(state.pod, medium));
            state.locations[medium.ordinal()] = id;
        }
        return id;
    }

    private static final class PodState {
        final String pod;
        final PodAliases aliases;
        final Residencies residencies = new Residencies();
        final int[] locations = new int[MEDIA.length];

        PodState(String pod, PodAliases aliases) {
            this.pod = pod;
            this.aliases = aliases;
        }
    }

    /**
     * llm-d's {@code EmptyBlockHash}: the int 0 that llm-d's publishers (its simulator, in vLLM's array form) send as
     * the parent of a request's first block, where vLLM sends nil. Read as "no parent" only when no block of the pod
     * has the hash 0 (a real 64-bit hash of 0 is a 2^-64 chance; the index is a routing hint, never served data).
     */
    private static boolean isEmptyBlockHash(EngineBlockHash h) {
        return h != null && !h.isBytes() && h.longValue() == 0L;
    }
}
