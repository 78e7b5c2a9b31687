package io.spillway.perf.eval;

import io.spillway.event.aeron.FeedMedia;
import io.spillway.event.feed.FeedSubscriberContext;
import io.spillway.placement.index.BlockLocationIndex;
import io.spillway.placement.routing.Pod;
import io.spillway.placement.routing.PodRole;
import io.spillway.router.discovery.PodEndpoint;
import io.spillway.router.feed.ClusterFeed;
import io.spillway.router.load.InFlight;
import io.spillway.router.load.LoadScraper;
import io.spillway.router.load.PodViews;
import io.spillway.router.vllm.VllmEventSubscriber;
import io.spillway.router.vllm.VllmPodEndpoint;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import org.agrona.concurrent.AgentRunner;

/**
 * One policy over one workload live: simulated pods serving HTTP on 127.0.0.1 and publishing their KV events on
 * ZMQ, the router's own event subscriber and metrics scraper feeding the policy, and requests sent in wall-clock
 * time as streams of token ids. The policy's decisions are {@link SimRouter}'s, as in {@link VirtualRun}: what
 * differs is the clock, the sockets, and that the pods' state reaches the router as it would in a cluster (events and
 * scrapes, late by their latency). For {@link Policy#SPILLWAY} a real Spillway node runs in the JVM: the pods load
 * and offload through kv-client (block bytes scaled down), and the node's block-location feed reaches the index.
 */
public final class LiveRun {
    private final Workload workload;
    private final Policy policy;
    private final String load;
    private final int podCount;
    private final EngineParams params;
    private final long seed;

    private final int clusterCpuBlocks;
    private final int clusterNvmeBlocks;

    public LiveRun(Workload workload, Policy policy, String load, int podCount, EngineParams params, long seed) {
        this(workload, policy, load, podCount, params, 0, 0, seed);
    }

    /** With the cluster's tiers sized for {@link Policy#SPILLWAY} (blocks of {@link LocalNode#BLOCK_BYTES}). */
    public LiveRun(Workload workload, Policy policy, String load, int podCount, EngineParams params,
                   int clusterCpuBlocks, int clusterNvmeBlocks, long seed) {
        if (policy == Policy.SPILLWAY && (clusterCpuBlocks < 1 || clusterNvmeBlocks < 1)) {
            throw new IllegalArgumentException("spillway runs live with a cluster: give its tiers' blocks, got "
                + clusterCpuBlocks + " and " + clusterNvmeBlocks);
        }
        this.clusterCpuBlocks = clusterCpuBlocks;
        this.clusterNvmeBlocks = clusterNvmeBlocks;
        this.workload = workload;
        this.policy = policy;
        this.load = load;
        this.podCount = podCount;
        this.params = params;
        this.seed = seed;
    }

    public RunResult run() throws Exception {
        String model = Workloads.NAMESPACE.modelId();
        List<EngineServer> engines = new ArrayList<>();
        BlockLocationIndex index = new BlockLocationIndex((long) podCount * params.gpuBlocks() * 2 + 1);
        ExecutorService streams = Executors.newCachedThreadPool(r -> {
            Thread t = new Thread(r, "live-request");
            t.setDaemon(true);
            return t;
        });
        AgentRunner events = null;
        LoadScraper loads = null;
        LocalNode node = null;
        ClusterFeed feed = null;
        try {
            if (policy == Policy.SPILLWAY) {
                node = new LocalNode("live-node", clusterCpuBlocks, clusterNvmeBlocks, Workloads.NAMESPACE);
                feed = ClusterFeed.start(FeedSubscriberContext.builder()
                    .node(node.feedAddress()).media(FeedMedia.Settings
                        .defaults(node.scratch("feed").toString())).build(), index);
            }
            List<PodEndpoint> endpoints = new ArrayList<>();
            VllmEventSubscriber.Builder subscriber = VllmEventSubscriber.builder().index(index)
                .namespace(model, Workloads.NAMESPACE).pollTimeout(Duration.ofMillis(1));
            for (int p = 0; p < podCount; p++) {
                EngineServer engine = new EngineServer("127.0.0.1", 0, 0, EngineServer.namespaceOf(model), params,
                    node == null ? null : node.access(), EnginePrompts.approximate(model));
                engines.add(engine);
                endpoints.add(new PodEndpoint("pod-" + p, "127.0.0.1", engine.port(), PodRole.BOTH, true));
                subscriber.pod(new VllmPodEndpoint("127.0.0.1:" + engine.port(), "tcp://127.0.0.1:"
                    + engine.eventsPort(), null, null));
            }
            events = VllmEventSubscriber.startOnThread(subscriber.build(), Throwable::printStackTrace);
            List<String> addresses = endpoints.stream().map(PodEndpoint::address).toList();
            InFlight inFlight = new InFlight();
            loads = new LoadScraper(() -> addresses, LoadScraper.DEFAULT_INTERVAL, Duration.ofSeconds(1),
                inFlight::sent);
            Thread.sleep(300); // the subscriptions and the first scrapes
            return RunResult.withClusterHits(replay(endpoints, loads, inFlight, index, streams), engines);
        } finally {
            streams.shutdownNow();
            if (loads != null) {
                loads.close();
            }
            if (events != null) {
                events.close();
            }
            engines.forEach(EngineServer::close);
            for (AutoCloseable c : new AutoCloseable[] {feed, node}) {
                if (c != null) {
                    c.close();
                }
            }
        }
    }

    private RunResult replay(List<PodEndpoint> endpoints, LoadScraper loads, InFlight inFlight,
                             BlockLocationIndex index, ExecutorService streams) throws Exception {
        SimRouter router = SimRouter.of(policy, workload.space(), index, podCount, params.costs(), seed);
        Replayer.Dispatch dispatch = new Replayer.Dispatch() {
            @Override
            public String address(int r, SimRequest request) {
                String address = endpoints.get(router.route(request, PodViews.of(endpoints, loads, inFlight)))
                    .address();
                inFlight.started(address);
                return address;
            }

            @Override
            public void answered(int r, long nanos) {
                router.answered(workload.requests().get(r), nanos);
            }

            @Override
            public void finished(int r, String address) {
                inFlight.finished(address);
            }

            @Override
            public double queue() {
                List<Pod> views = PodViews.of(endpoints, loads, inFlight);
                return views.stream().mapToInt(Pod::waiting).sum() / (double) views.size();
            }
        };
        return Replayer.replay(workload, policy, load, dispatch,
            (r, request) -> Replayer.tokenIds(workload.space().tokensOf(request, seed + r)), streams,
            Replayer.Progress.NONE);
    }
}
