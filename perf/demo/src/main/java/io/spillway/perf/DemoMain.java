package io.spillway.perf;

import io.spillway.client.ClientContext;
import io.spillway.client.GetResult;
import io.spillway.client.KvClient;
import io.spillway.client.PutResult;
import io.spillway.config.Sizes;
import io.spillway.key.BlockKey;
import io.spillway.key.BlockKeys;
import io.spillway.key.Namespace;
import io.spillway.perf.harness.BlockPattern;
import io.spillway.protocol.ErrorCode;
import io.spillway.server.ServerContext;
import io.spillway.server.SpillwayServer;
import io.spillway.tier.TierKind;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code bin/spillway demo tiers}: an embedded node with a small CPU tier in front of an NVMe tier in a scratch
 * directory; writes a prompt's worth of 2 MiB KV blocks (real block keys over synthetic tokens) through the real
 * client, more than the CPU tier holds so they spill to NVMe, reads them all back verifying every block, and
 * prints what each tier did.
 */
@Command(name = "demo", mixinStandardHelpOptions = true, sortOptions = false,
    description = "Spill blocks from the CPU tier to NVMe on an embedded node, read them back, show what happened.")
public final class DemoMain implements Callable<Integer> {
    private static final long PUT_DEADLINE_NANOS = 60_000_000_000L;

    @Option(names = "--blocks", defaultValue = "192", description = "Blocks to write (default: ${DEFAULT-VALUE}).")
    int blocks;

    @Option(names = "--block-size", defaultValue = "2m", description = "Bytes per block (default: ${DEFAULT-VALUE}).")
    String blockSize;

    @Option(names = "--batch", defaultValue = "8", description = "Blocks per request (default: ${DEFAULT-VALUE}).")
    int batch;

    @Option(names = "--cpu-capacity", defaultValue = "64m", description = "CPU tier size (default: ${DEFAULT-VALUE}).")
    String cpuCapacity;

    @Option(names = "--nvme-capacity", defaultValue = "2g",
        description = "NVMe tier size (default: ${DEFAULT-VALUE}).")
    String nvmeCapacity;

    @Option(names = "--keep-data", description = "Keep the node's data directory afterwards.")
    boolean keepData;

    @Override
    public Integer call() throws Exception {
        int blockBytes = Sizes.parseInt("--block-size", blockSize, 1, Integer.MAX_VALUE - 64);
        Namespace namespace = Namespace.builder().tenant("demo").modelId("meta-llama/Llama-3.1-8B-Instruct")
            .dtype("bfloat16").blockSizeTokens(16).layers(32).kvHeads(8).headDim(128).build();
        BlockKey[] keys = BlockKeys.chain(namespace, syntheticPrompt(blocks * namespace.blockSizeTokens()));

        try (RunDir runDir = RunDir.create("spillway-demo-")) {
            if (keepData) {
                runDir.keep();
            }
            ServerContext context = ServerContext.builder().plaintext().bind("127.0.0.1").dataPort(0).controlPort(0).events("port", "0")
                .httpPort(0).dataDir(runDir.path().resolve("data"))
                .cpuCapacityBytes(Sizes.parse("--cpu-capacity", cpuCapacity))
                .nvmeCapacityBytes(Sizes.parse("--nvme-capacity", nvmeCapacity)).build();
            System.out.printf(Locale.ROOT, "node: CPU tier %s -> NVMe tier %s under %s%n", cpuCapacity, nvmeCapacity,
                runDir.path().resolve("data"));
            try (SpillwayServer server = SpillwayServer.start(context);
                 KvClient client = KvClient.connect(ClientContext.builder()
                     .server("127.0.0.1", server.dataPort()).controlPort(server.controlPort()).connections(2).build())) {
                BlockKey ns = client.registerNamespace(namespace).get();
                System.out.printf(Locale.ROOT, "namespace %s: %s%n", ns, namespace);

                long t0 = System.nanoTime();
                int retries = writeAll(client, ns, keys, blockBytes);
                double putSeconds = (System.nanoTime() - t0) / 1e9;
                long total = (long) blocks * blockBytes;
                System.out.printf(Locale.ROOT, "put  %d blocks (%s) in %.2f s: %.2f GB/s (%d back-pressure retries)%n",
                    blocks, Sizes.human(total), putSeconds, total / putSeconds / 1e9, retries);

                // newest first: the blocks still in the CPU tier answer from memory, older ones from NVMe (and are
                // promoted back up); then the blocks read last, now hot, again
                int[] newestFirst = new int[keys.length];
                for (int i = 0; i < keys.length; i++) {
                    newestFirst[i] = keys.length - 1 - i;
                }
                ReadOutcome first = readAll(client, ns, keys, blockBytes, newestFirst);
                System.out.printf(Locale.ROOT, "get  %d blocks, newest first, in %.2f s: %.2f GB/s, %d verified, %d bad,"
                        + " %d missing; served from %s%n", blocks, first.seconds, total / first.seconds / 1e9,
                    first.verified, first.bad, first.missing, first.byTier);
                int hot = Math.min(keys.length, batch);
                int[] hotSet = new int[hot];
                for (int i = 0; i < hot; i++) {
                    hotSet[i] = i;
                }
                ReadOutcome second = readAll(client, ns, keys, blockBytes, hotSet);
                System.out.printf(Locale.ROOT, "get  the %d blocks read last, again: served from %s%n", hot,
                    second.byTier);

                new TierTable(System.out).print(server.tiers());
                boolean ok = first.bad == 0 && first.missing == 0 && second.bad == 0 && second.missing == 0;
                System.out.println(ok ? "demo OK: every block came back intact"
                    : "demo FAILED: blocks missing or corrupt (see above)");
                if (!ok) {
                    runDir.keep();
                }
                return ok ? 0 : 1;
            }
        }
    }

    /** Puts every block, retrying blocks answered BACK_PRESSURE (demotion behind) until a deadline. */
    private int writeAll(KvClient client, BlockKey ns, BlockKey[] keys, int blockBytes) throws Exception {
        List<ByteBuffer> buffers = new ArrayList<>();
        for (int i = 0; i < batch; i++) {
            ByteBuffer b = ByteBuffer.allocateDirect(blockBytes);
            BlockPattern.fillTemplate(b);
            buffers.add(b);
        }
        int retries = 0;
        long deadline = System.nanoTime() + PUT_DEADLINE_NANOS;
        List<Integer> pending = new ArrayList<>();
        for (int i = 0; i < keys.length; i++) {
            pending.add(i);
        }
        while (!pending.isEmpty()) {
            List<Integer> refused = new ArrayList<>();
            for (int from = 0; from < pending.size(); from += batch) {
                int n = Math.min(batch, pending.size() - from);
                BlockKey[] k = new BlockKey[n];
                ByteBuffer[] data = new ByteBuffer[n];
                for (int j = 0; j < n; j++) {
                    int index = pending.get(from + j);
                    k[j] = keys[index];
                    data[j] = buffers.get(j);
                    BlockPattern.stamp(data[j], index, blockBytes);
                }
                PutResult r = client.put(ns, k, data).get();
                for (int j = 0; j < n; j++) {
                    ErrorCode s = r.statuses()[j];
                    if (s == ErrorCode.BACK_PRESSURE) {
                        refused.add(pending.get(from + j));
                    } else if (s != ErrorCode.OK) {
                        throw new IllegalStateException("block " + pending.get(from + j) + " refused: " + s);
                    }
                }
            }
            if (!refused.isEmpty()) {
                if (System.nanoTime() > deadline) {
                    throw new IllegalStateException(refused.size() + " blocks still back-pressured after 60 s");
                }
                retries += refused.size();
                Thread.sleep(20);
            }
            pending = refused;
        }
        return retries;
    }

    /** Reads blocks {@code order[0..]} in batches, verifying each and counting the tier that served it. */
    private ReadOutcome readAll(KvClient client, BlockKey ns, BlockKey[] keys, int blockBytes, int[] order)
        throws Exception {
        ByteBuffer[] dest = new ByteBuffer[batch];
        for (int i = 0; i < batch; i++) {
            dest[i] = ByteBuffer.allocateDirect(blockBytes);
        }
        ReadOutcome out = new ReadOutcome();
        long t0 = System.nanoTime();
        for (int from = 0; from < order.length; from += batch) {
            int n = Math.min(batch, order.length - from);
            BlockKey[] k = new BlockKey[n];
            ByteBuffer[] d = new ByteBuffer[n];
            for (int j = 0; j < n; j++) {
                k[j] = keys[order[from + j]];
                d[j] = dest[j].clear();
            }
            GetResult r = client.get(ns, k, d).get();
            for (int j = 0; j < n; j++) {
                if (!r.hit(j)) {
                    out.missing++;
                    continue;
                }
                out.byTier.merge(r.tiers()[j], 1, Integer::sum);
                if (BlockPattern.check(d[j], order[from + j], blockBytes) == null) {
                    out.verified++;
                } else {
                    out.bad++;
                }
            }
        }
        out.seconds = (System.nanoTime() - t0) / 1e9;
        return out;
    }

    /** Deterministic token ids, the length of a long prompt. */
    static int[] syntheticPrompt(int tokens) {
        int[] ids = new int[tokens];
        long x = 0x9E3779B97F4A7C15L;
        for (int i = 0; i < tokens; i++) {
            x ^= x << 13;
            x ^= x >>> 7;
            x ^= x << 17;
            ids[i] = (int) Math.floorMod(x, 128_256L);
        }
        return ids;
    }

    private static final class ReadOutcome {
        final Map<TierKind, Integer> byTier = new EnumMap<>(TierKind.class);
        int verified;
        int bad;
        int missing;
        double seconds;
    }

    public static void main(String[] args) {
        System.exit(new CommandLine(new DemoMain()).execute(args));
    }
}
