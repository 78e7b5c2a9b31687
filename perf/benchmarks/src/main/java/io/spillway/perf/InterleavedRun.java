package io.spillway.perf;

import io.spillway.perf.harness.PhaseMerger;
import io.spillway.perf.harness.PhaseResult;
import io.spillway.perf.harness.PhaseSlice;
import io.spillway.perf.harness.PhaseSpec;
import io.spillway.perf.harness.SliceRunner;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Runs every phase against every target in rounds, so that a slow minute of the machine hits all targets alike:
 * each round gives every target one slice of {@code duration / rounds}, in an order that alternates between
 * rounds (ABC, CBA, ABC, ...), so no target always runs first or last. Each target's slices of a phase are merged
 * into one result ({@link PhaseMerger}); the per-round slice results are kept for per-round ratios.
 *
 * <p>Warm-up: a target's first slice of a phase gets the phase's full warm-up; its later slices get a short
 * re-warm-up ({@link #REWARM}, at most the phase's warm-up) that is not measured, because a target that sat idle
 * while the others ran restarts with cold caches and TCP connections back in slow start.
 */
final class InterleavedRun {
    /** Unmeasured warm-up before every slice but a target's first of a phase. */
    static final Duration REWARM = Duration.ofMillis(250);

    private final Map<String, ? extends SliceRunner> harnesses;
    private final int rounds;

    /**
     * @param harnesses one harness per target (or the peer's own driver), by target name, in the order of round 1
     * @param rounds    rounds per phase (at least 1)
     */
    InterleavedRun(Map<String, ? extends SliceRunner> harnesses, int rounds) {
        if (rounds < 1) {
            throw new IllegalArgumentException("--rounds must be >= 1, got " + rounds);
        }
        this.harnesses = harnesses;
        this.rounds = rounds;
    }

    /** Fails (before any target starts) when {@code rounds} is below 1 or leaves a phase no time per slice. */
    static void check(List<PhaseSpec> phases, int rounds) {
        InterleavedRun probe = new InterleavedRun(Map.of(), rounds);
        for (PhaseSpec phase : phases) {
            probe.sliceSpec(phase, 0);
        }
    }

    /** The targets in the order they run in round {@code round} (0-based): as given, then reversed, and so on. */
    static <T> List<T> order(List<T> targets, int round) {
        List<T> out = new ArrayList<>(targets);
        if (round % 2 == 1) {
            Collections.reverse(out);
        }
        return out;
    }

    /** The spec of one slice of {@code phase}: a share of its duration, and full or short warm-up. */
    PhaseSpec sliceSpec(PhaseSpec phase, int round) {
        Duration warmup = round == 0 ? phase.warmup()
            : phase.warmup().compareTo(REWARM) < 0 ? phase.warmup() : REWARM;
        Duration slice = phase.duration().dividedBy(rounds);
        if (slice.isZero()) {
            throw new IllegalArgumentException("--duration " + phase.duration().toMillis() + "ms is too short for "
                + rounds + " rounds");
        }
        String name = rounds == 1 ? phase.name() : phase.name() + " " + (round + 1) + "/" + rounds;
        return phase.timed(warmup, slice).named(name);
    }

    /** Runs all phases, each in {@code rounds} interleaved rounds. */
    Result run(List<PhaseSpec> phases) throws InterruptedException {
        List<String> names = new ArrayList<>(harnesses.keySet());
        Map<String, Map<String, PhaseResult>> merged = new LinkedHashMap<>();
        Map<String, Map<String, List<PhaseResult>>> slices = new LinkedHashMap<>();
        for (String name : names) {
            merged.put(name, new LinkedHashMap<>());
            slices.put(name, new LinkedHashMap<>());
        }
        for (PhaseSpec phase : phases) {
            Map<String, PhaseMerger> mergers = new LinkedHashMap<>();
            for (String name : names) {
                mergers.put(name, new PhaseMerger(name, phase));
                slices.get(name).put(phase.name(), new ArrayList<>());
            }
            for (int round = 0; round < rounds; round++) {
                PhaseSpec slice = sliceSpec(phase, round);
                for (String name : order(names, round)) {
                    PhaseSlice s = harnesses.get(name).runSlice(slice);
                    mergers.get(name).add(s);
                    slices.get(name).get(phase.name()).add(s.result());
                }
            }
            mergers.forEach((name, m) -> merged.get(name).put(phase.name(), m.result()));
        }
        return new Result(merged, slices);
    }

    /**
     * What a run measured.
     *
     * @param merged per target and phase, the slices merged into one result
     * @param slices per target and phase, each round's slice in round order
     */
    record Result(Map<String, Map<String, PhaseResult>> merged, Map<String, Map<String, List<PhaseResult>>> slices) {
    }
}
