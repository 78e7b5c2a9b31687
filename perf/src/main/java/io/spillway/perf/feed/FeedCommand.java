package io.spillway.perf.feed;

import io.spillway.perf.RunDir;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code bin/spillway bench feed}: the block-location feed's figures (docs/events.md, docs/benchmarks.md). With
 * {@code converge}, the end-to-end exactness check on a real cluster with restarts and loss.
 */
@Command(name = "feed", mixinStandardHelpOptions = true, sortOptions = false,
    subcommands = {FeedCommand.Converge.class},
    description = {"Block-location feed: ingest rate, lag, index memory, catch-up; 'converge' checks exactness."})
public final class FeedCommand implements Callable<Integer> {
    @Override
    public Integer call() {
        System.err.println("bench feed: name a subcommand (converge)");
        return 2;
    }

    /** The convergence report as text. */
    public static String describe(FeedConvergence.Report r) {
        StringBuilder b = new StringBuilder();
        FeedConvergence.Settings s = r.settings();
        b.append(String.format("feed converge: %d nodes, replication %d, cpu %s, nvme %s, %d KiB blocks over %d keys,"
                + " %d s of load, loss %.0f%% sent + %.0f%% received%n", s.nodes(), s.replication(), s.cpuCapacity(),
            s.nvmeCapacity(), s.blockBytes() >> 10, s.keys(), s.seconds(), 100 * s.sendLoss(), 100 * s.receiveLoss()));
        r.timeline().forEach(line -> b.append("  ").append(line).append('\n'));
        b.append(String.format("put batches %d (failed %d); %s %d ms after the load stopped%n", r.puts(),
            r.putFailures(), r.converged() ? "converged" : "NOT converged", r.convergeMillis()));
        for (FeedConvergence.Follower f : r.followers()) {
            b.append(String.format("subscriber %s: %s; index %d keys; snapshots %d, gaps %d, malformed %d, NAKs sent %d%n",
                f.name(), f.diff().equal() ? "equal" : f.diff(), f.indexSize(), f.snapshots(), f.gaps(), f.invalid(),
                f.naksSent()));
        }
        return b.toString();
    }

    @Command(name = "converge", mixinStandardHelpOptions = true, sortOptions = false,
        description = {"A real cluster under random puts, restarts and UDP loss, followed by two subscribers (one",
            "late, one restarted); exits 0 only when both indexes equal the nodes' block sets."})
    static final class Converge implements Callable<Integer> {
        @Option(names = "--seconds", defaultValue = "36", description = "load duration (default: ${DEFAULT-VALUE})")
        int seconds;
        @Option(names = "--loss", defaultValue = "0.05",
            description = "fraction of data frames dropped at each end (default: ${DEFAULT-VALUE})")
        double loss;
        @Option(names = "--seed", defaultValue = "42", description = "random seed (default: ${DEFAULT-VALUE})")
        long seed;

        @Override
        public Integer call() throws Exception {
            FeedConvergence.Settings d = FeedConvergence.Settings.defaults();
            FeedConvergence.Settings s = new FeedConvergence.Settings(d.nodes(), seconds, d.replication(),
                d.cpuCapacity(), d.nvmeCapacity(), d.blockBytes(), d.keys(), loss, loss, seed,
                d.convergeTimeoutSeconds());
            try (RunDir dir = RunDir.create("spillway-feed-")) {
                FeedConvergence.Report r = new FeedConvergence(s, dir.path(), System.err).run();
                System.out.print(describe(r));
                return r.converged() ? 0 : 1;
            }
        }
    }
}
