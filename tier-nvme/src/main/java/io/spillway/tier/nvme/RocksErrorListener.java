package io.spillway.tier.nvme;

import java.util.function.Consumer;
import org.rocksdb.AbstractEventListener;
import org.rocksdb.BackgroundErrorReason;
import org.rocksdb.Status;

/**
 * Tells the tier of RocksDB background errors (a flush or compaction failed: RocksDB then refuses every write) and
 * turns RocksDB's own recovery off. RocksJava exposes no {@code DB::Resume()}, and RocksDB's recovery from a full
 * disk waits on its SstFileManager's own polling; the tier instead reopens the database itself, on its health timer,
 * once free space is back ({@link NvmeTier}). Runs on RocksDB's background threads: it only records.
 */
final class RocksErrorListener extends AbstractEventListener {
    private final Consumer<String> onError;

    RocksErrorListener(Consumer<String> onError) {
        super(EnabledEventCallback.ON_BACKGROUND_ERROR, EnabledEventCallback.ON_ERROR_RECOVERY_BEGIN);
        this.onError = onError;
    }

    @Override
    public void onBackgroundError(BackgroundErrorReason reason, Status status) {
        onError.accept("RocksDB background error during " + reason + ": " + describe(status));
    }

    @Override
    public boolean onErrorRecoveryBegin(BackgroundErrorReason reason, Status status) {
        return false; // the tier reopens the database itself (see the class comment)
    }

    static String describe(Status status) {
        if (status == null) {
            return "unknown status";
        }
        String state = status.getState();
        return status.getCodeString() + (state == null || state.isEmpty() ? "" : " (" + state + ")");
    }
}
