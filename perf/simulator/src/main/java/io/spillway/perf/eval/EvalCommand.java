package io.spillway.perf.eval;

import io.spillway.perf.sim.SimCommand;
import io.spillway.placement.routing.CostFile;
import io.spillway.placement.routing.CostInputs;
import io.spillway.router.chat.ChatTemplate;
import io.spillway.router.tokenize.AdapterNames;
import io.spillway.router.tokenize.ChatTokenizer;
import io.spillway.router.tokenize.HuggingFaceTokenizer;
import io.spillway.router.tokenize.PromptKeys;
import io.spillway.router.tokenize.RoleLinesChatTokenizer;
import io.spillway.router.tokenize.TemplateChatTokenizer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/**
 * {@code bin/spillway bench eval}: the routing policies side by side on a workload in virtual time, at a sweep of
 * loads; prints a table per load and writes CSV and an HTML report (tables and charts, {@link ReportPage}).
 */
@Command(name = "eval", mixinStandardHelpOptions = true, sortOptions = false,
    description = {"Routing policies side by side on simulated vLLM pods, in virtual time: hit tokens per tier, "
        + "TTFT, throughput, queue depth; the oracle (unbounded cache) as the upper bound.",
        "Workloads: mooncake (the conversation trace, arrivals compressed by each --speedups factor), "
            + "shared-prefix (llm-d's: 150 groups x 5 users, 6,000-token context, 1,200-token questions, Poisson "
            + "arrivals at each --qps) or chat (multi-turn conversations through a model's chat template, the router "
            + "keying them with the template and as role lines, each --speedups factor)."})
public final class EvalCommand implements Callable<Integer> {
    @Option(names = "--workload", defaultValue = "mooncake", description = "mooncake, shared-prefix, chat (multi-turn "
        + "conversations through a model's chat template), azure-code or azure-conv (Azure's traces as they are: "
        + "arrivals and lengths, no shared prefixes; default: ${DEFAULT-VALUE}).")
    String workload;

    @Option(names = "--chat-model", paramLabel = "DIR", description = "chat: the model's tokenizer.json and "
        + "tokenizer_config.json (default: Qwen3's, router/src/test/resources/chat/qwen3).")
    Path chatModel;

    @Option(names = "--chat-keys", split = ",", defaultValue = "template,lines", description = "chat: how the router "
        + "keys the requests, one run of each: template (the model's chat template, as the engine) or lines (role: "
        + "content lines, the router before issue 16; default: ${DEFAULT-VALUE}).")
    List<String> chatKeys;

    @Option(names = "--conversations", defaultValue = "150", description = "chat: conversations, each of 6 questions "
        + "(default: ${DEFAULT-VALUE}).")
    int conversations;

    @Option(names = "--arrivals", defaultValue = "poisson", description = "shared-prefix: poisson (at each --qps), or "
        + "azure-code or azure-conv (that trace's first arrivals, compressed by each --speedups factor; default: "
        + "${DEFAULT-VALUE}).")
    String arrivals;

    @Option(names = "--trace", paramLabel = "FILE", description = "Mooncake-format trace (default: the conversation "
        + "trace in ../shared/traces).")
    Path trace;

    @Option(names = "--requests", defaultValue = "2147483647", description = "Use the first N requests.")
    int requests;

    @Option(names = "--speedups", split = ",", defaultValue = "1", description = "mooncake: time compression "
        + "factors, one run per factor (default: ${DEFAULT-VALUE}).")
    List<Double> speedups;

    @Option(names = "--qps", split = ",", defaultValue = "3,6,12,24,60", description = "shared-prefix: arrival "
        + "rates (default: ${DEFAULT-VALUE}).")
    List<Double> qps;

    @Option(names = "--output-tokens", defaultValue = "1000", description = "shared-prefix: tokens per answer "
        + "(default: ${DEFAULT-VALUE}).")
    int outputTokens;

    @Option(names = "--policies", split = ",", defaultValue = "random,round-robin,load,approximate,precise,spillway",
        description = "Policies (default: ${DEFAULT-VALUE}).")
    List<String> policies;

    @Option(names = "--pods", defaultValue = "8", description = "Simulated pods (default: ${DEFAULT-VALUE}).")
    int pods;

    @Option(names = "--gpu-blocks", defaultValue = "16384", description = "KV blocks of 16 tokens per pod's GPU "
        + "(default: ${DEFAULT-VALUE}).")
    int gpuBlocks;

    @Option(names = "--cluster-cpu-blocks", defaultValue = "524288", description = "Blocks of 16 tokens in the "
        + "cluster's CPU tier (default: ${DEFAULT-VALUE}, 16k trace blocks of 512 tokens).")
    int clusterCpuBlocks;

    @Option(names = "--cluster-nvme-blocks", defaultValue = "1572864", description = "Blocks in the NVMe tier "
        + "(default: ${DEFAULT-VALUE}; with the CPU tier, 64k trace blocks).")
    int clusterNvmeBlocks;

    @Option(names = "--seed", defaultValue = "42", description = "Seed of the random policy, ties and arrivals.")
    long seed;

    @Option(names = "--threads", defaultValue = "0", description = "Runs at once (default: the cores).")
    int threads;

    @Option(names = "--live", description = "Also run each policy live (pods on sockets, KV events over ZMQ, "
        + "wall-clock time; spillway with a real node through kv-client, blocks of 8 KiB) and compare its hit rate "
        + "with virtual time's.")
    boolean live;

    @Option(names = "--live-faster", defaultValue = "4", description = "Live runs: pods this many times faster and "
        + "arrivals compressed alike, in both modes of the comparison (default: ${DEFAULT-VALUE}).")
    double liveFaster;

    @Option(names = "--out", paramLabel = "DIR", description = "Where the CSV and the chart go (default: "
        + "target/eval-<time>).")
    Path out;

    @Mixin
    CostOptions costs = new CostOptions();

    @Option(names = "--sweep-gbps", split = ",", paramLabel = "GBPS", description = "Instead of the policy table: "
        + "where the win ends. Spillway at each cluster bandwidth (GB/s into a pod; NVMe bounded by it) against "
        + "precise and round-robin, at each --sweep-prefill rate, on the first load; writes sweep.csv, sweep.md and "
        + "sweep-ttft-p90.svg (e.g. 0.5,1,2,5,10,20,50).")
    List<Double> sweepGbps;

    @Option(names = "--sweep-prefill", split = ",", paramLabel = "TOKENS_PER_S", description = "With --sweep-gbps: "
        + "the prefill rates (default: the cost model's).")
    List<Double> sweepPrefill;

    /** The cost model's figures, resolved first so that a bad figure fails before the workload is built. */
    private CostInputs inputs = CostInputs.defaults();

    @Override
    public Integer call() throws Exception {
        long started = System.nanoTime();
        inputs = costs.resolve();
        List<Policy> chosen = policies.stream().map(Policy::parse).toList();
        List<Evaluation.Load> loads = new ArrayList<>();
        Workload base;
        boolean poisson = workload.equals("shared-prefix") && arrivals.equals("poisson");
        if (workload.equals("mooncake")) {
            base = Workloads.mooncake(trace != null ? trace : SimCommand.defaultTrace(), requests);
        } else if (workload.startsWith("azure-")) {
            base = Workloads.azure(azureTrace(workload), requests);
        } else if (workload.equals("chat")) {
            if (live) {
                throw new IllegalArgumentException("the chat workload runs in virtual time only: its live form needs "
                    + "the router's own proxy in front (bin/spillway demo's wiring), not bench eval's");
            }
            return chat(started, chosen);
        } else if (workload.equals("shared-prefix")) {
            // keyed once: at q qps the Poisson arrivals are those at 1 qps compressed q times
            base = Workloads.sharedPrefix(150, 5, 6_000, 1_200, outputTokens, 1, seed).first(requests);
            base = poisson ? base : Workloads.arrivingAs(base, azureTrace(arrivals));
        } else {
            throw new IllegalArgumentException("unknown workload '" + workload + "': expected mooncake, "
                + "shared-prefix, azure-code or azure-conv");
        }
        for (double factor : poisson ? qps : speedups) {
            loads.add(new Evaluation.Load(EvalReport.number(factor) + (poisson ? " qps" : "x"),
                base.compressed(factor)));
        }
        System.out.printf("%s: %d requests, %d prompt tokens, built in %.1f s%n", base.name(),
            base.requests().size(), base.inputTokens(), (System.nanoTime() - started) / 1e9);
        report(base, loads, chosen);
        return 0;
    }

    /** Runs every policy on every load; prints and writes the report; the live comparison when asked. */
    private void report(Workload base, List<Evaluation.Load> loads, List<Policy> chosen) throws Exception {
        System.out.print("costs:\n" + inputs.describe());
        EngineParams params = EngineParams.defaults().withGpuBlocks(gpuBlocks).withCosts(inputs.model());
        if (sweepGbps != null && !sweepGbps.isEmpty()) {
            sweep(base, loads.subList(0, 1), params, inputs);
            return;
        }
        long runStart = System.nanoTime();
        List<RunResult> results = Evaluation.run(loads, chosen, pods, params,
            new Evaluation.ClusterSize(clusterCpuBlocks, clusterNvmeBlocks), seed,
            threads > 0 ? threads : Runtime.getRuntime().availableProcessors());
        double runSeconds = (System.nanoTime() - runStart) / 1e9;
        long oracle = base.oracleHitTokens();
        EvalReport report = new EvalReport(base, oracle, pods, results, params.costs());
        System.out.print(report.markdown());
        System.out.printf("%d runs (%d policies x %d loads, %d pods) in %.1f s of wall time%n", results.size(),
            chosen.size(), loads.size(), pods, runSeconds);
        if (live) {
            report = report.withLiveAgainstVirtual(compareLive(loads, chosen, params)).withNote("Live against "
                + "virtual time: pods and arrivals " + EvalReport.number(liveFaster) + "x faster in both modes, "
                + "spillway's live cluster with blocks of 8 KiB.");
        }
        Path dir = out != null ? out : Path.of("target", "eval-" + System.currentTimeMillis());
        Files.createDirectories(dir);
        Files.writeString(dir.resolve("results.csv"), report.csv());
        Files.writeString(dir.resolve("report.html"), report.html());
        Files.writeString(dir.resolve("ttft-p90.svg"), report.svg());
        Files.writeString(dir.resolve("costs.json"), CostFile.write(inputs));
        System.out.println("report: " + dir.resolve("report.html").toAbsolutePath());
    }

    /** The bandwidth and prefill sweep on one load: Spillway against precise and round-robin. */
    private void sweep(Workload base, List<Evaluation.Load> loads, EngineParams params, CostInputs inputs)
        throws Exception {
        List<Double> prefills = sweepPrefill != null && !sweepPrefill.isEmpty() ? sweepPrefill
            : List.of(inputs.prefillTokensPerSecond());
        long runStart = System.nanoTime();
        List<SweepPoint> points = new BandwidthSweep(base, loads, List.of(Policy.ROUND_ROBIN, Policy.PRECISE,
            Policy.SPILLWAY), pods, params, new Evaluation.ClusterSize(clusterCpuBlocks, clusterNvmeBlocks), seed)
            .run(inputs, sweepGbps, prefills, threads > 0 ? threads : Runtime.getRuntime().availableProcessors());
        double runSeconds = (System.nanoTime() - runStart) / 1e9;
        SweepReport report = new SweepReport(points, inputs);
        System.out.print(report.markdown());
        Path dir = out != null ? out : Path.of("target", "sweep-" + System.currentTimeMillis());
        Files.createDirectories(dir);
        Files.writeString(dir.resolve("sweep.csv"), report.csv());
        Files.writeString(dir.resolve("sweep.md"), report.markdown());
        Files.writeString(dir.resolve("sweep-ttft-p90.svg"), report.svg());
        Files.writeString(dir.resolve("costs.json"), CostFile.write(inputs));
        Files.writeString(dir.resolve("report.html"), sweepPage(base, points, pods, params, inputs).html());
        System.out.printf("%d runs (%s, %d bandwidths x %d prefill rates) in %.1f s of wall time; written to %s%n",
            points.size(), loads.get(0).label(), sweepGbps.size(), prefills.size(), runSeconds,
            dir.toAbsolutePath());
    }

    /**
     * The sweep as a report page: its tables and charts are the runs at the cost model's own bandwidth and prefill
     * rate (Spillway's swept bandwidth nearest to it), and its "where the win ends" chart every swept run, the
     * policies that never load from the cluster drawn flat across the bandwidths.
     */
    static EvalReport sweepPage(Workload base, List<SweepPoint> points, int pods, EngineParams params,
                                 CostInputs inputs) {
        List<Double> bandwidths = points.stream().filter(SweepPoint::loadsFromCluster).map(SweepPoint::clusterGbps)
            .distinct().sorted().toList();
        double nearest = bandwidths.stream().min(Comparator.comparingDouble(g -> Math.abs(g - inputs.cpuGbps())))
            .orElse(Double.NaN);
        double prefill = points.stream().map(SweepPoint::prefillTokensPerSecond)
            .min(Comparator.comparingDouble(r -> Math.abs(r - inputs.prefillTokensPerSecond()))).orElse(Double.NaN);
        List<RunResult> atModel = new ArrayList<>();
        List<BreakEvenPoint> sweep = new ArrayList<>();
        for (SweepPoint p : points) {
            if (p.prefillTokensPerSecond() == prefill && (!p.loadsFromCluster() || p.clusterGbps() == nearest)) {
                atModel.add(p.result());
            }
            for (double gbps : p.loadsFromCluster() ? List.of(p.clusterGbps()) : bandwidths) {
                sweep.add(new BreakEvenPoint(gbps, p.prefillTokensPerSecond(), p.policy(),
                    p.result().ttftP90Millis(), p.result().hitTokens()));
            }
        }
        return new EvalReport(base, base.oracleHitTokens(), pods, atModel,
            params.costs()).withBreakEvenSweep(sweep).withNote(String.format(Locale.ROOT, "Bandwidth sweep: the "
            + "tables are the runs at %s GB/s and %s prefill tokens/s; the sweep's chart has every run.",
            EvalReport.number(nearest), EvalReport.number(prefill)));
    }

    /**
     * The chat workload, keyed by the router each way of {@code --chat-keys}: a load per way and speed-up, labelled
     * {@code <way> <factor>x}.
     */
    private int chat(long started, List<Policy> chosen) throws Exception {
        Path dir = chatModel != null ? chatModel : SimCommand.fromRoot("router/src/test/resources/chat/qwen3");
        String model = Workloads.NAMESPACE.modelId();
        List<Evaluation.Load> loads = new ArrayList<>();
        Workload base = null;
        try (EnginePrompts engine = EnginePrompts.model(dir, model);
             HuggingFaceTokenizer tokenizer =
                 new HuggingFaceTokenizer(dir.resolve("tokenizer.json"))) {
            ChatWorkload.Shape shape = ChatWorkload.Shape.defaults();
            shape = new ChatWorkload.Shape(conversations, shape.turns(), shape.systemPrompts(), shape.systemWords(),
                shape.questionWords(), shape.answerWords(), shape.startsPerSecond());
            for (String way : chatKeys) {
                ChatWorkload.RouterKeys keys = ChatWorkload.RouterKeys.parse(way);
                ChatTokenizer chats = keys == ChatWorkload.RouterKeys.TEMPLATE
                    ? new TemplateChatTokenizer(ChatTemplate.load(
                        dir.resolve("tokenizer_config.json"), Clock.systemUTC()), tokenizer)
                    : new RoleLinesChatTokenizer(tokenizer);
                PromptKeys router = new PromptKeys(tokenizer,
                    chats, Workloads.NAMESPACE, new AdapterNames(List.of(model)));
                Workload w = ChatWorkload.generate(shape, engine, router, "chat (" + dir.getFileName() + ")", seed)
                    .first(requests);
                base = base == null ? w : base;
                for (double factor : speedups) {
                    loads.add(new Evaluation.Load(way + " " + EvalReport.number(factor) + "x", w.compressed(factor)));
                }
            }
        }
        System.out.printf("%s: %d requests, %d prompt tokens, keyed %s, built in %.1f s%n", base.name(),
            base.requests().size(), base.inputTokens(), chatKeys, (System.nanoTime() - started) / 1e9);
        report(base, loads, chosen);
        return 0;
    }

    /** Azure's code or conversation trace, beside the Mooncake trace in ../shared/traces. */
    private static Path azureTrace(String name) {
        String file = switch (name) {
            case "azure-code" -> "AzureLLMInferenceTrace_code.csv";
            case "azure-conv" -> "AzureLLMInferenceTrace_conv.csv";
            default -> throw new IllegalArgumentException("unknown Azure trace '" + name + "': expected azure-code or "
                + "azure-conv");
        };
        return SimCommand.defaultTrace().getParent().getParent().resolve("azure_llm_2023").resolve(file);
    }

    /** Each policy on each load, live and virtual with the same faster pods: hit rates side by side; the pairs. */
    private List<LiveAgainstVirtual> compareLive(List<Evaluation.Load> loads, List<Policy> chosen,
                                                 EngineParams params) throws Exception {
        List<LiveAgainstVirtual> pairs = new ArrayList<>();
        EngineParams fast = params.faster(liveFaster);
        System.out.printf("%nLive against virtual time, pods and arrivals %sx faster in both%n%n",
            EvalReport.number(liveFaster));
        System.out.println("| load | policy | virtual hit % | live hit % | gap | live cluster hit % "
            + "| virtual TTFT p90 ms | live TTFT p90 ms |");
        System.out.println("|---|---|---:|---:|---:|---:|---:|---:|");
        for (Evaluation.Load load : loads) {
            Workload w = load.workload().compressed(liveFaster);
            for (Policy policy : chosen) {
                RunResult v = new VirtualRun(w, policy, load.label(), pods, fast, clusterCpuBlocks, clusterNvmeBlocks,
                    seed).run();
                RunResult l = new LiveRun(w, policy, load.label(), pods, fast, clusterCpuBlocks, clusterNvmeBlocks,
                    seed).run();
                double gap = v.hitRate() == 0 ? 0 : (l.hitRate() - v.hitRate()) / v.hitRate();
                System.out.printf(Locale.ROOT, "| %s | %s | %.1f | %.1f | %+.1f%% | %.1f | %.0f | %.0f |%n",
                    load.label(), policy.label(), 100 * v.hitRate(), 100 * l.hitRate(), 100 * gap,
                    100.0 * (l.cpuHitTokens() + l.nvmeHitTokens()) / l.inputTokens(), v.ttftP90Millis(),
                    l.ttftP90Millis());
                pairs.add(new LiveAgainstVirtual(load.label(), v, l));
            }
        }
        return pairs;
    }
}
