package io.spillway.perf.eval;

/**
 * A policy run live and in virtual time on the same requests, for the report's side-by-side chart.
 *
 * @param load    the load's label
 * @param virtual the run in virtual time
 * @param live    the same run on sockets, in wall-clock time
 */
public record LiveAgainstVirtual(String load, RunResult virtual, RunResult live) {
    public LiveAgainstVirtual {
        if (virtual.policy() != live.policy()) {
            throw new IllegalArgumentException("a pair must be one policy, got " + virtual.policy().label() + " and "
                + live.policy().label());
        }
    }

    public Policy policy() {
        return live.policy();
    }
}
