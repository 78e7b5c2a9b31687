package io.spillway.router.feed;

import io.spillway.event.aeron.FeedMedia;
import io.spillway.event.feed.FeedSink;
import io.spillway.event.feed.FeedSubscriber;
import io.spillway.event.feed.FeedSubscriberContext;
import io.spillway.placement.index.BlockLocationIndex;
import java.lang.System.Logger;
import java.lang.System.Logger.Level;
import org.agrona.concurrent.AgentRunner;
import org.agrona.concurrent.SystemNanoClock;

/**
 * A router's view of the Spillway cluster's block locations: a {@link FeedSubscriber} on its own thread applying
 * every node's feed to a {@link BlockLocationIndex} through an {@link IndexFeedSink}. Router replicas each run one;
 * none needs another's state (each loads snapshots and follows the same feeds).
 *
 * <pre>{@code
 * BlockLocationIndex index = ClusterFeed.index(10_000_000, 2_000_000);
 * try (ClusterFeed feed = ClusterFeed.start(FeedSubscriberContext.builder().node("10.0.0.5:7603")
 *         .media(FeedMedia.Settings.defaults("/dev/shm/router-feed")).build(), index)) {
 *     index.longestPrefix(keys, runs);
 * }
 * }</pre>
 */
public final class ClusterFeed implements AutoCloseable {
    private static final Logger LOG = System.getLogger(ClusterFeed.class.getName());

    private final BlockLocationIndex index;
    private final FeedSink sink;
    private final FeedSubscriber subscriber;
    private final AgentRunner runner;

    private ClusterFeed(BlockLocationIndex index, FeedSink sink, FeedSubscriber subscriber, AgentRunner runner) {
        this.index = index;
        this.sink = sink;
        this.subscriber = subscriber;
        this.runner = runner;
    }

    /** Keys a shard of {@link #index} is sized for at least: fewer, larger shards below it. */
    static final long KEYS_PER_SHARD = 1 << 16;

    /**
     * An index for a router's feed: sharded by its bound (a shard per {@value #KEYS_PER_SHARD} keys, a power of two
     * up to 16) with one helper thread, so that the feed's large batches and the snapshot loaders write on two cores
     * at once (one thread alone is held to the memory latency of one random read per key); small bounds get one
     * shard and no helper. Close it after the feed.
     */
    public static BlockLocationIndex index(long maxKeys, long expectedKeys) {
        int shards = (int) Math.min(16, Long.highestOneBit(Math.max(1, maxKeys / KEYS_PER_SHARD)));
        return new BlockLocationIndex(maxKeys, expectedKeys, shards, shards > 1 ? 1 : 0);
    }

    /** Subscribes and starts applying to {@code index} on a thread named {@code spillway-feed}. */
    public static ClusterFeed start(FeedSubscriberContext ctx, BlockLocationIndex index) {
        return start(ctx, index, new IndexFeedSink(index));
    }

    /**
     * As {@link #start(FeedSubscriberContext, BlockLocationIndex)}, through a sink that applies to {@code index} (an
     * {@link IndexFeedSink}, or one wrapping it, as benchmarks do to time each key).
     */
    public static ClusterFeed start(FeedSubscriberContext ctx, BlockLocationIndex index, FeedSink sink) {
        FeedSubscriber subscriber = new FeedSubscriber(ctx, sink, new SystemNanoClock());
        AgentRunner runner = new AgentRunner(FeedMedia.idleStrategy(ctx.idleMaxParkMicros()),
            t -> LOG.log(Level.WARNING, "feed subscriber error", t), null, subscriber);
        AgentRunner.startOnThread(runner, r -> {
            Thread t = new Thread(r, "spillway-feed");
            t.setDaemon(true);
            return t;
        });
        return new ClusterFeed(index, sink, subscriber, runner);
    }

    public BlockLocationIndex index() {
        return index;
    }

    public FeedSink sink() {
        return sink;
    }

    public FeedSubscriber subscriber() {
        return subscriber;
    }

    /** Stops the thread, then closes the subscriber (its snapshot loaders, subscriptions and media driver). */
    @Override
    public void close() {
        runner.close();
        subscriber.close();
    }
}
