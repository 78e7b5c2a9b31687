package io.spillway.perf;

import io.spillway.config.Sizes;
import io.spillway.perf.harness.WritePattern;
import io.spillway.perf.report.Durations;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import picocli.CommandLine.Option;

/** The workload options every bench command shares: sizes, parallelism, phase lengths. */
public final class WorkloadOptions {
    @Option(names = "--block-size", paramLabel = "SIZE", defaultValue = "2m",
        description = "Bytes per block, e.g. 2m, 64k (default: ${DEFAULT-VALUE}).")
    String blockSize;

    @Option(names = "--connections", paramLabel = "N", defaultValue = "4",
        description = "Connections to the target (default: ${DEFAULT-VALUE}).")
    int connections;

    @Option(names = "--threads", paramLabel = "N",
        description = "Worker threads, one request in flight each (default: = --connections).")
    Integer threads;

    @Option(names = "--blocks", paramLabel = "N", defaultValue = "256",
        description = "Working set read by gets, in blocks (default: ${DEFAULT-VALUE}).")
    long blocks;

    @Option(names = "--duration", paramLabel = "TIME", defaultValue = "10s",
        description = "Measured time per phase, e.g. 10s, 500ms (default: ${DEFAULT-VALUE}).")
    String duration;

    @Option(names = "--warmup", paramLabel = "TIME", defaultValue = "3s",
        description = "Unmeasured time before each phase (default: ${DEFAULT-VALUE}).")
    String warmup;

    @Option(names = "--writes", paramLabel = "fresh|overwrite", defaultValue = "fresh",
        description = "Puts write new keys (fresh: every put stores a block) or rewrite the working set"
            + " (default: ${DEFAULT-VALUE}).")
    String writes;

    @Option(names = "--cpu-capacity", paramLabel = "SIZE", defaultValue = "4g",
        description = "Memory of a target the bench starts: Spillway CPU tier, Redis maxmemory (default:"
            + " ${DEFAULT-VALUE}).")
    String cpuCapacity;

    @Option(names = "--nvme-capacity", paramLabel = "SIZE", defaultValue = "8g",
        description = "NVMe tier of a Spillway node the bench starts (default: ${DEFAULT-VALUE}).")
    String nvmeCapacity;

    @Option(names = "--tiers", paramLabel = "memory|nvme", defaultValue = "memory",
        description = "Tiers of a Spillway node the bench starts: memory (CPU tier only, evicting at --cpu-capacity like"
            + " Redis with maxmemory: the like-for-like baseline) or nvme (CPU tier demoting into NVMe)"
            + " (default: ${DEFAULT-VALUE}).")
    String tiers;

    @Option(names = "--server-arg", paramLabel = "ARG",
        description = "Extra argument for a Spillway node the bench starts, e.g. --server-arg=--set"
            + " --server-arg=k=v (repeatable).")
    List<String> serverArgs = new ArrayList<>();

    @Option(names = "--server-jvm-opt", paramLabel = "OPT",
        description = "JVM option for a Spillway node the bench starts, e.g. -Xmx2g (repeatable).")
    List<String> serverJvmOptions = new ArrayList<>();

    @Option(names = "--tcp-ceiling", paramLabel = "hot|memory", defaultValue = "hot",
        description = "What the raw TCP ceiling moves: hot (one reused buffer each way, in the CPU's caches) or memory"
            + " (a working set of --blocks blocks in memory, put into and got from as a store must)"
            + " (default: ${DEFAULT-VALUE}).")
    String tcpCeiling;

    @Option(names = "--no-progress", description = "No live progress line on stderr.")
    boolean noProgress;

    public int blockBytes() {
        return Sizes.parseInt("--block-size", blockSize, 1, Integer.MAX_VALUE - 64);
    }

    public int threads() {
        int t = threads == null ? connections : threads;
        if (t <= 0 || connections <= 0) {
            throw new IllegalArgumentException("--threads and --connections must be > 0, got threads=" + t
                + " connections=" + connections);
        }
        return t;
    }

    public Duration duration() {
        return Durations.parse(duration);
    }

    public Duration warmup() {
        return Durations.parse(warmup);
    }

    public WritePattern writePattern() {
        try {
            return WritePattern.valueOf(writes.trim().toUpperCase(Locale.ROOT));
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("--writes must be fresh or overwrite, got '" + writes + "'");
        }
    }

    /** Whether a Spillway node the bench starts has an NVMe tier behind its CPU tier. */
    public boolean withNvme() {
        String t = tiers.trim().toLowerCase(Locale.ROOT);
        if (!t.equals("memory") && !t.equals("nvme")) {
            throw new IllegalArgumentException("--tiers must be memory or nvme, got '" + tiers + "'");
        }
        return t.equals("nvme");
    }

    /** The TCP ceiling's working set in bytes: 0 for the cache-hot ceiling, else the gets' working set. */
    public long tcpWorkingSetBytes() {
        String t = tcpCeiling.trim().toLowerCase(Locale.ROOT);
        if (!t.equals("hot") && !t.equals("memory")) {
            throw new IllegalArgumentException("--tcp-ceiling must be hot or memory, got '" + tcpCeiling + "'");
        }
        return t.equals("hot") ? 0 : blocks * blockBytes();
    }

    public long cpuCapacityBytes() {
        return Sizes.parse("--cpu-capacity", cpuCapacity);
    }
}
