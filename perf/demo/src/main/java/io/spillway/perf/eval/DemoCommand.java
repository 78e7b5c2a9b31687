package io.spillway.perf.eval;

import io.spillway.perf.BenchMain;
import io.spillway.placement.routing.CostInputs;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.Locale;
import java.util.concurrent.Callable;
import java.util.logging.Level;
import java.util.logging.Logger;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/**
 * {@code bin/spillway demo}: see {@link LiveDemo}. Its defaults replay the first 600 requests of the Mooncake
 * conversation trace in about 90 seconds on a 2-core machine (docs/evaluation.md); {@code bin/spillway demo tiers} is
 * the node's own tier demo ({@link io.spillway.perf.DemoMain}).
 */
@Command(name = "demo", mixinStandardHelpOptions = true, sortOptions = false,
    description = {"A slice of the Mooncake trace on four simulated vLLM pods, live: round-robin, then Spillway (a "
        + "node behind the pods, the router in front); then the same slice in virtual time under all six policies."})
public final class DemoCommand implements Callable<Integer> {
    @Option(names = "--trace", paramLabel = "FILE", description = "Mooncake-format trace (default: the conversation "
        + "trace's first 2,000 rows, shipped in the project; give the whole trace for more).")
    Path trace;

    @Option(names = "--requests", defaultValue = "600", description = "The slice: the first N requests (default: "
        + "${DEFAULT-VALUE}).")
    int requests;

    @Option(names = "--speedup", defaultValue = "0.5", description = "Arrivals this many times the trace's rate "
        + "(default: ${DEFAULT-VALUE}: four pods take half of what eight do).")
    double speedup;

    @Option(names = "--faster", defaultValue = "10", description = "Pods and arrivals this many times faster than "
        + "real, to fit the demo (default: ${DEFAULT-VALUE}).")
    double faster;

    @Option(names = "--pods", defaultValue = "4", description = "Simulated pods (default: ${DEFAULT-VALUE}).")
    int pods;

    @Option(names = "--gpu-blocks", defaultValue = "8192", description = "KV blocks of 16 tokens per pod (default: "
        + "${DEFAULT-VALUE}: 128k tokens, the trace's longest prompt, and small enough that the cluster matters within "
        + "a short slice).")
    int gpuBlocks;

    @Option(names = "--cluster-cpu-blocks", defaultValue = "524288", description = "The node's CPU tier, in blocks "
        + "of --block-bytes (default: ${DEFAULT-VALUE}: 1 GiB, what the slice's pods evict).")
    int clusterCpuBlocks;

    @Option(names = "--cluster-nvme-blocks", defaultValue = "524288", description = "Its NVMe tier (default: "
        + "${DEFAULT-VALUE}).")
    int clusterNvmeBlocks;

    @Option(names = "--byte-scale", defaultValue = "1024", description = "The live cluster's blocks are the model's "
        + "(--model-shape, --costs) divided by this, and the cost model's bandwidths with them, so a load is priced "
        + "as the real model's (default: ${DEFAULT-VALUE}: Llama-3.1-8B's 2 MiB blocks become 2 KiB).")
    long byteScale;

    @Mixin
    CostOptions costs = new CostOptions();

    @Option(names = "--out", paramLabel = "DIR", description = "Where the report goes (default: "
        + "target/demo-<time>).")
    Path out;

    @Option(names = "--verbose", description = "Also print the embedded node's and router's INFO log lines (default: "
        + "warnings and errors only, so the console shows the progress line, the tables and the report path).")
    boolean verbose;

    @Override
    public Integer call() throws Exception {
        long started = System.nanoTime();
        if (!verbose) {
            quietLogs();
        }
        if (requests < 1 || pods < 1 || gpuBlocks < 1 || clusterCpuBlocks < 1 || clusterNvmeBlocks < 1
            || !(speedup > 0) || !(faster > 0)) {
            throw new IllegalArgumentException("--requests, --pods, --gpu-blocks, --cluster-*-blocks, --speedup and "
                + "--faster must be > 0");
        }
        CostInputs real = costs.resolve();
        if (byteScale < 1 || real.blockBytes() / byteScale < 16 || real.blockBytes() / byteScale > (8 << 20)) {
            throw new IllegalArgumentException("--byte-scale must leave live blocks of 16 bytes to 8 MiB: "
                + real.blockBytes() + " / " + byteScale);
        }
        int blockBytes = (int) (real.blockBytes() / byteScale);
        CostInputs scaled = real.with(CostInputs.BLOCK_BYTES, blockBytes, "scaled: / " + byteScale)
            .with(CostInputs.CPU_GBPS, real.cpuGbps() / byteScale, "scaled: / " + byteScale)
            .with(CostInputs.NVME_GBPS, real.nvmeGbps() / byteScale, "scaled: / " + byteScale);
        if (trace == null && requests > EMBEDDED_ROWS) {
            throw new IllegalArgumentException("--requests " + requests + " is more than the " + EMBEDDED_ROWS
                + " rows shipped with the demo: give --trace FILE (Mooncake's conversation_trace.jsonl)");
        }
        Path file = trace != null ? trace : embeddedTrace();
        if (!Files.isRegularFile(file)) {
            throw new IllegalArgumentException("no Mooncake trace at " + file + ": give --trace FILE (the "
                + "conversation trace, mooncake/conversation_trace.jsonl)");
        }
        Workload slice = Workloads.mooncake(file, requests, trace != null ? String.valueOf(file.getFileName())
            : EMBEDDED_TRACE.substring(EMBEDDED_TRACE.lastIndexOf('/') + 1)).compressed(speedup * faster);
        EngineParams params = EngineParams.defaults().withGpuBlocks(gpuBlocks).withCosts(scaled.model())
            .faster(faster);
        System.out.printf(Locale.ROOT, "costs (the real model's):%n%s  live blocks %,d bytes and bandwidths %.3g / %.3g "
                + "MB/s: the real ones divided by --byte-scale %d, so a load is priced as the real model's%n",
            real.describe(), blockBytes, scaled.cpuGbps() * 1e3, scaled.nvmeGbps() * 1e3, byteScale);
        System.out.printf("%d requests of %s (%d prompt tokens), arrivals at %sx the trace's rate; %d simulated pods "
                + "of %d GPU blocks, %sx faster than real%n", slice.requests().size(),
            trace != null ? file.getFileName() : "Mooncake's conversation trace (its first 2,000 rows, shipped)",
            slice.inputTokens(), EvalReport.number(speedup), pods, gpuBlocks, EvalReport.number(faster));
        new LiveDemo(slice, params, pods, clusterCpuBlocks, clusterNvmeBlocks, blockBytes, System.out)
            .note(String.format(Locale.ROOT, "The first %,d requests at %sx the trace's rate on %d pods of %,d GPU "
                + "blocks; pods and arrivals %sx faster than real, so the costs below are the model's %sx faster.",
                slice.requests().size(), EvalReport.number(speedup), pods, gpuBlocks, EvalReport.number(faster),
                EvalReport.number(faster)))
            .run(out != null ? out : Path.of("target", "demo-" + System.currentTimeMillis()));
        System.out.printf("demo done in %.0f s%n", (System.nanoTime() - started) / 1e9);
        return 0;
    }

    /** The first rows of Mooncake's conversation trace, shipped with perf (resources/traces/README.md). */
    static final String EMBEDDED_TRACE = "/traces/mooncake-conversation-first2000.jsonl";
    static final int EMBEDDED_ROWS = 2_000;

    /** The shipped slice, copied to a temporary file (the trace reader takes a path); deleted on exit. */
    static Path embeddedTrace() throws IOException {
        try (InputStream in = DemoCommand.class.getResourceAsStream(EMBEDDED_TRACE)) {
            if (in == null) {
                throw new IllegalStateException(EMBEDDED_TRACE + " is missing from the classpath");
            }
            Path copy = Files.createTempFile("mooncake-conversation-first2000-", ".jsonl");
            copy.toFile().deleteOnExit();
            Files.copy(in, copy, StandardCopyOption.REPLACE_EXISTING);
            return copy;
        }
    }

    /**
     * The node and the router run in this JVM and log through {@link System.Logger}, whose backend here is
     * java.util.logging: raising its root level to WARNING keeps their INFO lines out of the demo's table. This is
     * the demo's whole logging configuration.
     */
    static void quietLogs() {
        Logger.getLogger("").setLevel(Level.WARNING);
    }

    public static void main(String[] args) {
        System.exit(BenchMain.withUsageErrors(new CommandLine(new DemoCommand()), "demo")
            .execute(args));
    }
}
