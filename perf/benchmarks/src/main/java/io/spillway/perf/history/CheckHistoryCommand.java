package io.spillway.perf.history;

import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/**
 * {@code bin/spillway bench check-history FILE}: checks a recorded history (docs/reliability.md, "History checker")
 * and prints its counts and violations. Exit 0 when valid, 1 when a guarantee was broken or the history is incomplete,
 * 2 when the file is not a history.
 */
@Command(name = "check-history", mixinStandardHelpOptions = true, sortOptions = false,
    description = {"Checks a recorded load history against docs/cluster.md's guarantees: no wrong bytes,",
        "no acknowledged block lost after the fault window, no value changed after its first acknowledgement."})
public final class CheckHistoryCommand implements Callable<Integer> {
    @Spec
    CommandSpec spec;
    @Parameters(index = "0", description = "history file (written by bench failover --history)")
    Path file;
    @Option(names = "--fault-end-ns", description = "end of the fault window on the history's clock (System.nanoTime "
        + "of the recording JVM): misses of acknowledged keys before it are counted, from it on they are losses. "
        + "Without it, every such miss is a loss")
    Long faultEndNanos;
    @Option(names = "--examples", defaultValue = "10",
        description = "violations printed per kind; all are counted (default: ${DEFAULT-VALUE})")
    int examples;

    @Override
    public Integer call() throws IOException {
        History history = History.read(file);
        HistoryVerdict verdict = new HistoryChecker(examples).check(history,
            faultEndNanos == null ? Long.MIN_VALUE : faultEndNanos);
        PrintWriter out = spec.commandLine().getOut();
        verdict.print(out);
        out.flush();
        return verdict.valid() ? 0 : 1;
    }
}
