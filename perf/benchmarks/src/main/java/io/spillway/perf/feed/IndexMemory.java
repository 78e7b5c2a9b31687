package io.spillway.perf.feed;

import io.spillway.key.BlockKey;
import io.spillway.perf.launch.JavaCommand;
import io.spillway.placement.index.BlockLocationIndex;
import io.spillway.placement.index.Location;
import io.spillway.placement.index.Medium;
import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.lang.management.MemoryMXBean;
import java.lang.ref.Reference;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import java.util.SplittableRandom;
import java.util.concurrent.TimeUnit;
import org.agrona.concurrent.UnsafeBuffer;

/**
 * What the router's block-location index costs the heap: fills a fresh index (its bound set to the key count, so
 * nothing is evicted) with random keys, each at the same number of locations, through the packed batch API as the
 * event subscribers feed it, and compares the index's own count of its arrays with the heap the JVM reports.
 */
public final class IndexMemory {
    /** Keys per addAll call: about one event batch's worth. */
    static final int BATCH = 4096;
    private static final int GC_ROUNDS = 8;
    private static final long STABLE_BYTES = 64 * 1024;

    private IndexMemory() {
    }

    /**
     * {@code IndexMemory <keys> <locationsPerKey>}: one measurement in this JVM, printed as a readable line and then
     * as {@link Result#toLine()}. Run it in a JVM of its own to choose the collector's settings: G1 gives an array of
     * half a region or more whole regions of its own, so with the 4 MiB regions of a 6 GiB heap a 12.6 MB table
     * costs 16 MB of heap, while at 10M keys (a 400 MB table) the rounding is under 1%.
     */
    public static void main(String[] args) {
        if (args.length != 2) {
            System.err.println("usage: IndexMemory <keys> <locationsPerKey>");
            System.exit(2);
        }
        Result result = measure(Long.parseLong(args[0]), Integer.parseInt(args[1]));
        System.out.println(result);
        System.out.println(result.toLine());
    }

    /**
     * @param keys            the keys to add, and the index's maxKeys
     * @param locationsPerKey the locations each key is added at (pods 0..n-1)
     */
    public static Result measure(long keys, int locationsPerKey) {
        if (keys < 1) {
            throw new IllegalArgumentException("keys must be at least 1, got " + keys);
        }
        if (locationsPerKey < 1 || locationsPerKey > BlockLocationIndex.MAX_LOCATION_ID) {
            throw new IllegalArgumentException("locationsPerKey must be 1.." + BlockLocationIndex.MAX_LOCATION_ID
                + ", got " + locationsPerKey);
        }
        SplittableRandom random = new SplittableRandom(keys * 31 + locationsPerKey);
        UnsafeBuffer batch = new UnsafeBuffer(new byte[BATCH * BlockKey.BYTES]);
        Location[] places = new Location[locationsPerKey];
        for (int i = 0; i < locationsPerKey; i++) {
            places[i] = Location.pod("10.1." + (i >> 8) + "." + (i & 0xFF) + ":5557", Medium.GPU);
        }
        long heapBefore = settledHeapUsed();

        long start = System.nanoTime();
        BlockLocationIndex index = new BlockLocationIndex(keys);
        int[] ids = new int[locationsPerKey];
        for (int i = 0; i < locationsPerKey; i++) {
            ids[i] = index.location(places[i]);
        }
        for (long done = 0; done < keys; ) {
            int n = (int) Math.min(BATCH, keys - done);
            for (int i = 0; i < n; i++) {
                batch.putLong(i * BlockKey.BYTES, random.nextLong(), ByteOrder.BIG_ENDIAN);
                batch.putLong(i * BlockKey.BYTES + 8, random.nextLong(), ByteOrder.BIG_ENDIAN);
            }
            for (int id : ids) {
                index.addAll(id, batch, 0, n);
            }
            done += n;
        }
        long elapsed = System.nanoTime() - start;

        long heapAfter = settledHeapUsed();
        Result result = new Result(keys, locationsPerKey, index.memoryBytes(), heapBefore, heapAfter, index.size(),
            keys / (elapsed / 1e9));
        Reference.reachabilityFence(index);
        return result;
    }

    /**
     * {@link #measure} in a JVM of its own, started with {@code jvmOptions} (the collector's settings; see
     * {@link #main}); {@code dir} is its working directory.
     */
    public static Result measureInChild(long keys, int locationsPerKey, List<String> jvmOptions,
                                        Path dir) throws IOException, InterruptedException {
        List<String> cmd = JavaCommand.of(IndexMemory.class.getName(), jvmOptions,
            List.of(Long.toString(keys), Integer.toString(locationsPerKey)), dir);
        Process child = new ProcessBuilder(cmd).redirectErrorStream(true).start();
        String output = new String(child.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        if (!child.waitFor(10, TimeUnit.MINUTES) || child.exitValue() != 0) {
            child.destroyForcibly();
            throw new IllegalStateException("the IndexMemory child failed: " + output);
        }
        Result result = null;
        for (String line : output.split("\n")) {
            Result parsed = Result.fromLine(line);
            result = parsed != null ? parsed : result;
        }
        if (result == null) {
            throw new IllegalStateException("no result line from the IndexMemory child: " + output);
        }
        return result;
    }

    /** Heap in use after full collections, repeated until two readings agree (or {@value #GC_ROUNDS} rounds). */
    static long settledHeapUsed() {
        MemoryMXBean memory = ManagementFactory.getMemoryMXBean();
        long last = Long.MIN_VALUE;
        for (int round = 0; round < GC_ROUNDS; round++) {
            System.gc();
            long used = memory.getHeapMemoryUsage().getUsed();
            if (Math.abs(used - last) <= STABLE_BYTES) {
                return used;
            }
            last = used;
        }
        return last;
    }

    /**
     * One measurement.
     *
     * @param memoryBytes   the index's own count of its arrays ({@link BlockLocationIndex#memoryBytes()})
     * @param heapBefore    heap in use before the index was made
     * @param heapAfter     heap in use with the index full
     * @param keysHeld      the index's size() at the end
     * @param keysPerSecond keys added per second (each at every location), key generation included
     */
    public record Result(long keys, int locationsPerKey, long memoryBytes, long heapBefore, long heapAfter,
                         long keysHeld, double keysPerSecond) {
        public long heapGrowth() {
            return heapAfter - heapBefore;
        }

        public double bytesPerKey() {
            return (double) memoryBytes / keysHeld;
        }

        public double heapBytesPerKey() {
            return (double) heapGrowth() / keysHeld;
        }

        private static final String LINE_TAG = "index-memory";

        /** The fields on one line, for a parent process to read back with {@link #fromLine}. */
        public String toLine() {
            return String.join(" ", LINE_TAG, Long.toString(keys), Integer.toString(locationsPerKey),
                Long.toString(memoryBytes), Long.toString(heapBefore), Long.toString(heapAfter),
                Long.toString(keysHeld), Double.toString(keysPerSecond));
        }

        /** The result of {@link #toLine()}, or null when {@code line} is not one. */
        public static Result fromLine(String line) {
            String[] f = line.trim().split(" ");
            if (f.length != 8 || !f[0].equals(LINE_TAG)) {
                return null;
            }
            return new Result(Long.parseLong(f[1]), Integer.parseInt(f[2]), Long.parseLong(f[3]),
                Long.parseLong(f[4]), Long.parseLong(f[5]), Long.parseLong(f[6]), Double.parseDouble(f[7]));
        }

        @Override
        public String toString() {
            return String.format(Locale.ROOT, "%,d keys x %d locations: index arrays %,d bytes (%.1f per key), heap "
                    + "growth %,d bytes (%.1f per key), %,d keys held, filled at %,.0f keys/s", keys, locationsPerKey,
                memoryBytes, bytesPerKey(), heapGrowth(), heapBytesPerKey(), keysHeld, keysPerSecond);
        }
    }
}
