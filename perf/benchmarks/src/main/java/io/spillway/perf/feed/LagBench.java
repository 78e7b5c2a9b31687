package io.spillway.perf.feed;

import io.spillway.event.aeron.FeedMedia;
import io.spillway.event.feed.FeedSubscriberContext;
import io.spillway.event.feed.LagHistogram;
import io.spillway.key.BlockKey;
import io.spillway.placement.index.BlockLocationIndex;
import io.spillway.router.feed.ClusterFeed;
import io.spillway.router.feed.IndexFeedSink;
import io.spillway.server.ServerContext;
import io.spillway.server.SpillwayServer;
import io.spillway.server.TierChain;
import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;
import java.util.zip.CRC32C;
import org.HdrHistogram.Histogram;

/**
 * Lag from a node storing a block to its key being in a subscriber's index: a real node in this JVM (CPU tier only,
 * its feed on the default UDP channel over loopback) stores blocks at a paced rate straight into its tier chain, and a
 * real subscriber ({@link ClusterFeed}) applies the feed to an index through a {@link TimingSink}. Each key's lag runs
 * from just before its put to just after the index has it.
 */
final class LagBench {
    /**
     * @param messageP50Micros an upper bound (power of two) on the median delay from a message being built by the
     *     node to being applied by the subscriber; {@code messageP99Micros} the same for the 99th percentile
     */
    record Result(double keysPerSecond, long keys, double p50Micros, double p90Micros, double p99Micros,
                  double p999Micros, double maxMicros, long unstamped, long messageP50Micros, long messageP99Micros) {
    }

    private static final int BLOCK_BYTES = 64;
    static final long PARK_MICROS = Long.getLong("spillway.bench.parkMicros", 100);
    private static final BlockKey NS = new BlockKey(0x1A6L, 0);

    private LagBench() {
    }

    static Result run(Path dir, int keysPerSecond, int warmupSeconds, int seconds) throws Exception {
        return run(dir, keysPerSecond, warmupSeconds, seconds, false);
    }

    /** With {@code ipc}, the subscriber shares the node's media driver and reads its IPC publication. */
    static Result run(Path dir, int keysPerSecond, int warmupSeconds, int seconds, boolean ipc) throws Exception {
        int total = keysPerSecond * (warmupSeconds + seconds);
        long[] stamped = new long[total];
        ServerContext ctx = ServerContext.builder().plaintext().bind("127.0.0.1").dataPort(0).controlPort(0).httpPort(0)
            .events("port", "0").events("ipc", String.valueOf(ipc)).events("idleMaxParkMicros", "" + PARK_MICROS)
            .dataDir(dir.resolve("node")).nvmeEnabled(false)
            .cpuCapacityBytes(Math.max(64L << 20, 4L * total * BLOCK_BYTES)).ioThreads(1).tierThreads(1).build();
        try (SpillwayServer server = SpillwayServer.start(ctx)) {
            BlockLocationIndex index = ClusterFeed.index(2L * total, total);
            TimingSink timing = new TimingSink(new IndexFeedSink(index), stamped);
            FeedSubscriberContext.Builder b = FeedSubscriberContext.builder().idleMaxParkMicros(PARK_MICROS);
            if (ipc) {
                b.channel("aeron:ipc").externalDriver(server.feed().context().aeronDir());
            } else {
                b.node(server.feed().localAddresses().get(0))
                    .media(FeedMedia.Settings.defaults(dir.resolve("subscriber-aeron").toString()));
            }
            try (index; ClusterFeed feed = ClusterFeed.start(b.build(), index, timing)) {
                awaitLive(feed);
                TierChain tiers = server.tiers();
                ByteBuffer block = ByteBuffer.allocateDirect(BLOCK_BYTES);
                CRC32C c = new CRC32C();
                c.update(block.duplicate());
                int crc = (int) c.getValue();
                warm(server, index, block, crc, total);
                int perMilli = Math.max(1, keysPerSecond / 1000);
                int warmup = keysPerSecond * warmupSeconds;
                long start = System.nanoTime();
                for (int i = 0; i < total; i += perMilli) {
                    long due = start + (long) i * 1_000_000_000L / keysPerSecond;
                    long wait;
                    while ((wait = due - System.nanoTime()) > 0) {
                        LockSupport.parkNanos(wait); // one sleep to the next millisecond's batch
                    }
                    for (int j = i; j < Math.min(total, i + perMilli); j++) {
                        if (j >= warmup) {
                            stamped[j] = System.nanoTime(); // before the put: the lag includes the store itself
                        }
                        tiers.put(NS, new BlockKey(0x5EEDL, j), block, crc);
                    }
                }
                double rate = (total - warmup) / ((System.nanoTime() - start) / 1e9 - warmupSeconds);
                long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
                while (timing.lag().getTotalCount() < total - warmup && System.nanoTime() < deadline) {
                    Thread.sleep(10);
                }
                Histogram h = timing.lag();
                LagHistogram m = feed.subscriber().messageLag();
                return new Result(rate, h.getTotalCount(), h.getValueAtPercentile(50) / 1e3,
                    h.getValueAtPercentile(90) / 1e3, h.getValueAtPercentile(99) / 1e3,
                    h.getValueAtPercentile(99.9) / 1e3, h.getMaxValue() / 1e3, timing.unstamped(),
                    m.percentileMicrosAtMost(50), m.percentileMicrosAtMost(99));
            }
        }
    }

    /**
     * Brings the node to a steady state before anything is timed: stores as many blocks as the run will, then removes
     * them, so its CPU tier's maps have grown to their size (a map that doubles rehashes under its lock, a pause a
     * node at its working set never takes), and waits until the feed has carried it all to the index and back out.
     */
    private static void warm(SpillwayServer server, BlockLocationIndex index, ByteBuffer block, int crc, int total)
        throws InterruptedException {
        TierChain tiers = server.tiers();
        for (int j = 0; j < total; j++) {
            tiers.put(NS, new BlockKey(0x3A7L, j), block, crc);
        }
        for (int j = 0; j < total; j++) {
            tiers.cpu().remove(new BlockKey(0x3A7L, j));
        }
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
        while ((server.feed().publisher().pendingKeys() > 0 || index.size() > 0) && System.nanoTime() < deadline) {
            Thread.sleep(10);
        }
        System.gc();
    }

    static void awaitLive(ClusterFeed feed) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
        while (feed.subscriber().liveSessions() < 1) {
            if (System.nanoTime() > deadline) {
                throw new IllegalStateException("the subscriber never went live");
            }
            Thread.sleep(10);
        }
    }
}
