package io.spillway.tier.cpu;

import io.spillway.config.PropertyReader;
import io.spillway.key.BlockKey;
import io.spillway.tier.BlockTier;
import io.spillway.tier.TierListener;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;
import org.agrona.ErrorHandler;
import org.agrona.concurrent.BackoffIdleStrategy;
import org.agrona.concurrent.IdleStrategy;
import org.agrona.concurrent.SleepingIdleStrategy;
import org.agrona.concurrent.YieldingIdleStrategy;

/**
 * The CPU tier's settings. Every setting has a property name ({@code spillway.cpu.*}) and a default; setters reject
 * bad values at once and {@link Builder#build()} rejects bad combinations, each with a message naming the values.
 *
 * <pre>{@code
 * CpuTier tier = CpuTier.open(CpuTierContext.fromProperties(System.getProperties()).nextTier(nvme).build());
 * }</pre>
 */
public final class CpuTierContext {
    /** Hard cap on off-heap bytes, blocks in demotion and pinned blocks included. Sizes accept k, m, g, t. */
    public static final String CAPACITY_BYTES_PROP = "spillway.cpu.capacityBytes";
    public static final long CAPACITY_BYTES_DEFAULT = 1L << 30;
    /** Largest block the tier takes; larger puts answer BLOCK_TOO_LARGE. */
    public static final String MAX_BLOCK_BYTES_PROP = "spillway.cpu.maxBlockBytes";
    public static final int MAX_BLOCK_BYTES_DEFAULT = 8 << 20;
    /** Share of the cap kept out of the index for blocks waiting for demotion (at least maxBlockBytes). */
    public static final String DEMOTION_HEADROOM_FRACTION_PROP = "spillway.cpu.demotionHeadroomFraction";
    public static final double DEMOTION_HEADROOM_FRACTION_DEFAULT = 0.1;
    /** Order of eviction from the index: {@code lru} or {@code w-tinylfu} ({@link CpuEvictionPolicy}). */
    public static final String EVICTION_POLICY_PROP = "spillway.cpu.evictionPolicy";
    public static final CpuEvictionPolicy EVICTION_POLICY_DEFAULT = CpuEvictionPolicy.LRU;
    /** Blocks waiting for demotion beyond which puts answer BACK_PRESSURE. */
    public static final String DEMOTION_QUEUE_BLOCKS_PROP = "spillway.cpu.demotionQueueBlocks";
    public static final int DEMOTION_QUEUE_BLOCKS_DEFAULT = 256;
    /** Blocks the demotion agent hands down per duty cycle at most. */
    public static final String DEMOTION_BATCH_BLOCKS_PROP = "spillway.cpu.demotionBatchBlocks";
    public static final int DEMOTION_BATCH_BLOCKS_DEFAULT = 16;
    /** {@code DEDICATED} (own thread) or {@code INVOKER} (owner calls the agent). */
    public static final String THREADING_MODE_PROP = "spillway.cpu.threadingMode";
    public static final ThreadingMode THREADING_MODE_DEFAULT = ThreadingMode.DEDICATED;
    /**
     * Idle strategy of the dedicated demotion thread, one of Agrona's: {@code backoff} ({@link BackoffIdleStrategy},
     * {@value #IDLE_BACKOFF_SPINS} spins, {@value #IDLE_BACKOFF_YIELDS} yields, then parks doubling from
     * {@value #IDLE_BACKOFF_MIN_PARK_NANOS} ns up to the longest park), {@code sleeping} ({@link SleepingIdleStrategy},
     * parks for the longest park) or {@code yielding} ({@link YieldingIdleStrategy}).
     */
    public static final String IDLE_STRATEGY_PROP = "spillway.cpu.idleStrategy";
    public static final String IDLE_STRATEGY_DEFAULT = "backoff";
    /** Longest park of the idle strategy, in microseconds. */
    public static final String IDLE_MAX_PARK_MICROS_PROP = "spillway.cpu.idleMaxParkMicros";
    public static final long IDLE_MAX_PARK_MICROS_DEFAULT = 1000;
    /** Spins of the {@code backoff} idle strategy before it yields. */
    public static final int IDLE_BACKOFF_SPINS = 10;
    /** Yields of the {@code backoff} idle strategy before it parks. */
    public static final int IDLE_BACKOFF_YIELDS = 5;
    /** First park of the {@code backoff} idle strategy, in nanoseconds; the shortest longest park (1 µs). */
    public static final long IDLE_BACKOFF_MIN_PARK_NANOS = 1_000;
    /** Direct arenas of the tier's own pooled allocator. */
    public static final String ARENAS_PROP = "spillway.cpu.arenas";
    public static final int ARENAS_DEFAULT = Math.max(1, Runtime.getRuntime().availableProcessors());
    /** Pool chunk size, a power of two from 8 KiB to 128 MiB; larger blocks are allocated unpooled. */
    public static final String CHUNK_BYTES_PROP = "spillway.cpu.chunkBytes";
    public static final int CHUNK_BYTES_DEFAULT = 4 << 20;
    /** Whether close() first demotes every block to the next tier. */
    public static final String FLUSH_ON_CLOSE_PROP = "spillway.cpu.flushOnClose";
    public static final boolean FLUSH_ON_CLOSE_DEFAULT = false;
    /**
     * Whether every hit is checked against the block's CRC32C before it is served; a block that fails is dropped and
     * counted ({@code corrupt}) and the read misses. On by default: the only way a flipped byte is never served
     * (a background scrub only bounds how long it is); it costs one CRC32C pass per hit, measured in
     * docs/reliability.md, "Integrity and immutability".
     */
    public static final String VERIFY_ON_READ_PROP = "spillway.cpu.verifyOnRead";
    public static final boolean VERIFY_ON_READ_DEFAULT = true;
    /** How long close() may spend flushing and stopping the agent, in milliseconds. */
    public static final String CLOSE_TIMEOUT_MS_PROP = "spillway.cpu.closeTimeoutMs";
    public static final long CLOSE_TIMEOUT_MS_DEFAULT = 5000;

    /**
     * Properties renamed, old name to new: an old name is still read, with a warning. {@code closeTimeoutMillis}
     * became {@code closeTimeoutMs} when every duration setting took the {@code Ms} suffix.
     */
    public static final Map<String, String> RENAMED_PROPERTIES =
        Map.of("spillway.cpu.closeTimeoutMillis", CLOSE_TIMEOUT_MS_PROP);

    private static final int MIN_CHUNK_BYTES = OffHeapPool.PAGE_SIZE;
    private static final int MAX_CHUNK_BYTES = OffHeapPool.PAGE_SIZE << 14;

    private final long capacityBytes;
    private final int maxBlockBytes;
    private final double demotionHeadroomFraction;
    private final CpuEvictionPolicy evictionPolicy;
    private final int demotionQueueBlocks;
    private final int demotionBatchBlocks;
    private final ThreadingMode threadingMode;
    private final IdleStrategy idleStrategy;
    private final int arenas;
    private final int chunkBytes;
    private final boolean flushOnClose;
    private final boolean verifyOnRead;
    private final long closeTimeoutMs;
    private final BlockTier nextTier;
    private final ErrorHandler errorHandler;
    private final Function<BlockKey, String> groupOf;
    private final TierListener listener;

    private CpuTierContext(Builder b) {
        capacityBytes = b.capacityBytes;
        maxBlockBytes = b.maxBlockBytes;
        demotionHeadroomFraction = b.demotionHeadroomFraction;
        evictionPolicy = b.evictionPolicy;
        demotionQueueBlocks = b.demotionQueueBlocks;
        demotionBatchBlocks = b.demotionBatchBlocks;
        threadingMode = b.threadingMode;
        idleStrategy = b.idleStrategy != null ? b.idleStrategy
            : idleStrategy(b.idleStrategyName, b.idleMaxParkMicros);
        arenas = b.arenas;
        chunkBytes = b.chunkBytes;
        flushOnClose = b.flushOnClose;
        verifyOnRead = b.verifyOnRead;
        closeTimeoutMs = b.closeTimeoutMs;
        nextTier = b.nextTier;
        errorHandler = b.errorHandler;
        groupOf = b.groupOf;
        listener = b.listener;
    }

    public static Builder builder() {
        return new Builder();
    }

    /**
     * A builder holding the defaults overridden by every {@code spillway.cpu.*} property present in {@code props}
     * (a {@link #RENAMED_PROPERTIES renamed} one also under its old name, with a warning).
     *
     * @throws IllegalArgumentException naming the property and its bad value
     */
    public static Builder fromProperties(Properties props) {
        Builder b = new Builder();
        PropertyReader r = PropertyReader.of(props).withRenamed(RENAMED_PROPERTIES);
        r.size(CAPACITY_BYTES_PROP).ifPresent(b::capacityBytes);
        r.intSize(MAX_BLOCK_BYTES_PROP).ifPresent(b::maxBlockBytes);
        r.doubleValue(DEMOTION_HEADROOM_FRACTION_PROP).ifPresent(b::demotionHeadroomFraction);
        r.string(EVICTION_POLICY_PROP).ifPresent(v -> b.evictionPolicy(evictionPolicy(v)));
        r.intValue(DEMOTION_QUEUE_BLOCKS_PROP).ifPresent(b::demotionQueueBlocks);
        r.intValue(DEMOTION_BATCH_BLOCKS_PROP).ifPresent(b::demotionBatchBlocks);
        r.enumValue(THREADING_MODE_PROP, ThreadingMode.class).ifPresent(b::threadingMode);
        r.longValue(IDLE_MAX_PARK_MICROS_PROP).ifPresent(b::idleMaxParkMicros);
        r.string(IDLE_STRATEGY_PROP).ifPresent(name -> b.idleStrategy(name));
        r.intValue(ARENAS_PROP).ifPresent(b::arenas);
        r.intSize(CHUNK_BYTES_PROP).ifPresent(b::chunkBytes);
        r.bool(FLUSH_ON_CLOSE_PROP).ifPresent(b::flushOnClose);
        r.bool(VERIFY_ON_READ_PROP).ifPresent(b::verifyOnRead);
        r.longValue(CLOSE_TIMEOUT_MS_PROP).ifPresent(b::closeTimeoutMs);
        return b;
    }

    /**
     * The Agrona idle strategy a property value names, parking at most {@code maxParkMicros}.
     *
     * @throws IllegalArgumentException naming the unknown value
     */
    private static IdleStrategy idleStrategy(String name, long maxParkMicros) {
        long maxParkNanos = TimeUnit.MICROSECONDS.toNanos(maxParkMicros);
        switch (name) {
            case "backoff":
                return new BackoffIdleStrategy(IDLE_BACKOFF_SPINS, IDLE_BACKOFF_YIELDS, IDLE_BACKOFF_MIN_PARK_NANOS,
                    maxParkNanos);
            case "sleeping":
                return new SleepingIdleStrategy(maxParkNanos);
            case "yielding":
                return new YieldingIdleStrategy();
            default:
                throw new IllegalArgumentException(
                    "idle strategy must be one of backoff, sleeping, yielding, got '" + name + "'");
        }
    }

    /** The policy a property value names, or an exception naming the property and the value. */
    private static CpuEvictionPolicy evictionPolicy(String value) {
        try {
            return CpuEvictionPolicy.fromName(value);
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException(EVICTION_POLICY_PROP + " " + e.getMessage(), e);
        }
    }

    public long capacityBytes() {
        return capacityBytes;
    }

    public int maxBlockBytes() {
        return maxBlockBytes;
    }

    public double demotionHeadroomFraction() {
        return demotionHeadroomFraction;
    }

    /** Bytes of the cap kept out of the index: the larger of capacity × fraction and maxBlockBytes. */
    public long demotionHeadroomBytes() {
        return headroomBytes(capacityBytes, demotionHeadroomFraction, maxBlockBytes);
    }

    /** The index's maximum weight in bytes: the cap less the demotion headroom. */
    public long maxIndexBytes() {
        return capacityBytes - demotionHeadroomBytes();
    }

    /** The order in which the index evicts blocks. */
    public CpuEvictionPolicy evictionPolicy() {
        return evictionPolicy;
    }

    public int demotionQueueBlocks() {
        return demotionQueueBlocks;
    }

    public int demotionBatchBlocks() {
        return demotionBatchBlocks;
    }

    public ThreadingMode threadingMode() {
        return threadingMode;
    }

    /** The demotion thread's Agrona idle strategy; {@code CpuTier.close()} reuses it to wait while it flushes. */
    public IdleStrategy idleStrategy() {
        return idleStrategy;
    }

    public int arenas() {
        return arenas;
    }

    public int chunkBytes() {
        return chunkBytes;
    }

    public boolean flushOnClose() {
        return flushOnClose;
    }

    public long closeTimeoutMs() {
        return closeTimeoutMs;
    }

    /** Whether hits are checked against their CRC32C before they are served ({@value #VERIFY_ON_READ_PROP}). */
    public boolean verifyOnRead() {
        return verifyOnRead;
    }

    /** The tier evicted blocks are demoted to, or {@code null}: evicted blocks are then dropped. */
    public BlockTier nextTier() {
        return nextTier;
    }

    /** Receives the demotion agent's and the next tier's errors (Agrona's {@link ErrorHandler}). */
    public ErrorHandler errorHandler() {
        return errorHandler;
    }

    /** A namespace's group for {@link CpuTier#setGroupLimit} (a tenant, to the server), or {@code null}: no groups. */
    public Function<BlockKey, String> groupOf() {
        return groupOf;
    }

    /** Told after each change of the keys the tier holds (docs/events.md); {@link TierListener#NONE} by default. */
    public TierListener listener() {
        return listener;
    }

    @Override
    public String toString() {
        return "CpuTierContext{capacityBytes=" + capacityBytes + ", maxBlockBytes=" + maxBlockBytes
            + ", demotionHeadroomBytes=" + demotionHeadroomBytes() + ", evictionPolicy="
            + evictionPolicy.propertyValue() + ", demotionQueueBlocks=" + demotionQueueBlocks
            + ", demotionBatchBlocks=" + demotionBatchBlocks + ", threadingMode=" + threadingMode
            + ", idleStrategy=" + idleStrategy + ", arenas=" + arenas + ", chunkBytes=" + chunkBytes
            + ", flushOnClose=" + flushOnClose + ", verifyOnRead=" + verifyOnRead + ", closeTimeoutMs=" + closeTimeoutMs
            + ", nextTier=" + (nextTier == null ? "none" : nextTier.kind()) + "}";
    }

    private static long headroomBytes(long capacityBytes, double fraction, int maxBlockBytes) {
        return Math.max((long) Math.ceil(capacityBytes * fraction), maxBlockBytes);
    }

    /** Collects settings; each setter validates its value at once. */
    public static final class Builder {
        private long capacityBytes = CAPACITY_BYTES_DEFAULT;
        private int maxBlockBytes = MAX_BLOCK_BYTES_DEFAULT;
        private double demotionHeadroomFraction = DEMOTION_HEADROOM_FRACTION_DEFAULT;
        private CpuEvictionPolicy evictionPolicy = EVICTION_POLICY_DEFAULT;
        private int demotionQueueBlocks = DEMOTION_QUEUE_BLOCKS_DEFAULT;
        private int demotionBatchBlocks = DEMOTION_BATCH_BLOCKS_DEFAULT;
        private ThreadingMode threadingMode = THREADING_MODE_DEFAULT;
        private String idleStrategyName = IDLE_STRATEGY_DEFAULT;
        private long idleMaxParkMicros = IDLE_MAX_PARK_MICROS_DEFAULT;
        private IdleStrategy idleStrategy;
        private int arenas = ARENAS_DEFAULT;
        private int chunkBytes = CHUNK_BYTES_DEFAULT;
        private boolean flushOnClose = FLUSH_ON_CLOSE_DEFAULT;
        private boolean verifyOnRead = VERIFY_ON_READ_DEFAULT;
        private long closeTimeoutMs = CLOSE_TIMEOUT_MS_DEFAULT;
        private BlockTier nextTier;
        private ErrorHandler errorHandler = CpuTierContext::logError;
        private Function<BlockKey, String> groupOf;
        private TierListener listener = TierListener.NONE;

        private Builder() {
        }

        /** Hard cap on off-heap bytes ({@value #CAPACITY_BYTES_PROP}); must be > 0. */
        public Builder capacityBytes(long v) {
            requirePositive("capacityBytes", CAPACITY_BYTES_PROP, v);
            capacityBytes = v;
            return this;
        }

        /** Largest block accepted ({@value #MAX_BLOCK_BYTES_PROP}); must be > 0 and below the capacity. */
        public Builder maxBlockBytes(int v) {
            requirePositive("maxBlockBytes", MAX_BLOCK_BYTES_PROP, v);
            maxBlockBytes = v;
            return this;
        }

        /** Share of the cap kept for blocks in demotion ({@value #DEMOTION_HEADROOM_FRACTION_PROP}), in [0, 1). */
        public Builder demotionHeadroomFraction(double v) {
            if (!(v >= 0 && v < 1)) {
                throw new IllegalArgumentException("demotionHeadroomFraction (" + DEMOTION_HEADROOM_FRACTION_PROP
                    + ") must be in [0, 1), got " + v);
            }
            demotionHeadroomFraction = v;
            return this;
        }

        /** Order of eviction from the index ({@value #EVICTION_POLICY_PROP}); {@code LRU} by default. */
        public Builder evictionPolicy(CpuEvictionPolicy v) {
            evictionPolicy = requireNonNull("evictionPolicy", EVICTION_POLICY_PROP, v);
            return this;
        }

        /** Pending demotions at which puts answer BACK_PRESSURE ({@value #DEMOTION_QUEUE_BLOCKS_PROP}); > 0. */
        public Builder demotionQueueBlocks(int v) {
            requirePositive("demotionQueueBlocks", DEMOTION_QUEUE_BLOCKS_PROP, v);
            demotionQueueBlocks = v;
            return this;
        }

        /** Blocks demoted per duty cycle at most ({@value #DEMOTION_BATCH_BLOCKS_PROP}); > 0. */
        public Builder demotionBatchBlocks(int v) {
            requirePositive("demotionBatchBlocks", DEMOTION_BATCH_BLOCKS_PROP, v);
            demotionBatchBlocks = v;
            return this;
        }

        /** Who runs the demotion agent ({@value #THREADING_MODE_PROP}). */
        public Builder threadingMode(ThreadingMode v) {
            threadingMode = requireNonNull("threadingMode", THREADING_MODE_PROP, v);
            return this;
        }

        /** Idle strategy by name ({@value #IDLE_STRATEGY_PROP}): backoff, sleeping or yielding. */
        public Builder idleStrategy(String name) {
            try {
                CpuTierContext.idleStrategy(
                    requireNonNull("idleStrategy", IDLE_STRATEGY_PROP, name), idleMaxParkMicros);
            } catch (IllegalArgumentException e) {
                throw new IllegalArgumentException(IDLE_STRATEGY_PROP + ": " + e.getMessage(), e);
            }
            idleStrategyName = name;
            idleStrategy = null;
            return this;
        }

        /** An Agrona idle strategy instance, for tests or custom strategies; overrides the name. */
        public Builder idleStrategy(IdleStrategy v) {
            idleStrategy = requireNonNull("idleStrategy", IDLE_STRATEGY_PROP, v);
            return this;
        }

        /** Longest park of the named idle strategy ({@value #IDLE_MAX_PARK_MICROS_PROP}); >= 1. */
        public Builder idleMaxParkMicros(long v) {
            requirePositive("idleMaxParkMicros", IDLE_MAX_PARK_MICROS_PROP, v);
            idleMaxParkMicros = v;
            return this;
        }

        /** Direct arenas of the tier's allocator ({@value #ARENAS_PROP}); > 0. */
        public Builder arenas(int v) {
            requirePositive("arenas", ARENAS_PROP, v);
            arenas = v;
            return this;
        }

        /** Pool chunk size ({@value #CHUNK_BYTES_PROP}): a power of two from 8 KiB to 128 MiB. */
        public Builder chunkBytes(int v) {
            if (v < MIN_CHUNK_BYTES || v > MAX_CHUNK_BYTES || Integer.bitCount(v) != 1) {
                throw new IllegalArgumentException("chunkBytes (" + CHUNK_BYTES_PROP + ") must be a power of two in ["
                    + MIN_CHUNK_BYTES + ", " + MAX_CHUNK_BYTES + "], got " + v);
            }
            chunkBytes = v;
            return this;
        }

        /** Whether hits are checked against their CRC32C before they are served ({@value #VERIFY_ON_READ_PROP}). */
        public Builder verifyOnRead(boolean v) {
            verifyOnRead = v;
            return this;
        }

        /** Whether close() demotes every block first ({@value #FLUSH_ON_CLOSE_PROP}). */
        public Builder flushOnClose(boolean v) {
            flushOnClose = v;
            return this;
        }

        /** Time close() may spend flushing and stopping the agent ({@value #CLOSE_TIMEOUT_MS_PROP}); >= 0. */
        public Builder closeTimeoutMs(long v) {
            if (v < 0) {
                throw new IllegalArgumentException(
                    "closeTimeoutMs (" + CLOSE_TIMEOUT_MS_PROP + ") must be >= 0, got " + v);
            }
            closeTimeoutMs = v;
            return this;
        }

        /** Where evicted blocks go; {@code null} (the default) drops them. The tier does not close it. */
        public Builder nextTier(BlockTier v) {
            nextTier = v;
            return this;
        }

        /**
         * Puts namespaces into groups whose share of the index can be limited ({@link CpuTier#setGroupLimit}): the
         * function answers a namespace id's group, or null for none. It runs on every put and read of a block, so it
         * must be cheap; without it the tier has no groups.
         */
        public Builder groupOf(Function<BlockKey, String> v) {
            groupOf = v;
            return this;
        }

        /** Receives errors of the demotion agent and the next tier; the default logs them. */
        public Builder errorHandler(ErrorHandler v) {
            errorHandler = requireNonNull("errorHandler", "-", v);
            return this;
        }

        /**
         * Told after each change of the keys the tier holds: a block indexed, or one that leaves the tier (removed,
         * or evicted and demoted or dropped). See {@link TierListener} for what a call promises.
         */
        public Builder listener(TierListener v) {
            listener = requireNonNull("listener", "-", v);
            return this;
        }

        /**
         * Checks the combination of settings.
         *
         * @throws IllegalArgumentException naming the values that do not fit together
         */
        public CpuTierContext build() {
            if (maxBlockBytes >= capacityBytes) {
                throw new IllegalArgumentException("maxBlockBytes (" + MAX_BLOCK_BYTES_PROP + ") = " + maxBlockBytes
                    + " must be < capacityBytes (" + CAPACITY_BYTES_PROP + ") = " + capacityBytes);
            }
            long headroom = headroomBytes(capacityBytes, demotionHeadroomFraction, maxBlockBytes);
            if (headroom >= capacityBytes) {
                throw new IllegalArgumentException("demotion headroom " + headroom + " bytes (capacityBytes "
                    + capacityBytes + " x demotionHeadroomFraction " + demotionHeadroomFraction
                    + ", at least maxBlockBytes " + maxBlockBytes + ") leaves no room for the index");
            }
            return new CpuTierContext(this);
        }
    }

    private static void logError(Throwable t) {
        System.getLogger(CpuTier.class.getName()).log(System.Logger.Level.WARNING, "cpu tier error", t);
    }

    private static void requirePositive(String name, String prop, long v) {
        if (v <= 0) {
            throw new IllegalArgumentException(name + " (" + prop + ") must be > 0, got " + v);
        }
    }

    private static <T> T requireNonNull(String name, String prop, T v) {
        if (v == null) {
            throw new IllegalArgumentException(name + " (" + prop + ") must not be null");
        }
        return v;
    }
}
