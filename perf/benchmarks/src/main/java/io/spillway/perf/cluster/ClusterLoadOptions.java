package io.spillway.perf.cluster;

import io.spillway.config.Sizes;
import io.spillway.perf.RunDir;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.function.BiConsumer;
import java.util.function.Function;
import java.util.function.Predicate;
import picocli.CommandLine.Option;

/**
 * The options {@code bench failover} and {@code bench scale} share: the verifying load (block size, batch, put
 * share, threads, seed), each node's CPU tier and extra settings, and what to keep and write.
 */
final class ClusterLoadOptions {
    @Option(names = "--block-size", defaultValue = "256k", description = "block size (default: ${DEFAULT-VALUE})")
    String blockSize;
    @Option(names = "--batch", defaultValue = "4", description = "blocks per request (default: ${DEFAULT-VALUE})")
    int batch;
    @Option(names = "--put-share", defaultValue = "0.3", description = "share of puts (default: ${DEFAULT-VALUE})")
    double putShare;
    @Option(names = "--threads", defaultValue = "4", description = "load threads (default: ${DEFAULT-VALUE})")
    int threads;
    @Option(names = "--cpu-capacity", defaultValue = "512m",
        description = "CPU tier per node (default: ${DEFAULT-VALUE})")
    String cpuCapacity;
    @Option(names = "--seed", defaultValue = "42", description = "load seed (default: ${DEFAULT-VALUE})")
    long seed;
    @Option(names = "--node-set", paramLabel = "KEY=VALUE",
        description = "a spillway.* setting for every node (repeatable)")
    List<String> nodeSettings = new ArrayList<>();
    @Option(names = "--keep", description = "keep the run directory (node logs) even when every point passes")
    boolean keep;
    @Option(names = "--json", paramLabel = "FILE", description = "also write the figures as JSON")
    Path json;

    int blockBytes() {
        return (int) Sizes.parse("--block-size", blockSize);
    }

    /** A scenario run in a fresh run directory. */
    @FunctionalInterface
    interface Scenario<R> {
        R run(Path runDir) throws IOException, InterruptedException;
    }

    /**
     * Runs {@code scenario} in a run directory named {@code prefix...} (kept when it throws, when the report did not
     * pass, or with {@code --keep}), prints the report, writes its JSON with {@code --json}; exit 0 when it passed.
     */
    <R> int run(String prefix, Scenario<R> scenario, Predicate<R> passed, BiConsumer<R, PrintStream> print,
                Function<R, String> toJson) throws IOException, InterruptedException {
        R report;
        try (RunDir runDir = RunDir.create(prefix)) {
            try {
                report = scenario.run(runDir.path());
            } catch (IOException | RuntimeException e) {
                runDir.keep();
                throw e;
            }
            if (keep || !passed.test(report)) {
                runDir.keep();
            }
        }
        print.accept(report, System.out);
        if (json != null) {
            Files.writeString(json, toJson.apply(report), StandardCharsets.UTF_8);
            System.out.println("wrote " + json);
        }
        return passed.test(report) ? 0 : 1;
    }
}
