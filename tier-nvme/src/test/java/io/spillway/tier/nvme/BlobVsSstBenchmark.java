package io.spillway.tier.nvme;

import io.spillway.key.BlockKey;
import io.spillway.protocol.ErrorCode;
import io.spillway.tier.BlockHandle;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.SplittableRandom;
import java.util.stream.Stream;

/**
 * Inline SST values versus BlobDB for 2 MiB blocks, through {@link NvmeTier} itself. Not a test: run by hand (the
 * command is in docs/tier-nvme.md).
 *
 * <pre>
 * BlobVsSstBenchmark write DIR BLOB_FILES MIB   # fresh DIR, MIB of 2 MiB random-ish blocks; flush included
 * BlobVsSstBenchmark read  DIR BLOB_FILES       # reopen, read every block once in a shuffled order
 * </pre>
 *
 * Run "read" in a new JVM after evicting DIR's files from the page cache for a cold read.
 */
public final class BlobVsSstBenchmark {
    static final int BLOCK = 2 << 20;
    static final int DISTINCT = 8;

    private BlobVsSstBenchmark() {
    }

    public static void main(String[] args) throws IOException {
        if (args.length < 3) {
            System.err.println("usage: write|read DIR BLOB_FILES [MIB]");
            System.exit(2);
        }
        Path dir = Path.of(args[1]);
        boolean blobFiles = Boolean.parseBoolean(args[2]);
        NvmeTierContext ctx = NvmeTierContext.builder().directory(dir).blobFiles(blobFiles)
            .capacityBytes(64L << 30).maxBlockBytes(BLOCK).build();
        String label = blobFiles ? "blob" : "sst ";
        if (args[0].equals("write")) {
            deleteRecursively(dir);
            write(ctx, Integer.parseInt(args[3]) / 2, label);
        } else {
            read(ctx, label);
        }
    }

    private static void write(NvmeTierContext ctx, int blocks, String label) {
        ByteBuffer[] sources = new ByteBuffer[DISTINCT];
        for (int i = 0; i < DISTINCT; i++) {
            sources[i] = TestBlocks.direct(TestBlocks.random(i, BLOCK));
        }
        long nanos = 0;
        long start = System.nanoTime();
        NvmeTier tier = NvmeTier.open(ctx);
        nanos += System.nanoTime() - start;
        for (int i = 0; i < blocks; i++) {
            ByteBuffer src = sources[i % DISTINCT];
            src.putInt(0, i);
            src.putInt(BLOCK / 2, i * 31);
            int crc = BlockRecord.crc32c(src, 0, BLOCK);
            long t = System.nanoTime();
            ErrorCode code = tier.put(TestBlocks.NS, key(i), src, crc);
            nanos += System.nanoTime() - t;
            if (code != ErrorCode.OK) {
                throw new IllegalStateException("put " + i + " -> " + code);
            }
        }
        long t = System.nanoTime();
        tier.close();
        nanos += System.nanoTime() - t;
        report("write", label, (long) blocks * BLOCK, nanos);
    }

    private static void read(NvmeTierContext ctx, String label) {
        long start = System.nanoTime();
        long bytes = 0;
        try (NvmeTier tier = NvmeTier.open(ctx)) {
            int blocks = (int) tier.counters().blocks.get();
            int[] order = new int[blocks];
            for (int i = 0; i < blocks; i++) {
                order[i] = i;
            }
            SplittableRandom r = new SplittableRandom(7);
            for (int i = blocks - 1; i > 0; i--) {
                int j = r.nextInt(i + 1);
                int x = order[i];
                order[i] = order[j];
                order[j] = x;
            }
            for (int i : order) {
                try (BlockHandle h = tier.get(TestBlocks.NS, key(i))) {
                    if (h == null || h.data().getInt(0) != i) {
                        throw new IllegalStateException("block " + i + " missing or wrong");
                    }
                    bytes += h.length();
                }
            }
        }
        report("read ", label, bytes, System.nanoTime() - start);
    }

    private static BlockKey key(int i) {
        return TestBlocks.key(i);
    }

    private static void report(String what, String label, long bytes, long nanos) {
        System.out.printf("%s %s %4d MiB in %6.3f s = %.2f GB/s%n", what, label, bytes >> 20, nanos / 1e9,
            bytes / (double) nanos);
    }

    private static void deleteRecursively(Path dir) throws IOException {
        if (!Files.exists(dir)) {
            return;
        }
        try (Stream<Path> paths = Files.walk(dir)) {
            for (Path p : (Iterable<Path>) paths.sorted(Comparator.reverseOrder())::iterator) {
                Files.delete(p);
            }
        }
    }
}
