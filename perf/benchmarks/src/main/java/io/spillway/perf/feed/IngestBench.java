package io.spillway.perf.feed;

import io.spillway.event.NodeLoad;
import io.spillway.event.aeron.FeedMedia;
import io.spillway.event.feed.FeedSink;
import io.spillway.event.feed.FeedSubscriber;
import io.spillway.event.feed.FeedSubscriberContext;
import io.spillway.placement.index.BlockLocationIndex;
import io.spillway.router.feed.ClusterFeed;
import io.spillway.router.feed.IndexFeedSink;
import io.spillway.tier.TierKind;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.LongAdder;
import org.agrona.DirectBuffer;
import org.agrona.concurrent.AgentRunner;
import org.agrona.concurrent.BusySpinIdleStrategy;
import org.agrona.concurrent.SystemNanoClock;

/**
 * Events into the index, keys per second: a {@link SyntheticNode} publishes as fast as the transport takes (half the
 * keys stored, half removed, so the index holds a steady million), a real {@link FeedSubscriber} applies them to a
 * {@link BlockLocationIndex} made as a router makes it ({@link ClusterFeed#index}: 16 shards, one helper thread). The baseline in the same run is the same subscriber with a sink that only counts: the
 * feed's transport and decoding without the index.
 */
final class IngestBench {
    /** Keys each message stores; as many again are removed once the window has filled. */
    enum Transport {
        IPC("aeron:ipc?term-length=64m|mtu=8k"),
        UDP("aeron:udp?control=127.0.0.1:0|control-mode=dynamic|mtu=8k|term-length=16m");

        final String publication;

        Transport(String publication) {
            this.publication = publication;
        }
    }

    /** @param keysPerSecond into the index; {@code baselineKeysPerSecond} through a counting sink */
    record Result(Transport transport, double keysPerSecond, double baselineKeysPerSecond, long indexKeys, long gaps,
                  long invalid) {
        double ratio() {
            return keysPerSecond / baselineKeysPerSecond;
        }
    }

    private static final int WINDOW_KEYS = 1 << 20;
    /** Keys per group so that two groups fill one 8 KiB frame: (8192 - frame header - message header - groups) / 32. */
    private static final int PER_GROUP = (8192 - 32 - 32 - 2 * 8) / 32;

    private IngestBench() {
    }

    static Result run(Transport transport, Path dir, int warmupSeconds, int seconds) throws Exception {
        Phase baseline = phase(transport, dir.resolve("baseline-" + transport), false, warmupSeconds, seconds);
        Phase indexed = phase(transport, dir.resolve("index-" + transport), true, warmupSeconds, seconds);
        return new Result(transport, indexed.keysPerSecond, baseline.keysPerSecond, indexed.indexKeys,
            indexed.gaps + baseline.gaps, indexed.invalid + baseline.invalid);
    }

    private record Phase(double keysPerSecond, long indexKeys, long gaps, long invalid) {
    }

    private static Phase phase(Transport transport, Path dir, boolean index, int warmupSeconds, int seconds)
        throws Exception {
        try (FeedMedia media = FeedMedia.embedded(FeedMedia.Settings.defaults(dir.resolve("aeron").toString()))) {
            SyntheticNode node = new SyntheticNode(media.aeron(), transport.publication, 1001, "synthetic", PER_GROUP,
                WINDOW_KEYS / PER_GROUP);
            FeedSubscriberContext.Builder ctx = FeedSubscriberContext.builder().externalDriver(media.directory());
            if (transport == Transport.IPC) {
                ctx.channel("aeron:ipc");
            } else {
                ctx.node(node.localAddresses().get(0));
            }
            BlockLocationIndex idx = ClusterFeed.index(WINDOW_KEYS + WINDOW_KEYS / 4, WINDOW_KEYS); // 25% headroom
            FeedSink sink = index ? new IndexFeedSink(idx) : new CountingSink();
            FeedSubscriber subscriber = new FeedSubscriber(ctx.build(), sink, new SystemNanoClock());
            AgentRunner runner = new AgentRunner(new BusySpinIdleStrategy(), Throwable::printStackTrace, null,
                subscriber);
            AgentRunner.startOnThread(runner);
            try {
                node.start();
                long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
                while (subscriber.liveSessions() < 1 && System.nanoTime() < deadline) {
                    Thread.sleep(10);
                }
                if (subscriber.liveSessions() < 1) {
                    throw new IllegalStateException("the subscriber never went live on " + transport);
                }
                Thread.sleep(TimeUnit.SECONDS.toMillis(warmupSeconds));
                long k0 = subscriber.keysApplied();
                long t0 = System.nanoTime();
                Thread.sleep(TimeUnit.SECONDS.toMillis(seconds));
                long k1 = subscriber.keysApplied();
                long t1 = System.nanoTime();
                return new Phase((k1 - k0) / ((t1 - t0) / 1e9), idx.size(), subscriber.gaps(),
                    subscriber.invalidMessages());
            } finally {
                node.close();
                runner.close();
                subscriber.close();
                idx.close();
            }
        }
    }

    /** The baseline's sink: counts what it is given and keeps nothing. */
    private static final class CountingSink implements FeedSink {
        final LongAdder keys = new LongAdder();

        @Override
        public void reset(String nodeId) {
        }

        @Override
        public void stored(String nodeId, TierKind tier, DirectBuffer buf, int offset, int count) {
            keys.add(count);
        }

        @Override
        public void removed(String nodeId, TierKind tier, DirectBuffer buf, int offset, int count) {
            keys.add(count);
        }

        @Override
        public void moved(String nodeId, TierKind from, TierKind to, DirectBuffer buf, int offset, int count) {
            keys.add(count);
        }

        @Override
        public void cleared(String nodeId, TierKind tier) {
        }

        @Override
        public void load(NodeLoad load) {
        }
    }
}
