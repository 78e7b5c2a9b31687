package io.spillway.perf.cluster;

import java.util.List;

/**
 * What a failover run measured. Throughputs are blocks per second (puts and gets acknowledged with correct bytes);
 * times are seconds since the load started.
 */
record FailoverReport(FailoverSettings settings, double twoNodeBlocksPerSec, double beforeKillBlocksPerSec,
                      double killAt, double detectedAt, double afterRecoveryBlocksPerSec,
                      long getsOkAroundKill, long getsFailedAroundKill, long putsFailedAroundKill,
                      long wrongBlocks, List<String> wrongExamples, long ackedBlocks,
                      long[] verifyAfterKill, long[] verifyAfterRejoin, double rejoinSeconds, double[] perSecond) {

    FailoverReport withBaseline(double twoNodes) {
        return new FailoverReport(settings, twoNodes, beforeKillBlocksPerSec, killAt, detectedAt,
            afterRecoveryBlocksPerSec, getsOkAroundKill, getsFailedAroundKill, putsFailedAroundKill, wrongBlocks,
            wrongExamples, ackedBlocks, verifyAfterKill, verifyAfterRejoin, rejoinSeconds, perSecond);
    }

    /** The end of the first whole second after detection at >= 90% of the two-node throughput; NaN when none. */
    double recoveredAt() {
        for (int sec = (int) Math.ceil(detectedAt); sec < perSecond.length; sec++) {
            if (perSecond[sec] >= 0.9 * twoNodeBlocksPerSec) {
                return sec + 1;
            }
        }
        return Double.NaN;
    }

    double getSuccessAroundKill() {
        long all = getsOkAroundKill + getsFailedAroundKill;
        return all == 0 ? 0 : getsOkAroundKill / (double) all;
    }

    /** Seconds from detection to the first second at >= 90% of two-node throughput; NaN when never. */
    double recoverySeconds() {
        double at = recoveredAt();
        return Double.isNaN(at) ? Double.NaN : Math.max(0, at - detectedAt);
    }

    double afterRecoveryRatio() {
        return afterRecoveryBlocksPerSec / twoNodeBlocksPerSec;
    }

    /** The acceptance points of issue 3, each true or false, with the figure. */
    List<String> verdicts() {
        return List.of(
            check(wrongBlocks == 0 && verifyAfterKill[3] == 0 && verifyAfterRejoin[3] == 0,
                "zero wrong bytes: " + wrongBlocks + " in load, " + verifyAfterKill[3] + " + " + verifyAfterRejoin[3]
                    + " in verification"),
            check(verifyAfterKill[0] == ackedBlocks,
                "every acknowledged block readable after the kill: " + verifyAfterKill[0] + " of " + ackedBlocks),
            check(getSuccessAroundKill() >= 0.99, String.format(
                "gets in the minute around the kill: %.3f%% succeed (%d of %d)", 100 * getSuccessAroundKill(),
                getsOkAroundKill, getsOkAroundKill + getsFailedAroundKill)),
            check(recoverySeconds() <= 10, String.format(
                "throughput back to >= 90%% of two nodes (%.0f blocks/s) %.1f s after detection", twoNodeBlocksPerSec,
                recoverySeconds())),
            check(verifyAfterRejoin[0] == ackedBlocks && !Double.isNaN(rejoinSeconds), String.format(
                "killed node rejoined in %.1f s; %d of %d acknowledged blocks readable after", rejoinSeconds,
                verifyAfterRejoin[0], ackedBlocks)));
    }

    boolean passed() {
        return verdicts().stream().allMatch(v -> v.startsWith("PASS"));
    }

    private static String check(boolean ok, String what) {
        return (ok ? "PASS " : "FAIL ") + what;
    }
}
