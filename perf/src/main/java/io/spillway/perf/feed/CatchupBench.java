package io.spillway.perf.feed;

import io.spillway.event.aeron.FeedMedia;
import io.spillway.event.feed.FeedSubscriberContext;
import io.spillway.key.BlockKey;
import io.spillway.placement.index.BlockLocationIndex;
import io.spillway.router.feed.ClusterFeed;
import io.spillway.server.ServerContext;
import io.spillway.server.SpillwayServer;
import io.spillway.server.TierChain;
import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.zip.CRC32C;

/**
 * An empty subscriber catching up with nodes that already hold many blocks: {@code nodes} real nodes in this JVM
 * (CPU tier only), each filled with {@code blocksPerNode} small blocks straight into its tier chain, then a fresh
 * {@link ClusterFeed} is started and timed until its index holds every block and every node's session is live
 * (media driver start, first heartbeats, and the snapshots loaded in parallel, included).
 */
final class CatchupBench {
    record Result(int nodes, long blocksPerNode, double seconds, long indexKeys, long snapshotKeys) {
    }

    private static final int BLOCK_BYTES = 16;
    private static final BlockKey NS = new BlockKey(0xCA7CL, 0);

    private CatchupBench() {
    }

    static Result run(Path dir, int nodes, int blocksPerNode) throws Exception {
        List<SpillwayServer> servers = new ArrayList<>();
        try {
            for (int n = 0; n < nodes; n++) {
                servers.add(SpillwayServer.start(ServerContext.builder().bind("127.0.0.1").dataPort(0)
                    .controlPort(0).httpPort(0).events("port", "0").nodeId("catchup-" + n)
                    .dataDir(dir.resolve("node-" + n)).nvmeEnabled(false)
                    .cpuCapacityBytes(Math.max(64L << 20, 128L * blocksPerNode)).ioThreads(1).tierThreads(1)
                    .build()));
            }
            ByteBuffer block = ByteBuffer.allocateDirect(BLOCK_BYTES);
            CRC32C c = new CRC32C();
            c.update(block.duplicate());
            int crc = (int) c.getValue();
            for (int n = 0; n < nodes; n++) {
                TierChain tiers = servers.get(n).tiers();
                for (int i = 0; i < blocksPerNode; i++) {
                    tiers.put(NS, new BlockKey(n, i), block, crc);
                }
            }
            for (SpillwayServer s : servers) { // the nodes' own publishers are done with the fill
                while (s.feed().publisher().pendingKeys() > 0) {
                    Thread.sleep(10);
                }
            }
            System.gc();
            FeedSubscriberContext.Builder ctx = FeedSubscriberContext.builder()
                .media(FeedMedia.Settings.defaults(dir.resolve("subscriber-aeron").toString()));
            for (SpillwayServer s : servers) {
                ctx.node(s.feed().localAddresses().get(0));
            }
            long expected = (long) nodes * blocksPerNode;
            BlockLocationIndex index = new BlockLocationIndex(2 * expected, expected);
            long start = System.nanoTime();
            try (ClusterFeed feed = ClusterFeed.start(ctx.build(), index)) {
                long deadline = start + TimeUnit.SECONDS.toNanos(60);
                while (index.size() < expected || feed.subscriber().liveSessions() < nodes) {
                    if (System.nanoTime() > deadline) {
                        throw new IllegalStateException("caught up " + index.size() + " of " + expected
                            + " keys in 60 s");
                    }
                    Thread.onSpinWait();
                }
                double seconds = (System.nanoTime() - start) / 1e9;
                return new Result(nodes, blocksPerNode, seconds, index.size(), feed.subscriber().snapshotKeys());
            }
        } finally {
            for (SpillwayServer s : servers) {
                s.close();
            }
        }
    }
}
