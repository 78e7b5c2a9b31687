package io.spillway.server;

import java.util.List;
import java.util.Locale;

/**
 * JVM options a node should run with on a given machine, beyond the module flags every Spillway process needs:
 * the launcher ({@code bin/spillway server}) applies the same rule, and the bench's child nodes take it from here.
 *
 * <p>The one rule today is the JIT: on a machine with at most {@value #SMALL_MACHINE_CPUS} CPUs a node runs C1
 * only ({@code -XX:TieredStopAtLevel=1}). A node's bulk work is native (socket copies, memcpy, CRC32C), so C2's
 * better code gains little there, while C2's compiles take a core away from serving for tens of seconds after
 * start and again after every topology change (Ignite's failure handling and the hand-off run for the first time,
 * hot paths are deoptimised). Measured in docs/benchmarks.md ("JIT on small nodes"). {@code SPILLWAY_NODE_JIT}
 * overrides: {@code c1}, {@code c2} (the JVM's default tiered JIT), or {@code auto}.
 */
public final class NodeJvmOptions {
    /** Environment variable that overrides the JIT choice: {@code auto}, {@code c1} or {@code c2}. */
    public static final String JIT_ENV = "SPILLWAY_NODE_JIT";
    static final int SMALL_MACHINE_CPUS = 2;
    static final String C1_ONLY = "-XX:TieredStopAtLevel=1";

    private NodeJvmOptions() {
    }

    /** The options for this machine and environment. */
    public static List<String> forThisMachine() {
        return choose(System.getenv(JIT_ENV), Runtime.getRuntime().availableProcessors());
    }

    /** The options for a machine of {@code cpus} CPUs with {@code jit} as {@value #JIT_ENV} (null: auto). */
    static List<String> choose(String jit, int cpus) {
        String mode = jit == null || jit.isBlank() ? "auto" : jit.trim().toLowerCase(Locale.ROOT);
        return switch (mode) {
            case "c1" -> List.of(C1_ONLY);
            case "c2" -> List.of();
            case "auto" -> cpus <= SMALL_MACHINE_CPUS ? List.of(C1_ONLY) : List.of();
            default -> throw new IllegalArgumentException(JIT_ENV + " must be auto, c1 or c2, got '" + jit + "'");
        };
    }

    /** Whether {@code options} already choose the JIT (then the rule adds nothing). */
    public static boolean choosesJit(List<String> options) {
        return options.stream().anyMatch(o -> o.startsWith("-XX:TieredStopAtLevel") || o.contains("TieredCompilation")
            || o.equals("-Xint") || o.equals("-Xcomp"));
    }
}
