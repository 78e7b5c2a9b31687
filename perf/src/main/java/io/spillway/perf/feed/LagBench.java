package io.spillway.perf.feed;

import io.spillway.event.aeron.FeedMedia;
import io.spillway.event.feed.FeedSubscriberContext;
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
    record Result(double keysPerSecond, long keys, double p50Micros, double p90Micros, double p99Micros,
                  double p999Micros, double maxMicros, long unstamped) {
    }

    private static final int BLOCK_BYTES = 64;
    private static final BlockKey NS = new BlockKey(0x1A6L, 0);

    private LagBench() {
    }

    static Result run(Path dir, int keysPerSecond, int warmupSeconds, int seconds) throws Exception {
        int total = keysPerSecond * (warmupSeconds + seconds);
        long[] stamped = new long[total];
        ServerContext ctx = ServerContext.builder().bind("127.0.0.1").dataPort(0).controlPort(0).httpPort(0)
            .events("port", "0").dataDir(dir.resolve("node")).nvmeEnabled(false)
            .cpuCapacityBytes(Math.max(64L << 20, 4L * total * BLOCK_BYTES)).ioThreads(1).tierThreads(1).build();
        try (SpillwayServer server = SpillwayServer.start(ctx)) {
            BlockLocationIndex index = new BlockLocationIndex(2L * total);
            TimingSink timing = new TimingSink(new IndexFeedSink(index), stamped);
            FeedSubscriberContext sub = FeedSubscriberContext.builder()
                .node(server.feed().localAddresses().get(0))
                .media(FeedMedia.Settings.defaults(dir.resolve("subscriber-aeron").toString())).build();
            try (ClusterFeed feed = ClusterFeed.start(sub, index, timing)) {
                awaitLive(feed);
                TierChain tiers = server.tiers();
                ByteBuffer block = ByteBuffer.allocateDirect(BLOCK_BYTES);
                CRC32C c = new CRC32C();
                c.update(block.duplicate());
                int crc = (int) c.getValue();
                int perMilli = Math.max(1, keysPerSecond / 1000);
                int warmup = keysPerSecond * warmupSeconds;
                long start = System.nanoTime();
                for (int i = 0; i < total; i += perMilli) {
                    long due = start + (long) i * 1_000_000_000L / keysPerSecond;
                    while (System.nanoTime() < due) {
                        LockSupport.parkNanos(20_000);
                    }
                    for (int j = i; j < Math.min(total, i + perMilli); j++) {
                        if (j >= warmup) {
                            stamped[j] = System.nanoTime();
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
                return new Result(rate, h.getTotalCount(), h.getValueAtPercentile(50) / 1e3,
                    h.getValueAtPercentile(90) / 1e3, h.getValueAtPercentile(99) / 1e3,
                    h.getValueAtPercentile(99.9) / 1e3, h.getMaxValue() / 1e3, timing.unstamped());
            }
        }
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
