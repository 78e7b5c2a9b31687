package io.spillway.perf.eval;

import io.spillway.client.GetResult;
import io.spillway.client.KvClient;
import io.spillway.client.KvClientException;
import io.spillway.client.PutResult;
import io.spillway.protocol.ErrorCode;
import io.spillway.key.BlockKey;
import io.spillway.placement.index.Medium;
import io.spillway.placement.routing.TransferCostModel;
import io.spillway.tier.TierKind;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.LongAdder;

/**
 * The real Spillway cluster behind a live simulated pod, through kv-client: a prompt's blocks after its GPU hits are
 * looked up ({@link KvClient#lookupLongPrefix}) and, when the transfer-cost model says loading beats prefilling them,
 * read ({@link KvClient#get}) and timed for real; blocks the pod evicts are written ({@link KvClient#put}). Block
 * bytes are scaled down ({@code blockBytes}, e.g. 8 KiB for a 2 MiB block) so a laptop holds a cluster's worth.
 * Answers reach the pod on its clock.
 */
final class KvClusterTiers implements ClusterTiers {
    /** The most blocks one write carries. */
    static final int MAX_WRITE = 256;
    /** Writes refused for back-pressure are tried again after 2, 4, 8 ... ms, at most 250 ms apart, about 2 s in all. */
    private static final int MAX_ATTEMPTS = 14;
    private static final long FIRST_RETRY_NANOS = 2_000_000L;
    private static final long MAX_RETRY_NANOS = 250_000_000L;

    private final KvClient client;
    private final BlockKey namespace;
    private final LiveBlocks blocks;
    private final TransferCostModel costs;
    private final int blockBytes;
    private final WallClock clock;
    private final ByteBuffer pattern;
    private final List<BlockKey> pending = new ArrayList<>();
    private boolean flushScheduled;
    /** Why calls failed: an error code or exception class, with how many blocks (or calls) it cost. */
    final ConcurrentHashMap<String, LongAdder> failureReasons =
        new ConcurrentHashMap<>();

    KvClusterTiers(KvClient client, BlockKey namespace, LiveBlocks blocks, TransferCostModel costs, int blockBytes,
                   WallClock clock) {
        this.client = client;
        this.namespace = namespace;
        this.blocks = blocks;
        this.costs = costs;
        this.blockBytes = blockBytes;
        this.clock = clock;
        this.pattern = ByteBuffer.allocateDirect(blockBytes);
        for (int i = 0; i < blockBytes; i++) {
            pattern.put(i, (byte) (i * 31 + 7));
        }
    }

    /**
     * Looks up the blocks after the GPU's hits ({@link KvClient#lookupLongPrefix}, a prompt of any length) and, when
     * the transfer-cost model says loading the cluster's run beats prefilling it, reads it.
     */
    @Override
    public void fetch(int[] ids, int from, Loaded done) {
        BlockKey[] keys = new BlockKey[ids.length - from];
        for (int i = 0; i < keys.length; i++) {
            keys[i] = blocks.block(ids[from + i]).key();
        }
        try {
            client.lookupLongPrefix(namespace, keys).whenComplete((lookup, error) -> {
                try {
                    if (error != null) {
                        failed(done, error);
                        return;
                    }
                    int run = lookup.prefixLength();
                    int cpu = lookup.blocksInPrefix().getOrDefault(TierKind.CPU, 0);
                    int nvme = lookup.blocksInPrefix().getOrDefault(TierKind.NVME, 0);
                    if (run == 0 || costs.netTokens(cpu, nvme) <= 0) {
                        answer(done, 0, 0);
                    } else {
                        load(Arrays.copyOf(keys, run), done);
                    }
                } catch (RuntimeException e) {
                    failed(done, e);
                }
            });
        } catch (RuntimeException e) {
            failed(done, e);
        }
    }

    /**
     * Reads the run, {@link #MAX_WRITE} blocks a request, all at once; what came back, in order from the run's start,
     * is loaded, counted by the tier that served it.
     */
    private void load(BlockKey[] run, Loaded done) {
        long started = clock.now();
        List<CompletableFuture<GetResult>> parts = new ArrayList<>();
        for (int from = 0; from < run.length; from += MAX_WRITE) {
            BlockKey[] part = Arrays.copyOfRange(run, from, Math.min(run.length, from + MAX_WRITE));
            ByteBuffer[] into = new ByteBuffer[part.length];
            for (int i = 0; i < part.length; i++) {
                into[i] = ByteBuffer.allocate(blockBytes);
            }
            parts.add(client.get(namespace, part, into));
        }
        CompletableFuture.allOf(parts.toArray(new CompletableFuture[0]))
            .whenComplete((all, error) -> {
                if (error != null) {
                    failed(done, error);
                    return;
                }
                int cpu = 0;
                int nvme = 0;
                leading:
                for (CompletableFuture<GetResult> part : parts) {
                    GetResult got = part.join();
                    for (int i = 0; i < got.statuses().length; i++) {
                        if (!got.hit(i)) {
                            break leading;
                        }
                        if (got.tiers()[i] == TierKind.NVME) {
                            nvme++;
                        } else {
                            cpu++;
                        }
                    }
                }
                // the blocks are scaled down (and the model's bandwidths with them): the pod waits as long as the
                // real blocks would take, or as long as the read took if that was longer
                long modelled = Math.round((costs.loadSeconds(Medium.CPU, cpu) + costs.loadSeconds(Medium.NVME, nvme))
                    * 1e9);
                int c = cpu;
                int n = nvme;
                clock.at(started + modelled, now -> done.loaded(c, n, now));
            });
    }

    /** A lookup or read failed: the pod prefills as if the cluster held nothing, and the failure is counted. */
    private void failed(Loaded done, Throwable error) {
        fail(reason(error), 1);
        answer(done, 0, 0);
    }

    /** Cluster lookups, reads and block writes that failed, over every reason. */
    long failures() {
        return failureReasons.values().stream().mapToLong(LongAdder::sum).sum();
    }

    private void fail(String reason, int blocks) {
        failureReasons.computeIfAbsent(reason, r -> new LongAdder()).add(blocks);
    }

    private static String reason(Throwable error) {
        Throwable cause = error instanceof CompletionException && error.getCause() != null
            ? error.getCause() : error;
        return cause instanceof KvClientException e ? e.code().name() : cause.getClass().getSimpleName() + ": "
            + cause.getMessage();
    }

    private void answer(Loaded done, int cpu, int nvme) {
        clock.execute(now -> done.loaded(cpu, nvme, now));
    }

    /**
     * Queues {@code block} for the cluster; what one action of the pod's clock evicts goes out as one write of up to
     * {@link #MAX_WRITE} blocks (a connection carries a bounded number of requests, so a write per block would be
     * refused under load).
     */
    @Override
    public void offload(int block) {
        pending.add(blocks.block(block).key());
        if (!flushScheduled) {
            flushScheduled = true;
            clock.at(clock.now(), now -> flush());
        }
    }

    private void flush() {
        flushScheduled = false;
        for (int from = 0; from < pending.size(); from += MAX_WRITE) {
            List<BlockKey> part = pending.subList(from, Math.min(pending.size(), from + MAX_WRITE));
            write(part.toArray(new BlockKey[0]), 0);
        }
        pending.clear();
    }

    /** Writes {@code keys}; keys refused for back-pressure are written again later, backing off. */
    private void write(BlockKey[] keys, int attempt) {
        ByteBuffer[] data = new ByteBuffer[keys.length];
        for (int i = 0; i < keys.length; i++) {
            data[i] = pattern.duplicate();
        }
        CompletableFuture<PutResult> sent;
        try {
            sent = client.put(namespace, keys, data);
        } catch (RuntimeException e) {
            fail("put " + reason(e), keys.length);
            return;
        }
        sent.whenComplete((put, error) -> {
            List<BlockKey> again = new ArrayList<>();
            if (error != null) {
                if (retryable(error) && attempt < MAX_ATTEMPTS) {
                    again.addAll(List.of(keys));
                } else {
                    fail("put " + reason(error), keys.length);
                }
            } else {
                for (int i = 0; i < keys.length; i++) {
                    ErrorCode status = put.statuses()[i];
                    if (status == ErrorCode.BACK_PRESSURE && attempt < MAX_ATTEMPTS) {
                        again.add(keys[i]);
                    } else if (status != ErrorCode.OK) {
                        fail("put " + status.name(), 1);
                    }
                }
            }
            if (!again.isEmpty()) {
                BlockKey[] retry = again.toArray(new BlockKey[0]);
                long delay = Math.min(MAX_RETRY_NANOS, FIRST_RETRY_NANOS << attempt);
                clock.at(clock.now() + delay, now -> write(retry, attempt + 1));
            }
        });
    }

    private static boolean retryable(Throwable error) {
        Throwable cause = error instanceof CompletionException && error.getCause() != null
            ? error.getCause() : error;
        return cause instanceof KvClientException e && e.code() == ErrorCode.BACK_PRESSURE;
    }
}
