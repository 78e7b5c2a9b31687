package io.spillway.perf.adapter;

import io.spillway.perf.harness.PhaseSlice;
import io.spillway.perf.harness.PhaseSpec;
import io.spillway.perf.peer.PeerWorker;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * Mooncake Store as a peer, through its own Python client ({@code mooncake.store.MooncakeDistributedStore}, TCP
 * transport): one Python process per bench thread, each with its own client and one registered buffer, started by
 * a {@link PeerWorker} and run slice by slice. GET is {@code get_into}, batch GET {@code batch_get_into} (the
 * client's zero-copy calls into registered memory), PUT {@code put_from}; keys {@code sw:<id>}.
 */
public final class MooncakeTarget implements SelfDrivenTarget {
    public static final String NAME = "mooncake";

    private final Path python;
    private final Path dir;
    private final String masterAddress;
    private final String metadataUrl;
    private final int blockBytes;
    private final int maxBatch;
    private PeerWorker worker;
    private int processes;

    public MooncakeTarget(Path python, Path dir, String masterAddress, String metadataUrl, int blockBytes,
                          int maxBatch) {
        this.python = python;
        this.dir = dir;
        this.masterAddress = masterAddress;
        this.metadataUrl = metadataUrl;
        this.blockBytes = blockBytes;
        this.maxBatch = maxBatch;
    }

    @Override
    public String name() {
        return NAME;
    }

    /** Starts the worker with one process (and client) per bench thread. */
    @Override
    public void open(int workers) throws IOException, InterruptedException {
        processes = workers;
        List<String> args = new ArrayList<>(List.of("--store", "mooncake", "--master", masterAddress, "--metadata",
            metadataUrl, "--processes", Integer.toString(workers), "--block-bytes", Integer.toString(blockBytes),
            "--max-batch", Integer.toString(maxBatch)));
        worker = PeerWorker.start(NAME, python, args, dir);
    }

    @Override
    public double preload(long blocks, int bytes, int batch) throws IOException, InterruptedException {
        return worker.preload(blocks, bytes, batch);
    }

    /**
     * A slice the worker could not run counts as one error of an empty slice, as a request failure does in the
     * Java harness, so the other targets' rounds still run and the report says what went wrong.
     */
    @Override
    public PhaseSlice runSlice(PhaseSpec spec) throws InterruptedException {
        try {
            return worker.runSlice(spec);
        } catch (IOException | RuntimeException e) {
            return PeerWorker.failedSlice(NAME, spec, e);
        }
    }

    @Override
    public String driver() {
        return "mooncake.store.MooncakeDistributedStore (" + worker.clientVersion() + "), TCP transport, "
            + processes + " Python processes, one client each";
    }

    @Override
    public void close() {
        if (worker != null) {
            worker.close();
        }
    }
}
