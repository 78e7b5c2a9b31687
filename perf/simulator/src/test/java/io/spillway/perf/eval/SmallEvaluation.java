package io.spillway.perf.eval;

import java.util.ArrayList;
import java.util.List;

/**
 * A real evaluation small enough for a page test: llm-d's shared-prefix workload cut to a few groups, three policies
 * at two loads in virtual time, and a live comparison whose "live" side is a second virtual run at another seed (the
 * page's test checks drawing, not the live path, which LiveRunTest covers).
 */
final class SmallEvaluation {
    static final List<Policy> POLICIES = List.of(Policy.ROUND_ROBIN, Policy.PRECISE, Policy.SPILLWAY);

    private SmallEvaluation() {
    }

    static Workload workload() {
        return Workloads.sharedPrefix(6, 4, 800, 160, 8, 2.0, 3);
    }

    /** The report of the workload at 1x and 4x, without a live comparison. */
    static EvalReport report() throws Exception {
        Workload w = workload();
        EngineParams params = EngineParams.defaults().withGpuBlocks(128);
        List<RunResult> results = Evaluation.run(List.of(new Evaluation.Load("1x", w), new Evaluation.Load("4x",
            w.compressed(4))), POLICIES, 2, params, new Evaluation.ClusterSize(4_096, 4_096), 7, 2);
        return new EvalReport(w, w.oracleHitTokens(), 2, results, params.costs());
    }

    /** Pairs of each policy's 1x run with a run of the same policy at another seed, standing in for live. */
    static List<LiveAgainstVirtual> pairs(EvalReport report) {
        List<LiveAgainstVirtual> pairs = new ArrayList<>();
        for (RunResult v : report.byLoad().get("1x")) {
            RunResult other = new VirtualRun(report.workload(), v.policy(), "live", 2,
                EngineParams.defaults().withGpuBlocks(128), 4_096, 4_096, 11).run();
            pairs.add(new LiveAgainstVirtual("1x", v, other));
        }
        return pairs;
    }
}
