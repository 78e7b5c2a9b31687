package io.spillway.tier.nvme;

import io.spillway.key.BlockKey;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.function.BiConsumer;
import java.util.function.Consumer;
import org.rocksdb.BlockBasedTableConfig;
import org.rocksdb.ColumnFamilyDescriptor;
import org.rocksdb.ColumnFamilyHandle;
import org.rocksdb.ColumnFamilyOptions;
import org.rocksdb.CompressionType;
import org.rocksdb.DBOptions;
import org.rocksdb.Env;
import org.rocksdb.FlushOptions;
import org.rocksdb.LRUCache;
import org.rocksdb.ReadOptions;
import org.rocksdb.RocksDB;
import org.rocksdb.RocksDBException;
import org.rocksdb.RocksIterator;
import org.rocksdb.SstFileManager;
import org.rocksdb.Status;
import org.rocksdb.WriteBatch;
import org.rocksdb.WriteOptions;

/**
 * The RocksDB database under the tier's directory: column family {@code blocks} (key → {@link BlockRecord}) and
 * column family {@code meta} (key → {@link BlockMeta}). A block and its meta are written in one batch; flushes are
 * atomic across both families, so even without a write-ahead log one is never persisted without the other.
 */
final class RocksStore implements AutoCloseable {
    static final String BLOCKS_CF = "blocks";
    static final String META_CF = "meta";

    static {
        RocksDB.loadLibrary();
    }

    /** Options and caches: released after the database. */
    private final List<AutoCloseable> options = new ArrayList<>();
    /** Column family handles and per-call options: released before the database. */
    private final List<AutoCloseable> handles = new ArrayList<>();
    private final RocksDB db;
    private final ColumnFamilyHandle blocks;
    private final ColumnFamilyHandle meta;
    private final WriteOptions blockWrites;
    private final WriteOptions accessWrites;
    private final ReadOptions blockReads;
    private final SstFileManager sstFiles;
    private final ThreadLocal<ByteBuffer> keyBuffer =
        ThreadLocal.withInitial(() -> ByteBuffer.allocateDirect(BlockKey.BYTES));

    private RocksStore(Path directory, boolean blobFiles, boolean writeAheadLog, Consumer<String> onBackgroundError)
        throws RocksDBException {
        LRUCache indexCache = track(new LRUCache(8L << 20));
        BlockBasedTableConfig table = new BlockBasedTableConfig().setBlockCache(indexCache);
        ColumnFamilyOptions blockOptions = track(new ColumnFamilyOptions()
            .setCompressionType(CompressionType.NO_COMPRESSION)
            .setTableFormatConfig(table));
        if (blobFiles) {
            blockOptions.setEnableBlobFiles(true)
                .setMinBlobSize(4096)
                .setBlobFileSize(256L << 20)
                .setBlobCompressionType(CompressionType.NO_COMPRESSION)
                .setEnableBlobGarbageCollection(true);
        }
        ColumnFamilyOptions metaOptions = track(new ColumnFamilyOptions()
            .setCompressionType(CompressionType.NO_COMPRESSION)
            .setTableFormatConfig(new BlockBasedTableConfig().setBlockCache(indexCache)));
        DBOptions dbOptions = track(new DBOptions()
            .setCreateIfMissing(true)
            .setCreateMissingColumnFamilies(true)
            .setAtomicFlush(true)
            .setMaxBackgroundJobs(2)
            .setKeepLogFileNum(3));
        sstFiles = track(new SstFileManager(Env.getDefault()));
        dbOptions.setSstFileManager(sstFiles);
        dbOptions.setListeners(List.of(track(new RocksErrorListener(onBackgroundError))));
        List<ColumnFamilyDescriptor> families = List.of(
            new ColumnFamilyDescriptor(RocksDB.DEFAULT_COLUMN_FAMILY),
            new ColumnFamilyDescriptor(BLOCKS_CF.getBytes(StandardCharsets.UTF_8), blockOptions),
            new ColumnFamilyDescriptor(META_CF.getBytes(StandardCharsets.UTF_8), metaOptions));
        List<ColumnFamilyHandle> opened = new ArrayList<>();
        try {
            Files.createDirectories(directory);
            db = RocksDB.open(dbOptions, directory.toString(), families, opened);
        } catch (IOException | RocksDBException e) {
            closeAll(options);
            throw e instanceof RocksDBException r ? r : new RocksDBException("cannot create " + directory + ": " + e);
        }
        handles.addAll(opened);
        blocks = opened.get(1);
        meta = opened.get(2);
        blockWrites = handle(new WriteOptions().setDisableWAL(!writeAheadLog));
        accessWrites = handle(new WriteOptions().setDisableWAL(true));
        blockReads = handle(new ReadOptions().setVerifyChecksums(true).setFillCache(false));
    }

    static RocksStore open(Path directory, boolean blobFiles, boolean writeAheadLog) throws RocksDBException {
        return new RocksStore(directory, blobFiles, writeAheadLog, error -> { });
    }

    /** Opens the store; {@code onBackgroundError} hears of every RocksDB background error, on RocksDB's thread. */
    static RocksStore open(Path directory, boolean blobFiles, boolean writeAheadLog,
                           Consumer<String> onBackgroundError) throws RocksDBException {
        return new RocksStore(directory, blobFiles, writeAheadLog, onBackgroundError);
    }

    /**
     * Caps the space RocksDB's files may take (its SstFileManager's max allowed space; 0 for none): a flush or
     * compaction that passes it is a background error, as a full disk is. For tests that need a real one.
     */
    void limitDiskSpace(long bytes) {
        sstFiles.setMaxAllowedSpaceUsage(bytes);
    }

    /** Flushes both families now, waiting for it. */
    void flush() throws RocksDBException {
        try (FlushOptions flush = new FlushOptions().setWaitForFlush(true)) {
            db.flush(flush, List.of(blocks, meta));
        }
    }

    /** Writes a block's record (position 0 to limit of a direct buffer) and its meta in one batch. */
    void putBlock(BlockKey key, ByteBuffer record, BlockMeta blockMeta) throws RocksDBException {
        try (WriteBatch batch = new WriteBatch()) {
            batch.put(blocks, key(key), record.duplicate());
            batch.put(meta, key.toBytes(), blockMeta.toBytes());
            db.write(blockWrites, batch);
        }
    }

    /** Records a new last-access tick; written without the WAL, as recency is only a hint. */
    void putAccess(BlockKey key, BlockMeta blockMeta) throws RocksDBException {
        db.put(meta, accessWrites, key.toBytes(), blockMeta.toBytes());
    }

    /**
     * Reads a block's record into {@code into} (direct, from its position); returns the record's full length, or -1
     * when absent. When the length exceeds {@code into}'s remaining bytes only a prefix is copied.
     */
    int readBlock(BlockKey key, ByteBuffer into) throws RocksDBException {
        return db.get(blocks, blockReads, key(key), into);
    }

    void delete(Collection<BlockKey> keys) throws RocksDBException {
        if (keys.isEmpty()) {
            return;
        }
        try (WriteBatch batch = new WriteBatch()) {
            for (BlockKey k : keys) {
                byte[] bytes = k.toBytes();
                batch.delete(blocks, bytes);
                batch.delete(meta, bytes);
            }
            db.write(blockWrites, batch);
        }
    }

    /** Visits every meta entry: the key and its raw value (not yet validated). */
    void forEachMeta(BiConsumer<byte[], byte[]> visitor) {
        try (ReadOptions options = new ReadOptions().setFillCache(false);
             RocksIterator it = db.newIterator(meta, options)) {
            for (it.seekToFirst(); it.isValid(); it.next()) {
                visitor.accept(it.key(), it.value());
            }
        }
    }

    /** Overwrites a block's stored record, leaving its meta alone. For tests that plant bad records. */
    void putRecordBytes(BlockKey key, byte[] record) throws RocksDBException {
        db.put(blocks, blockWrites, key.toBytes(), record);
    }

    /** A heap copy of a block's stored record, or {@code null}. For tests. */
    byte[] recordBytes(BlockKey key) throws RocksDBException {
        return db.get(blocks, key.toBytes());
    }

    /** Whether a RocksDB failure reports damaged data (as opposed to I/O or state errors). */
    static boolean isCorruption(RocksDBException e) {
        Status status = e.getStatus();
        return status != null ? status.getCode() == Status.Code.Corruption
            : e.getMessage() != null && e.getMessage().startsWith("Corruption");
    }

    /** A RocksDB failure as one line: its status code and message. */
    static String describe(RocksDBException e) {
        Status status = e.getStatus();
        return status != null ? RocksErrorListener.describe(status) : String.valueOf(e.getMessage());
    }

    /** Flushes both families (so a reopen reads SST files, not a log) and releases everything. */
    @Override
    public void close() {
        try (FlushOptions flush = new FlushOptions().setWaitForFlush(true)) {
            db.flush(flush, List.of(blocks, meta));
        } catch (RocksDBException e) {
            // Nothing better to do on close: without a WAL the unflushed tail is lost, which a cache tolerates.
        }
        closeAll(handles);
        db.close();
        closeAll(options);
    }

    private static void closeAll(List<AutoCloseable> resources) {
        for (int i = resources.size() - 1; i >= 0; i--) {
            try {
                resources.get(i).close();
            } catch (Exception ignored) {
                // releasing a native handle does not fail in practice; keep releasing the rest
            }
        }
        resources.clear();
    }

    private ByteBuffer key(BlockKey key) {
        ByteBuffer b = keyBuffer.get().clear();
        key.write(b, 0);
        return b;
    }

    private <T extends AutoCloseable> T track(T resource) {
        options.add(resource);
        return resource;
    }

    private <T extends AutoCloseable> T handle(T resource) {
        handles.add(resource);
        return resource;
    }
}
