package io.spillway.server;

import io.spillway.key.BlockKey;
import io.spillway.protocol.ErrorCode;
import io.spillway.tier.BlockHandle;
import io.spillway.tier.BlockTier;
import io.spillway.tier.BlockWriter;
import io.spillway.tier.TierKind;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * The node's tiers from fastest to slowest: puts go to the CPU tier (its evictions demote to NVMe on their own,
 * and a full CPU tier answers {@code BACK_PRESSURE} to the client) unless a tier already holds the key (first value
 * wins across tiers); gets try CPU, then NVMe, and an NVMe hit is
 * copied up into CPU when promotion is on.
 *
 * <p>{@link #getFast} never touches NVMe and may run on an event loop; {@link #getSlow} and {@link #lookupPrefix}
 * may block on disk and run on the tier executor.
 */
public final class TierChain implements AutoCloseable {
    /** Copies a block read from a slower tier into the CPU tier, counting a promotion. */
    @FunctionalInterface
    public interface Promoter {
        ErrorCode promote(BlockKey namespace, BlockKey key, ByteBuffer src, int crc32c);
    }

    /** One tier with its fixed capacity, as shown in stats and metrics. */
    public record Stage(BlockTier tier, long capacityBytes) {
    }

    private final Stage cpu;
    private final Stage nvme;
    private final Promoter promoter;
    private final boolean promoteOnHit;
    private final List<Stage> stages = new ArrayList<>(2);

    /**
     * @param nvme the slower tier, or {@code null} for a CPU-only node
     * @param promoter how NVMe hits are copied up; {@code null} uses {@code cpu.put} and counts the promotion
     */
    public TierChain(Stage cpu, Stage nvme, Promoter promoter, boolean promoteOnHit) {
        this.cpu = cpu;
        this.nvme = nvme;
        this.promoteOnHit = promoteOnHit;
        this.promoter = promoter != null ? promoter : (ns, key, src, crc) -> {
            ErrorCode code = cpu.tier().put(ns, key, src, crc);
            if (code == ErrorCode.OK) {
                cpu.tier().counters().promotions.increment();
            }
            return code;
        };
        stages.add(cpu);
        if (nvme != null) {
            stages.add(nvme);
        }
    }

    public List<Stage> stages() {
        return stages;
    }

    public BlockTier cpu() {
        return cpu.tier();
    }

    /**
     * Stores into the CPU tier unless some tier already holds the key (see {@link #heldOnlyBelowCpu});
     * {@code BACK_PRESSURE} when it cannot take the bytes now.
     */
    public ErrorCode put(BlockKey namespace, BlockKey key, ByteBuffer src, int crc32c) {
        return heldOnlyBelowCpu(key) ? ErrorCode.OK : cpu.tier().put(namespace, key, src, crc32c);
    }

    /**
     * Reserves a block in the CPU tier, to be written in place and committed (see {@link BlockWriter}); a refusal
     * ({@code BACK_PRESSURE} when it cannot take the bytes now) is the writer's status. A key some tier already
     * holds gets the {@linkplain BlockWriter#present() present} writer: the first value wins across tiers.
     */
    public BlockWriter reserve(BlockKey namespace, BlockKey key, int length) {
        return heldOnlyBelowCpu(key) ? BlockWriter.present() : cpu.tier().reserve(namespace, key, length);
    }

    /**
     * Whether a put of {@code key} must be turned away because the NVMe tier holds it and the CPU tier does not (a
     * CPU-tier duplicate is the CPU tier's own answer). Without this, a key demoted to NVMe only would take a second
     * value in the CPU tier and reads would flip between the two (docs/cluster.md, "The immutability guarantee").
     * CPU is asked first: a block being demoted sits in the CPU tier's demotion queue until NVMe holds it, so a key
     * is never missed by both checks while it moves down. Both are in-memory lookups (the NVMe tier's index), no
     * disk read. Counted in the NVMe tier's {@code duplicates}.
     */
    private boolean heldOnlyBelowCpu(BlockKey key) {
        if (nvme == null || cpu.tier().contains(key) || !nvme.tier().contains(key)) {
            return false;
        }
        nvme.tier().counters().duplicates.increment();
        return true;
    }

    /** The CPU tier only: never blocks on disk. */
    public BlockHandle getFast(BlockKey namespace, BlockKey key) {
        return cpu.tier().get(namespace, key);
    }

    /** Whether a CPU miss is worth a trip to a slower tier. */
    public boolean hasSlowTier() {
        return nvme != null;
    }

    /** The NVMe tier, promoting a hit into CPU when promotion is on; may block on disk. */
    public BlockHandle getSlow(BlockKey namespace, BlockKey key) {
        if (nvme == null) {
            return null;
        }
        BlockHandle h = nvme.tier().get(namespace, key);
        if (h != null && promoteOnHit) {
            promoter.promote(namespace, key, h.data(), h.crc32c());
        }
        return h;
    }

    /** CPU, then NVMe; may block on disk. */
    public BlockHandle get(BlockKey namespace, BlockKey key) {
        BlockHandle h = getFast(namespace, key);
        return h != null ? h : getSlow(namespace, key);
    }

    /**
     * The longest run of leading {@code keys} present in some tier, and per tier its own longest run and how
     * many blocks of that prefix it serves (the fastest tier holding each). May block on disk.
     */
    public TierPrefixMatch lookupPrefix(BlockKey[] keys) {
        int n = stages.size();
        int[] runs = new int[n];
        int[] serves = new int[n];
        boolean[] running = new boolean[n];
        Arrays.fill(running, true);
        int prefix = 0;
        for (BlockKey key : keys) {
            int fastest = -1;
            for (int t = 0; t < n; t++) {
                boolean has = stages.get(t).tier().contains(key);
                if (has && fastest < 0) {
                    fastest = t;
                }
                if (running[t] && has) {
                    runs[t]++;
                } else {
                    running[t] = false;
                }
            }
            if (fastest < 0) {
                break;
            }
            serves[fastest]++;
            prefix++;
        }
        TierKind[] kinds = new TierKind[n];
        for (int t = 0; t < n; t++) {
            kinds[t] = stages.get(t).tier().kind();
        }
        return new TierPrefixMatch(prefix, kinds, runs, serves);
    }

    /** Closes CPU first (its pending demotions land in NVMe), then NVMe (which flushes). */
    @Override
    public void close() {
        RuntimeException failure = null;
        for (Stage s : stages) {
            try {
                s.tier().close();
            } catch (RuntimeException e) {
                if (failure == null) {
                    failure = e;
                } else {
                    failure.addSuppressed(e);
                }
            }
        }
        if (failure != null) {
            throw failure;
        }
    }
}
