package io.spillway.perf.eval;

import io.spillway.key.Namespace;
import io.spillway.placement.routing.RoutingConfig;
import io.spillway.router.service.Router;
import io.spillway.router.service.RouterContext;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;

/**
 * {@code bin/spillway demo}: a slice of the Mooncake trace replayed live twice on four simulated pods, once as
 * plain vLLM pods taking requests in turn (round-robin), once as Spillway: a Spillway node behind the pods (they
 * offload what their GPUs evict and load cluster hits through kv-client) and the real router in front of them
 * (`bin/spillway router`'s code: the pods' KV events, the node's block-location feed, llm-d's default weights with
 * cluster hits valued by the transfer-cost model), the requests sent to its OpenAI proxy. A progress line runs
 * during each replay; then the table of both, the same slice in virtual time under all six policies, and the report.
 */
public final class LiveDemo {
    private final Workload slice;
    private final EngineParams params;
    private final int pods;
    private final int clusterCpuBlocks;
    private final int clusterNvmeBlocks;
    private final int blockBytes;
    private final PrintStream out;
    private final List<String> notes = new ArrayList<>();

    /**
     * @param slice             the requests, arrivals as they are to be replayed
     * @param params            the pods' sizes and costs (faster than the defaults, to fit a demo)
     * @param clusterCpuBlocks  the node's CPU tier, in blocks
     * @param clusterNvmeBlocks its NVMe tier
     * @param blockBytes        bytes of a block in the live cluster (a real one's scaled down)
     */
    public LiveDemo(Workload slice, EngineParams params, int pods, int clusterCpuBlocks, int clusterNvmeBlocks,
                    int blockBytes, PrintStream out) {
        this.slice = slice;
        this.params = params;
        this.pods = pods;
        this.clusterCpuBlocks = clusterCpuBlocks;
        this.clusterNvmeBlocks = clusterNvmeBlocks;
        this.blockBytes = blockBytes;
        this.out = out;
    }

    /** Adds a line to the report about how the demo was run (shown under its title); returns this demo. */
    public LiveDemo note(String line) {
        notes.add(line);
        return this;
    }

    /** Runs both replays and the virtual comparison; writes the report under {@code dir}; returns the results. */
    public List<RunResult> run(Path dir) throws Exception {
        RunResult roundRobin = roundRobin();
        RunResult spillway = spillway();
        List<RunResult> live = List.of(roundRobin, spillway);
        List<RunResult> virtual = Evaluation.run(List.of(new Evaluation.Load("virtual", slice)),
            List.of(Policy.values()), pods, params, new Evaluation.ClusterSize(clusterCpuBlocks, clusterNvmeBlocks),
            42, Runtime.getRuntime().availableProcessors());
        List<RunResult> all = new ArrayList<>(live);
        all.addAll(virtual);
        List<LiveAgainstVirtual> pairs = new ArrayList<>();
        for (RunResult l : live) {
            virtual.stream().filter(v -> v.policy() == l.policy()).findFirst()
                .ifPresent(v -> pairs.add(new LiveAgainstVirtual("the slice", v, l)));
        }
        EvalReport report = new EvalReport(slice, slice.oracleHitTokens(), pods, all, params.costs())
            .withLiveAgainstVirtual(pairs);
        for (String note : notes) {
            report = report.withNote(note);
        }
        report = report.withNote(String.format(Locale.ROOT, "Live: round-robin on plain pods, then spillway (a "
            + "Spillway node behind the pods, the router in front); the node's blocks are %,d bytes (the cost "
            + "model's %,d scaled down). Virtual: the same slice under every policy.", blockBytes,
            params.costs().bytesPerBlock()));
        out.print(report.markdown());
        out.printf(Locale.ROOT, "%nSpillway against round-robin, live: hit tokens %.1fx, TTFT p50 %.2fx and p90 %.2fx "
            + "lower%n", spillway.hitTokens() / Math.max(1.0, roundRobin.hitTokens()),
            roundRobin.ttftP50Millis() / Math.max(1e-9, spillway.ttftP50Millis()),
            roundRobin.ttftP90Millis() / Math.max(1e-9, spillway.ttftP90Millis()));
        Files.createDirectories(dir);
        Files.writeString(dir.resolve("results.csv"), report.csv());
        Files.writeString(dir.resolve("report.html"), report.html());
        out.println("report: " + dir.resolve("report.html").toAbsolutePath());
        return all;
    }

    /** Plain pods, requests in turn, no router and no cluster. */
    private RunResult roundRobin() throws Exception {
        List<EngineServer> engines = new ArrayList<>();
        ExecutorService streams = streams();
        try {
            for (int p = 0; p < pods; p++) {
                engines.add(new EngineServer("127.0.0.1", 0, -1, Workloads.NAMESPACE, params, null,
                    EnginePrompts.approximate(Workloads.NAMESPACE.modelId())));
            }
            AtomicInteger next = new AtomicInteger();
            Replayer.Dispatch inTurn = (r, request) -> "127.0.0.1:" + engines.get(next.getAndIncrement() % pods).port();
            return replay(Policy.ROUND_ROBIN, inTurn, streams);
        } finally {
            streams.shutdownNow();
            engines.forEach(EngineServer::close);
        }
    }

    /** A Spillway node behind the pods and the router in front of them. */
    private RunResult spillway() throws Exception {
        Namespace ns = Workloads.NAMESPACE;
        List<EngineServer> engines = new ArrayList<>();
        ExecutorService streams = streams();
        try (LocalNode node = new LocalNode("demo-node", clusterCpuBlocks, clusterNvmeBlocks, blockBytes, ns)) {
            RouterContext.Builder router = RouterContext.builder().host("127.0.0.1").proxyPort(0).extProcPort(0)
                .httpPort(0).routing(RoutingConfig.preset("spillway-default")).costModel(params.costs()).namespace(ns)
                .feedNode(node.feedAddress()).maxKeys(4_000_000);
            for (int p = 0; p < pods; p++) {
                EngineServer engine = new EngineServer("127.0.0.1", 0, 0, ns, params, node.access(),
                    EnginePrompts.approximate(ns.modelId()));
                engines.add(engine);
                router.staticPod("127.0.0.1:" + engine.port()).vllmEvents("127.0.0.1:" + engine.eventsPort());
            }
            try (Router running = new Router(router.build())) {
                Thread.sleep(500); // subscriptions, the feed's session, the first scrapes
                String proxy = "127.0.0.1:" + running.proxyPort();
                RunResult result = RunResult.withClusterHits(replay(Policy.SPILLWAY, (r, request) -> proxy,
                    streams), engines);
                Map<String, Long> reasons = new TreeMap<>();
                engines.forEach(e -> e.clusterFailureReasons().forEach((k, v) -> reasons.merge(k, v, Long::sum)));
                long failed = engines.stream().mapToLong(EngineServer::clusterFailures).sum();
                if (failed > 0) { // the console shows progress, tables and the report; this only when it happened
                    out.printf("cluster calls that failed (answered as misses): %d %s%n", failed, reasons);
                }
                return result;
            }
        } finally {
            streams.shutdownNow();
            engines.forEach(EngineServer::close);
        }
    }

    private RunResult replay(Policy policy, Replayer.Dispatch dispatch, ExecutorService streams) throws Exception {
        long started = System.nanoTime();
        AtomicLong printed = new AtomicLong();
        int total = slice.requests().size();
        Replayer.Progress line = (sent, done, cached, input) -> {
            long now = System.nanoTime();
            long last = printed.get();
            if (done < total && now - last < 250_000_000L || !printed.compareAndSet(last, now)) {
                return; // a line four times a second, and the last one
            }
            synchronized (out) {
                out.printf(Locale.ROOT, "\r%-11s %3d/%d sent, %3d done, %5.1f%% of prompt tokens cached, %4.1f s ",
                    policy.label(), sent, slice.requests().size(), done, input == 0 ? 0 : 100.0 * cached / input,
                    (System.nanoTime() - started) / 1e9);
                out.flush();
            }
        };
        RunResult result = Replayer.replay(slice, policy, "live", dispatch,
            (r, request) -> '"' + slice.space().textOf(request, r) + '"', streams, line);
        out.println();
        return result;
    }

    private static ExecutorService streams() {
        return Executors.newCachedThreadPool(r -> {
            Thread t = new Thread(r, "demo-request");
            t.setDaemon(true);
            return t;
        });
    }
}
