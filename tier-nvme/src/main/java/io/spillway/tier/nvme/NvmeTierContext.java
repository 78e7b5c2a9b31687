package io.spillway.tier.nvme;

import io.spillway.config.PropertyReader;
import io.spillway.tier.TierListener;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Properties;
import java.util.function.ToLongFunction;

/**
 * Settings of an {@link NvmeTier}. Every setting has a property name and a default; {@link Builder#build()} rejects
 * bad values and combinations with a message that names the setting and the value.
 *
 * <pre>{@code
 * NvmeTierContext ctx = NvmeTierContext.builder()
 *     .directory(Path.of("/mnt/nvme0/spillway"))
 *     .capacityBytes(512L << 30)
 *     .build();
 * }</pre>
 *
 * Size properties accept a plain byte count or a binary suffix: {@code 64k}, {@code 16m}, {@code 512g}, {@code 2t}.
 */
public final class NvmeTierContext {
    /** Data directory (created if missing). No default: must be set. */
    public static final String DIRECTORY_PROP = "spillway.nvme.directory";
    /** Cap on stored bytes (record headers plus stored payloads); least recently used blocks are evicted above it. */
    public static final String CAPACITY_BYTES_PROP = "spillway.nvme.capacityBytes";
    public static final long CAPACITY_BYTES_DEFAULT = 32L << 30;
    /** Largest block accepted; larger puts answer {@code BLOCK_TOO_LARGE}. Matches the server's default limit. */
    public static final String MAX_BLOCK_BYTES_PROP = "spillway.nvme.maxBlockBytes";
    public static final int MAX_BLOCK_BYTES_DEFAULT = 16 << 20;
    /** {@code NONE}, {@code LZ4} or {@code LZ4_SHUFFLE2}. */
    public static final String COMPRESSION_PROP = "spillway.nvme.compression";
    public static final Compression COMPRESSION_DEFAULT = Compression.NONE;
    /**
     * Store payloads in RocksDB blob files (BlobDB) instead of inline in SST files. Off: on this project's
     * machines inline SST values wrote and read 2 MiB blocks faster (docs/tier-nvme.md).
     */
    public static final String BLOB_FILES_PROP = "spillway.nvme.blobFiles";
    public static final boolean BLOB_FILES_DEFAULT = false;
    /**
     * Log block writes to RocksDB's WAL. Off: the tier is a cache, a clean close flushes everything, and a crash
     * loses at most the unflushed memtable — never a block without its meta, as flushes are atomic.
     */
    public static final String WRITE_AHEAD_LOG_PROP = "spillway.nvme.writeAheadLog";
    public static final boolean WRITE_AHEAD_LOG_DEFAULT = false;
    /** Most bytes of idle direct buffers kept for reuse by the read and write paths. */
    public static final String BUFFER_POOL_BYTES_PROP = "spillway.nvme.bufferPoolBytes";
    public static final long BUFFER_POOL_BYTES_DEFAULT = 64L << 20;
    /**
     * Free space the tier's file system must keep: below it the tier refuses writes (degraded, puts answer
     * {@code BACK_PRESSURE}) before RocksDB meets a full disk. The default leaves room to flush both column
     * families' 64 MiB memtables. 0 turns the check off.
     */
    public static final String MIN_FREE_BYTES_PROP = "spillway.nvme.minFreeBytes";
    public static final long MIN_FREE_BYTES_DEFAULT = 160L << 20;
    /**
     * How often the health timer reads the free space and, after a RocksDB background error, tries to reopen the
     * database once there is room: writes resume at most this long after space is freed.
     */
    public static final String HEALTH_CHECK_INTERVAL_MS_PROP = "spillway.nvme.healthCheckIntervalMs";
    public static final long HEALTH_CHECK_INTERVAL_MS_DEFAULT = 500;
    /** The free bytes of a directory's file system, as the JDK's {@code FileStore.getUsableSpace} reports them. */
    public static final ToLongFunction<Path> USABLE_SPACE = NvmeTierContext::usableSpace;

    /** Largest maxBlockBytes: a record (header + block) must fit a direct buffer rounded up to the pool granule. */
    static final int MAX_BLOCK_BYTES_LIMIT = Integer.MAX_VALUE - BlockRecord.HEADER_BYTES - DirectBufferPool.GRANULE;

    private final Path directory;
    private final long capacityBytes;
    private final int maxBlockBytes;
    private final Compression compression;
    private final boolean blobFiles;
    private final boolean writeAheadLog;
    private final long bufferPoolBytes;
    private final TierListener listener;
    private final long minFreeBytes;
    private final long healthCheckIntervalMs;
    private final ToLongFunction<Path> freeSpace;

    private NvmeTierContext(Builder b) {
        minFreeBytes = b.minFreeBytes;
        healthCheckIntervalMs = b.healthCheckIntervalMs;
        freeSpace = b.freeSpace;
        directory = b.directory;
        capacityBytes = b.capacityBytes;
        maxBlockBytes = b.maxBlockBytes;
        compression = b.compression;
        blobFiles = b.blobFiles;
        writeAheadLog = b.writeAheadLog;
        bufferPoolBytes = b.bufferPoolBytes;
        listener = b.listener;
    }

    public static Builder builder() {
        return new Builder();
    }

    /** A validated context from {@code spillway.nvme.*} properties; absent ones take their defaults. */
    public static NvmeTierContext fromProperties(Properties properties) {
        return builder().properties(properties).build();
    }

    public Path directory() {
        return directory;
    }

    public long capacityBytes() {
        return capacityBytes;
    }

    public int maxBlockBytes() {
        return maxBlockBytes;
    }

    public Compression compression() {
        return compression;
    }

    public boolean blobFiles() {
        return blobFiles;
    }

    public boolean writeAheadLog() {
        return writeAheadLog;
    }

    public long bufferPoolBytes() {
        return bufferPoolBytes;
    }

    /** Told after each change of the keys the tier holds (docs/events.md); {@link TierListener#NONE} by default. */
    public TierListener listener() {
        return listener;
    }

    public long minFreeBytes() {
        return minFreeBytes;
    }

    public long healthCheckIntervalMs() {
        return healthCheckIntervalMs;
    }

    /** How the health timer reads the directory's free space; {@link #USABLE_SPACE} unless a test injects one. */
    public ToLongFunction<Path> freeSpace() {
        return freeSpace;
    }

    @Override
    public String toString() {
        return "NvmeTierContext{directory=" + directory + ", capacityBytes=" + capacityBytes + ", maxBlockBytes="
            + maxBlockBytes + ", compression=" + compression + ", blobFiles=" + blobFiles + ", writeAheadLog="
            + writeAheadLog + ", bufferPoolBytes=" + bufferPoolBytes + ", minFreeBytes=" + minFreeBytes
            + ", healthCheckIntervalMs=" + healthCheckIntervalMs + "}";
    }

    private static long usableSpace(Path directory) {
        try {
            return Files.getFileStore(directory).getUsableSpace();
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read the free space of " + directory, e);
        }
    }

    /** Collects settings; setters take any value, {@link #build()} validates them all. */
    public static final class Builder {
        private Path directory;
        private long capacityBytes = CAPACITY_BYTES_DEFAULT;
        private int maxBlockBytes = MAX_BLOCK_BYTES_DEFAULT;
        private Compression compression = COMPRESSION_DEFAULT;
        private boolean blobFiles = BLOB_FILES_DEFAULT;
        private boolean writeAheadLog = WRITE_AHEAD_LOG_DEFAULT;
        private long bufferPoolBytes = BUFFER_POOL_BYTES_DEFAULT;
        private TierListener listener = TierListener.NONE;
        private long minFreeBytes = MIN_FREE_BYTES_DEFAULT;
        private long healthCheckIntervalMs = HEALTH_CHECK_INTERVAL_MS_DEFAULT;
        private ToLongFunction<Path> freeSpace = USABLE_SPACE;

        private Builder() {
        }

        /** {@value #MIN_FREE_BYTES_PROP}, default 160 MiB; 0 turns the free-space check off. */
        public Builder minFreeBytes(long v) {
            minFreeBytes = v;
            return this;
        }

        /** {@value #HEALTH_CHECK_INTERVAL_MS_PROP}, default 500 ms. */
        public Builder healthCheckIntervalMs(long v) {
            healthCheckIntervalMs = v;
            return this;
        }

        /** How free space is read (a test injects a figure it controls); default {@link #USABLE_SPACE}. */
        public Builder freeSpace(ToLongFunction<Path> v) {
            freeSpace = v;
            return this;
        }

        /** {@value #DIRECTORY_PROP}: where RocksDB keeps its files; created on open if missing. */
        public Builder directory(Path v) {
            directory = v;
            return this;
        }

        /** {@value #CAPACITY_BYTES_PROP}, default 32 GiB. */
        public Builder capacityBytes(long v) {
            capacityBytes = v;
            return this;
        }

        /** {@value #MAX_BLOCK_BYTES_PROP}, default 16 MiB. */
        public Builder maxBlockBytes(int v) {
            maxBlockBytes = v;
            return this;
        }

        /** {@value #COMPRESSION_PROP}, default {@code NONE}. */
        public Builder compression(Compression v) {
            compression = v;
            return this;
        }

        /** {@value #BLOB_FILES_PROP}, default {@code false}. */
        public Builder blobFiles(boolean v) {
            blobFiles = v;
            return this;
        }

        /** {@value #WRITE_AHEAD_LOG_PROP}, default {@code false}. */
        public Builder writeAheadLog(boolean v) {
            writeAheadLog = v;
            return this;
        }

        /** {@value #BUFFER_POOL_BYTES_PROP}, default 64 MiB. */
        public Builder bufferPoolBytes(long v) {
            bufferPoolBytes = v;
            return this;
        }

        /**
         * Told after each change of the keys the tier holds: a block written, evicted, removed or dropped as corrupt.
         * See {@link TierListener} for what a call promises.
         */
        public Builder listener(TierListener v) {
            listener = v == null ? TierListener.NONE : v;
            return this;
        }

        /** Applies the {@code spillway.nvme.*} properties present in {@code p}; malformed values are rejected here. */
        public Builder properties(Properties p) {
            PropertyReader r = PropertyReader.of(p);
            r.path(DIRECTORY_PROP).ifPresent(this::directory);
            r.size(CAPACITY_BYTES_PROP).ifPresent(this::capacityBytes);
            r.intSize(MAX_BLOCK_BYTES_PROP).ifPresent(this::maxBlockBytes);
            r.enumValue(COMPRESSION_PROP, Compression.class).ifPresent(this::compression);
            r.bool(BLOB_FILES_PROP).ifPresent(this::blobFiles);
            r.bool(WRITE_AHEAD_LOG_PROP).ifPresent(this::writeAheadLog);
            r.size(BUFFER_POOL_BYTES_PROP).ifPresent(this::bufferPoolBytes);
            r.size(MIN_FREE_BYTES_PROP).ifPresent(this::minFreeBytes);
            r.longValue(HEALTH_CHECK_INTERVAL_MS_PROP).ifPresent(this::healthCheckIntervalMs);
            return this;
        }

        public NvmeTierContext build() {
            if (directory == null) {
                throw new IllegalArgumentException(DIRECTORY_PROP + " must be set");
            }
            if (Files.exists(directory) && !Files.isDirectory(directory)) {
                throw new IllegalArgumentException(DIRECTORY_PROP + " must be a directory, got '" + directory
                    + "' (a file)");
            }
            if (maxBlockBytes <= 0 || maxBlockBytes > MAX_BLOCK_BYTES_LIMIT) {
                throw new IllegalArgumentException(MAX_BLOCK_BYTES_PROP + " must be in [1, " + MAX_BLOCK_BYTES_LIMIT
                    + "], got " + maxBlockBytes);
            }
            long minCapacity = (long) maxBlockBytes + BlockRecord.HEADER_BYTES;
            if (capacityBytes < minCapacity) {
                throw new IllegalArgumentException(CAPACITY_BYTES_PROP + " must be at least " + MAX_BLOCK_BYTES_PROP
                    + " + " + BlockRecord.HEADER_BYTES + " header bytes = " + minCapacity + ", got " + capacityBytes);
            }
            if (compression == null) {
                throw new IllegalArgumentException(COMPRESSION_PROP + " must be one of "
                    + Arrays.toString(Compression.values()) + ", got null");
            }
            if (bufferPoolBytes < 0) {
                throw new IllegalArgumentException(BUFFER_POOL_BYTES_PROP + " must be >= 0, got " + bufferPoolBytes);
            }
            if (minFreeBytes < 0) {
                throw new IllegalArgumentException(MIN_FREE_BYTES_PROP + " must be >= 0, got " + minFreeBytes);
            }
            if (healthCheckIntervalMs < 10 || healthCheckIntervalMs > 60_000) {
                throw new IllegalArgumentException(HEALTH_CHECK_INTERVAL_MS_PROP + " must be in [10, 60000] ms, got "
                    + healthCheckIntervalMs);
            }
            if (freeSpace == null) {
                throw new IllegalArgumentException("freeSpace must not be null");
            }
            return new NvmeTierContext(this);
        }
    }
}
